"""Track through HTTP and the real queue: Azurite, the Cosmos emulator, the local Graph
server and the local Functions host (docs/design.md, docs/api.md; issue 7)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.model import RecordRef
from tests.integration.track_support import aid_of, events, send_job, stored_docs, wait_until

pytestmark = pytest.mark.integration

PDF = ("quote.pdf", 184_320, "application/pdf")
XLSX = ("prices.xlsx", 20_480, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _item(timeline: dict, item_id: str) -> dict:
    found = [i for i in timeline["items"] if i["id"] == item_id]
    assert len(found) == 1, [(i["id"], i["state"]) for i in timeline["items"]]
    return found[0]


async def test_track_answers_202_pending_then_becomes_tracked_and_the_timeline_shows_it(world):
    msg = world.message(world.tracker, 1, attachments=[PDF])
    world.publish(world.tracker)
    before = world.timeline(world.tracker).json()
    assert _item(before, msg["id"])["state"] == "untracked"

    resp = world.track(world.tracker, msg)

    assert resp.status_code == 202, resp.text
    accepted = resp.json()
    assert accepted["state"] == "pending"
    assert accepted["trackingId"].startswith("trk-")
    done = world.wait_for(world.tracker, accepted["trackingId"])
    assert done == {
        "trackingId": accepted["trackingId"],
        "state": "tracked",
        "activityId": aid_of(msg),
        "regarding": {"entityType": world.account.entity_type, "id": world.account.id},
    }
    after = world.timeline(world.tracker).json()
    tile = _item(after, aid_of(msg))
    assert tile["state"] == "tracked"
    assert tile["subject"] == msg["subject"]
    assert not [i for i in after["items"] if i["id"] == msg["id"]], "the suggestion must be gone once tracked"


async def test_tracked_copy_has_direction_relative_to_the_owner_and_attachment_metadata(world):
    incoming = world.message(world.tracker, 1, attachments=[PDF, XLSX])
    outgoing = world.message(world.tracker, 2, outgoing=True)
    world.publish(world.tracker)

    ids = [world.track(world.tracker, m).json()["trackingId"] for m in (incoming, outgoing)]
    for tid in ids:
        assert world.wait_for(world.tracker, tid)["state"] == "tracked"

    timeline = world.timeline(world.tracker).json()
    tile_in, tile_out = _item(timeline, aid_of(incoming)), _item(timeline, aid_of(outgoing))
    assert tile_in["direction"] == "incoming"
    assert tile_out["direction"] == "outgoing"
    assert tile_in["attachments"] == [{"name": n, "size": s, "contentType": c} for n, s, c in (PDF, XLSX)]
    assert tile_out["attachments"] == []
    [doc] = [d for d in await stored_docs(world.stack, aid_of(incoming)) if d["type"] == "activity"]
    assert doc["trackedBy"] == world.tracker.oid
    assert doc["regarding"] == {"entityType": "account", "id": world.account.id}
    assert "SECRET-BODY" in doc["body"]
    assert doc["key"] == incoming["internetMessageId"]


async def test_teammate_sees_the_tracked_item_and_a_user_without_record_access_gets_404(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    tid = world.track(world.tracker, msg).json()["trackingId"]
    world.wait_for(world.tracker, tid)
    teammate = world.user("mate", ("Sales.Person",), (world.team,))
    outsider = world.user("out", ("Sales.Person",), ("t-elsewhere",))

    seen = world.timeline(teammate)

    assert seen.status_code == 200
    assert _item(seen.json(), aid_of(msg))["state"] == "tracked"
    assert world.timeline(outsider).status_code == 404
    assert world.status(teammate, tid).status_code == 404, "a tracking request is private to its owner"


async def test_repeat_clicks_return_the_same_tracking_id_and_a_tracked_item_answers_200(world):
    msg = world.message(world.tracker, 1, attachments=[PDF])
    world.publish(world.tracker)

    with ThreadPoolExecutor(4) as pool:
        clicks = list(pool.map(lambda _: world.track(world.tracker, msg), range(4)))

    assert {c.status_code for c in clicks} <= {200, 202}
    ids = {c.json()["trackingId"] for c in clicks}
    assert len(ids) == 1
    tid = ids.pop()
    world.wait_for(world.tracker, tid)
    again = world.track(world.tracker, msg)
    assert again.status_code == 200
    body = again.json()
    assert body["trackingId"] == tid
    assert body["state"] == "tracked"
    assert body["activityId"] == aid_of(msg)
    assert body["activity"]["state"] == "tracked"
    assert body["activity"]["attachments"] == [
        {"name": "quote.pdf", "size": 184_320, "contentType": "application/pdf"}
    ]
    assert len(events(world.stack, tid, "track.accepted")) == 1, "only the first click enqueues a job"


async def test_two_users_tracking_the_same_email_to_different_records_make_one_activity(world):
    colleague = world.user("col", ("Sales.Person",), (world.team,))
    shared_id = f"<shared.{world.tag}@{world.domain}>"
    mine = world.message(world.tracker, 1, internet_id=shared_id)
    theirs = world.message(colleague, 1, internet_id=shared_id)
    world.publish(world.tracker, colleague)
    other = await world.create_account(RecordRef("account", f"a-trk2-{world.tag}"), owner=colleague)

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(
            lambda args: world.track(*args), [(world.tracker, mine, None), (colleague, theirs, other)]
        )

    assert a.status_code in (200, 202) and b.status_code in (200, 202)
    done_a = world.wait_for(world.tracker, a.json()["trackingId"]) if a.status_code == 202 else a.json()
    done_b = world.wait_for(colleague, b.json()["trackingId"]) if b.status_code == 202 else b.json()
    assert done_a["state"] == done_b["state"] == "tracked"
    assert done_a["activityId"] == done_b["activityId"] == aid_of(mine)
    docs = await stored_docs(world.stack, aid_of(mine))
    assert sorted(d["type"] for d in docs) == ["activity", "claim"]
    [activity] = [d for d in docs if d["type"] == "activity"]
    [claim] = [d for d in docs if d["type"] == "claim"]
    assert activity["regarding"] == claim["regarding"], "the activity sits on the record that claimed it"
    tracked_tiles = [
        i
        for ref in (world.account, other)
        for i in world.timeline(world.tracker, ref).json()["items"]
        if i["state"] == "tracked"
    ]
    # one stored activity; on the other record the tracker sees their own copy, tracked elsewhere
    assert [t["id"] for t in tracked_tiles if "regarding" not in t] == [aid_of(mine)]
    elsewhere = [t for t in tracked_tiles if "regarding" in t]
    assert len(elsewhere) == 1 and elsewhere[0]["id"] == mine["id"]
    assert {k: elsewhere[0]["regarding"][k] for k in ("entityType", "id")} == activity["regarding"]


async def test_a_job_message_delivered_three_times_makes_one_activity(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    # Hold the worker back (one throttled Graph answer) so that all three copies are queued.
    world.fault(world.tracker, {"status": 429, "retryAfter": 1, "times": 1, "for": "app"})

    tid = world.track(world.tracker, msg).json()["trackingId"]
    send_job(world.stack, world.tracker.oid, tid, times=2)

    assert world.wait_for(world.tracker, tid)["state"] == "tracked"
    handled = wait_until(
        lambda: len(events(world.stack, tid, "track.copied", "track.skipped")) >= 3 or None,
        what="three deliveries",
    )
    assert handled
    docs = await stored_docs(world.stack, aid_of(msg))
    assert sorted(d["type"] for d in docs) == ["activity", "claim"]
    timeline = world.timeline(world.tracker).json()
    assert [i["id"] for i in timeline["items"] if i["state"] == "tracked"] == [aid_of(msg)]
