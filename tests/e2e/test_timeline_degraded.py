"""GET /api/timeline over HTTP when the mailbox cannot be read (docs/design.md).

The local Graph server answers these users' requests with a fault; the timeline still
answers 200 with the tracked items and a notice naming the cause.
"""

from __future__ import annotations

import time

import pytest

from shared.services.timeline import MAILBOX_DEADLINE, NOTICES
from tests.e2e.timeline_data import (
    DENIED,
    DOWN,
    FLAKY,
    THROTTLED,
    UNAUTHORIZED,
    User,
)
from tests.e2e.timeline_world import (
    items_by_tag,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("dup_a_tracked")]


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        pytest.param(DENIED, "INSUFFICIENT_PERMISSIONS", id="graph-403"),
        pytest.param(UNAUTHORIZED, "INSUFFICIENT_PERMISSIONS", id="graph-401"),
        pytest.param(THROTTLED, "THROTTLED", id="graph-429-outlasting-retries"),
        pytest.param(DOWN, "TEMPORARY", id="graph-503"),
    ],
)
def test_mailbox_failure_answers_200_with_tracked_items_and_a_notice(world, user: User, reason: str):
    timeline = world.ok_timeline(user, "contact", "dup")

    assert timeline["autoCapture"] == {"active": False, "notice": NOTICES[reason], "reason": reason}
    items = items_by_tag(timeline)
    assert list(items) == ["dup-a"]
    assert items["dup-a"]["state"] == "tracked"
    assert items["dup-a"]["id"] == world.tracked["dup-a"]


def test_throttling_within_the_retries_still_shows_suggestions(world):
    world.ok_timeline(FLAKY, "contact", "dup")  # the folder ids, fetched once per mailbox
    world.graph.set_fault(FLAKY, {"status": 429, "retryAfter": 1, "times": 2})
    try:
        reads = world.graph.requests(FLAKY)
        timeline = world.ok_timeline(FLAKY, "contact", "dup")
    finally:
        world.graph.set_fault(FLAKY, None)

    assert timeline["autoCapture"]["active"] is True
    assert timeline["autoCapture"]["notice"] is None
    assert {t: i["state"] for t, i in items_by_tag(timeline).items()} == {
        "dup-a": "tracked",
        "dup-b": "untracked",
    }
    assert world.graph.requests(FLAKY) - reads == 4  # 2 throttled + the 2 queries


def test_a_long_retry_after_does_not_hold_the_timeline_past_its_mailbox_deadline(world):
    world.graph.set_fault(FLAKY, {"status": 429, "retryAfter": 60})
    try:
        started = time.monotonic()
        timeline = world.ok_timeline(FLAKY, "contact", "dup")
        elapsed = time.monotonic() - started
    finally:
        world.graph.set_fault(FLAKY, None)

    assert elapsed < MAILBOX_DEADLINE + 3
    assert timeline["autoCapture"]["active"] is False
    assert timeline["autoCapture"]["reason"] == "TEMPORARY"
    assert [i["state"] for i in timeline["items"]] == ["tracked"]
