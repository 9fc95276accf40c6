"""GET /api/timeline over HTTP: the settings gates (docs/design.md).

Suggestions need the org setting on, the user's option on and a sales role; otherwise
the timeline answers the tracked items only, ``autoCapture.active`` false and a notice,
and the mailbox is not read at all.
"""

from __future__ import annotations

import pytest

from shared.services.timeline import NOTICES
from tests.e2e.timeline_data import (
    ADMIN,
    NO_ROLE,
    OPT_OUT,
    SELLER,
    TEAMMATE,
)
from tests.e2e.timeline_world import (
    items_by_tag,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("dup_a_tracked")]


def states(timeline: dict) -> dict[str, str]:
    return {tag: item["state"] for tag, item in items_by_tag(timeline).items()}


def assert_tracked_only(timeline: dict, reason: str) -> None:
    assert timeline["autoCapture"] == {"active": False, "notice": NOTICES[reason], "reason": reason}
    assert states(timeline) == {"dup-a": "tracked"}


def test_org_setting_off_means_no_suggestions_for_anyone_and_no_mailbox_reads(world, api):
    before = api.get("/api/settings", ADMIN.caller).json()["org"]["autoCaptureEnabled"]
    reads = {user: world.graph.requests(user) for user in (SELLER, TEAMMATE)}
    resp = api.put("/api/settings/org", ADMIN.caller, json={"autoCaptureEnabled": False})
    assert resp.status_code == 200, resp.text
    try:
        for user in (SELLER, TEAMMATE):
            assert_tracked_only(world.ok_timeline(user, "contact", "dup"), "ORG_DISABLED")
            assert world.graph.requests(user) == reads[user]
        assert "user" not in api.get("/api/settings", SELLER.caller).json()
    finally:
        resp = api.put("/api/settings/org", ADMIN.caller, json={"autoCaptureEnabled": before})
        assert resp.status_code == 200, resp.text

    assert states(world.ok_timeline(SELLER, "contact", "dup")) == {"dup-a": "tracked", "dup-b": "untracked"}


def test_user_option_off_hides_suggestions_for_that_user_only(world, api):
    resp = api.put("/api/settings/user", OPT_OUT.caller, json={"showUntrackedEmail": False})
    assert resp.status_code == 200, resp.text
    try:
        reads = world.graph.requests(OPT_OUT)
        assert_tracked_only(world.ok_timeline(OPT_OUT, "contact", "dup"), "USER_DISABLED")
        assert world.graph.requests(OPT_OUT) == reads
        other = world.ok_timeline(TEAMMATE, "contact", "dup")
        assert other["autoCapture"]["active"] is True
        assert states(other) == {"dup-a": "tracked", "dup-b": "untracked"}
    finally:
        resp = api.put("/api/settings/user", OPT_OUT.caller, json={"showUntrackedEmail": True})
        assert resp.status_code == 200, resp.text

    assert states(world.ok_timeline(OPT_OUT, "contact", "dup")) == {"dup-a": "tracked", "dup-b": "untracked"}


def test_without_a_sales_role_the_timeline_has_tracked_items_only_and_a_notice(world):
    reads = world.graph.requests(NO_ROLE)

    assert_tracked_only(world.ok_timeline(NO_ROLE, "contact", "dup"), "NO_SALES_ROLE")
    assert world.graph.requests(NO_ROLE) == reads
