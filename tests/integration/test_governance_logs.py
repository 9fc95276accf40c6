"""A whole run on the local stack (timelines, tracks, settings, exclusions, retention,
erasure): the erasure removes what it should through the real queue, its steps are in the
host log by erasureId, and no log line of the run carries an address, subject, preview
or body."""

from __future__ import annotations

import re

import pytest

from tests.integration.track_support import host_lines, wait_until

pytestmark = pytest.mark.integration


async def test_a_whole_run_logs_no_address_subject_preview_or_body_and_erasure_is_followed_by_id(world):
    admin = world.user("adm", ("AutoCapture.Admin",), (world.team,))
    first = world.message(world.tracker, 1, attachments=[("q.pdf", 10, "application/pdf")])
    second = world.message(world.tracker, 2)
    world.publish(world.tracker, admin)
    await world.create_account()
    api = world.api

    assert world.timeline(world.tracker).status_code == 200  # suggestions from the mailbox
    for msg in (first, second):
        tracking_id = world.track(world.tracker, msg).json()["trackingId"]
        assert world.wait_for(world.tracker, tracking_id)["state"] == "tracked"
    org_change = {"add": [world.customer, f"@{world.domain}"], "remove": []}
    assert api.post("/api/settings/org/exclusions", admin.caller, json=org_change).status_code == 200
    user_change = {"add": [world.customer], "remove": []}
    assert (
        api.post("/api/settings/user/exclusions", world.tracker.caller, json=user_change).status_code == 200
    )
    assert api.put("/api/settings/org", admin.caller, json={"retentionDays": 3650}).status_code == 200
    preview = api.get("/api/admin/erasure/preview", admin.caller, params={"address": world.customer}).json()
    assert preview["count"] == 2

    accepted = api.post("/api/admin/erasure", admin.caller, json={"address": world.customer})
    assert accepted.status_code == 202
    erasure_id = accepted.json()["erasureId"]

    def receipt():
        body = api.get(f"/api/admin/erasure/{erasure_id}", admin.caller).json()
        return body if body["state"] != "running" else None

    done = wait_until(receipt, timeout=30, what="the erasure")
    assert done["state"] == "done"
    assert done["removed"] == {
        "activities": 2,
        "attachments": 1,
        "trackingRequests": 2,
        "exclusionEntries": 2,
    }
    timeline = world.timeline(world.tracker).json()
    assert [i for i in timeline["items"] if i["state"] != "untracked"] == []
    assert (
        api.get("/api/admin/erasure/preview", admin.caller, params={"address": world.customer}).json()[
            "count"
        ]
        == 0
    )
    settings = api.get("/api/settings", admin.caller).json()
    assert (
        settings["org"]["excluded"][-1:] == [f"@{world.domain}"]
        and world.customer not in settings["org"]["excluded"]
    )

    lines = host_lines(world.stack)
    steps = [e["event"] for e in lines if e.get("erasureId") == erasure_id]
    assert steps[:1] == ["erasure.requested"] and "erasure.started" in steps and steps[-1] == "erasure.done"
    assert all(
        e.get("correlationId") == erasure_id
        for e in lines
        if e.get("event") in ("erasure.started", "erasure.done")
    )
    raw = (world.stack.workdir / "logs" / "host.log").read_text(errors="replace")
    for secret in (
        world.customer,
        world.tracker.upn,
        admin.upn,
        first["subject"],
        first["bodyPreview"],
        "SECRET-BODY",
    ):
        assert secret.lower() not in raw.lower(), secret
    assert not re.search(rf"[A-Za-z0-9._%+-]+@{re.escape(world.domain)}", raw)
