"""Beyond the anchors: bulk Track (``POST /api/track/bulk``) and untrack
(``DELETE /api/timeline/{entityType}/{recordId}/activities/{activityId}``), both audited."""

from __future__ import annotations

import pytest

from tests.integration.track_support import TrackWorld, aid_of, host_lines, stored_docs

pytestmark = pytest.mark.integration


def _bulk(world: TrackWorld, who, item_ids: list[str]):
    ref = {"entityType": "account", "id": world.account.id}
    items = [{"itemId": i, "kind": "email", "regarding": ref} for i in item_ids]
    return world.api.post("/api/track/bulk", who.caller, json={"items": items})


def _untrack(world: TrackWorld, who, aid: str):
    return world.api.delete(f"/api/timeline/account/{world.account.id}/activities/{aid}", who.caller)


def _track_all(world: TrackWorld, msgs: list[dict]) -> list[str]:
    resp = _bulk(world, world.tracker, [m["id"] for m in msgs])
    assert resp.status_code == 200, resp.text
    ids = [r["trackingId"] for r in resp.json()["results"]]
    for tid in ids:
        assert world.wait_for(world.tracker, tid)["state"] == "tracked"
    return ids


async def test_bulk_track_answers_per_item_results_and_tracks_each_item(world):
    msgs = [world.message(world.tracker, n) for n in (1, 2, 3)]
    world.publish(world.tracker)
    tid_3 = world.track(world.tracker, msgs[2]).json()["trackingId"]
    world.wait_for(world.tracker, tid_3)

    resp = _bulk(world, world.tracker, [msgs[0]["id"], msgs[1]["id"], "AAMkNotInThisMailbox", msgs[2]["id"]])

    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert [(r["itemId"], r["status"]) for r in results] == [
        (msgs[0]["id"], 202),
        (msgs[1]["id"], 202),
        ("AAMkNotInThisMailbox", 404),
        (msgs[2]["id"], 200),
    ]
    assert results[2]["error"]
    assert results[3]["state"] == "tracked"
    assert results[3]["activityId"] == aid_of(msgs[2])
    assert results[3]["trackingId"] == tid_3
    for r, m in zip(results[:2], msgs[:2], strict=True):
        assert r["state"] == "pending"
        assert world.wait_for(world.tracker, r["trackingId"])["activityId"] == aid_of(m)
    audit = [
        e
        for e in host_lines(world.stack)
        if e.get("event") == "track.bulk" and e.get("userId") == world.tracker.oid
    ]
    assert [(a["items"], a["accepted"], a["alreadyTracked"], a["rejected"]) for a in audit] == [(4, 2, 1, 1)]


@pytest.mark.parametrize("count", [0, 51])
async def test_bulk_track_refuses_an_empty_list_or_more_than_50_items(world, count):
    resp = _bulk(world, world.tracker, [f"AAMk{n}" for n in range(count)])

    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert "items" in resp.json()["detail"]


async def test_the_tracker_untracks_and_the_item_becomes_a_suggestion_again_then_can_be_retracked(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    [tid] = _track_all(world, [msg])

    resp = _untrack(world, world.tracker, aid_of(msg))

    assert resp.status_code == 204, resp.text
    items = world.timeline(world.tracker).json()["items"]
    assert [(i["id"], i["state"]) for i in items] == [(msg["id"], "untracked")]
    assert await stored_docs(world.stack, aid_of(msg)) == []
    [audit] = [
        e
        for e in host_lines(world.stack)
        if e.get("event") == "track.untracked" and e.get("activityId") == aid_of(msg)
    ]
    assert audit["actor"] == world.tracker.oid
    assert audit["trackedBy"] == world.tracker.oid
    assert audit["regarding"] == f"account:{world.account.id}"
    assert _untrack(world, world.tracker, aid_of(msg)).status_code == 404

    again = world.track(world.tracker, msg)
    assert again.status_code == 202
    assert again.json()["trackingId"] == tid
    assert world.wait_for(world.tracker, tid)["state"] == "tracked"


async def test_only_the_tracker_an_admin_or_a_sales_manager_may_untrack(world):
    msgs = [world.message(world.tracker, n) for n in (1, 2)]
    world.publish(world.tracker)
    _track_all(world, msgs)
    teammate = world.user("mate", ("Sales.Person",), (world.team,))
    admin = world.user("adm", ("AutoCapture.Admin",), (world.team,))
    manager = world.user("mgr", ("Sales.Manager",), ())
    outsider = world.user("out", ("Sales.Person",), ("t-elsewhere",))

    assert _untrack(world, teammate, aid_of(msgs[0])).status_code == 403
    assert _untrack(world, outsider, aid_of(msgs[0])).status_code == 404
    assert _untrack(world, admin, aid_of(msgs[0])).status_code == 204
    assert _untrack(world, manager, aid_of(msgs[1])).status_code == 204

    tracked = [i for i in world.timeline(world.tracker).json()["items"] if i["state"] == "tracked"]
    assert tracked == []
    actors = {
        e["activityId"]: e["actor"]
        for e in host_lines(world.stack)
        if e.get("event") == "track.untracked" and e.get("activityId") in {aid_of(m) for m in msgs}
    }
    assert actors == {aid_of(msgs[0]): admin.oid, aid_of(msgs[1]): manager.oid}
