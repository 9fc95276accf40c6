"""Track you can trust, on the local stack (issue 16): no cross-team disclosure, no
squatting, nothing stuck, retries that respect Graph, deadlines, per-mailbox concurrency."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from shared.config import Config
from shared.mailbox.parse import parse_message
from shared.model import CrmRecord, RecordRef
from shared.rules.track import new_request
from shared.store.cosmos import CosmosDatabase
from shared.store.records import RecordRepository
from shared.store.tracking import TrackingRepository
from tests.integration.track_support import TrackWorld, aid_of, events, stored_docs, wait_until

pytestmark = pytest.mark.integration


async def _west(world: TrackWorld):
    """carol, on the west team, with an account of her own that the tracker cannot read."""
    team = f"t-west-{world.tag}"
    carol = world.user("carol", ("Sales.Person",), (team,))
    west = RecordRef("account", f"a-west-{world.tag}")
    record = CrmRecord(
        "account", west.id, "West", emails=(world.customer,), owner_id=carol.oid, team_ids=(team,)
    )
    database = CosmosDatabase(Config.from_env(world.stack.env()))
    try:
        await RecordRepository(database).upsert_record(record)
    finally:
        await database.close()
    return carol, west


def _case_mail(world: TrackWorld, owner, internet_id: str, *, sender: str, subject: str) -> dict:
    msg = world.message(owner, len(owner.messages) + 1, internet_id=internet_id)
    msg["from"] = {"emailAddress": {"address": sender, "name": ""}}
    msg["subject"] = subject
    msg["bodyPreview"] = f"{subject} preview"
    return msg


async def test_a_mail_carrying_a_tracked_mails_message_id_discloses_nothing_and_is_its_own_activity(world):
    carol, west = await _west(world)
    case_id = f"<case-1234.{world.tag}@{world.domain}>"
    carols = _case_mail(world, carol, case_id, sender=world.customer, subject="Case 1234 west secret")
    planted = _case_mail(world, world.tracker, case_id, sender=world.customer, subject="Re: anything")
    world.publish(carol, world.tracker)
    tid = world.track(carol, carols, west).json()["trackingId"]
    assert world.wait_for(carol, tid)["state"] == "tracked"

    resp = world.track(world.tracker, planted)

    assert resp.status_code == 202, resp.text
    assert "west secret" not in resp.text
    done = world.wait_for(world.tracker, resp.json()["trackingId"])
    assert done["state"] == "tracked" and done["activityId"] == aid_of(planted) != aid_of(carols)
    assert world.timeline(world.tracker, west).status_code == 404
    [theirs] = [d for d in await stored_docs(world.stack, aid_of(carols)) if d["type"] == "activity"]
    assert theirs["subject"] == "Case 1234 west secret", "carol's activity is untouched"


async def test_a_copy_of_a_mail_tracked_on_a_record_the_caller_cannot_read_answers_200_without_content(world):
    carol, west = await _west(world)
    shared_id = f"<both.{world.tag}@{world.domain}>"
    carols = _case_mail(world, carol, shared_id, sender=world.customer, subject="Pricing west secret")
    mine = _case_mail(world, world.tracker, shared_id, sender=world.customer, subject="Pricing west secret")
    mine["sentDateTime"] = carols["sentDateTime"]
    world.publish(carol, world.tracker)
    tid = world.track(carol, carols, west).json()["trackingId"]
    world.wait_for(carol, tid)

    resp = world.track(world.tracker, mine)

    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["state"] == "tracked" and "activity" not in body
    assert body["activityId"] == aid_of(carols)
    bulk = world.api.post(
        "/api/track/bulk",
        world.tracker.caller,
        json={
            "items": [
                {
                    "itemId": mine["id"],
                    "kind": "email",
                    "regarding": {"entityType": "account", "id": world.account.id},
                }
            ]
        },
    )
    assert bulk.status_code == 200 and "west secret" not in bulk.text
    assert [r["status"] for r in bulk.json()["results"]] == [200]


async def test_a_planted_mail_neither_hides_nor_replaces_the_victims_suggestion(world):
    carol = world.user("carol", ("Sales.Person",), (world.team,))
    case_id = f"<case-1234.{world.tag}@{world.domain}>"
    carols = _case_mail(world, carol, case_id, sender=world.customer, subject="Case 1234")
    planted = _case_mail(world, world.tracker, case_id, sender=world.tracker.upn, subject="Case 1234 planted")
    world.publish(carol, world.tracker)
    tid = world.track(world.tracker, planted).json()["trackingId"]
    world.wait_for(world.tracker, tid)

    suggestions = [i for i in world.timeline(carol).json()["items"] if i["id"] == carols["id"]]
    assert [s["state"] for s in suggestions] == ["untracked"], "carol's suggestion is still offered"
    resp = world.track(carol, carols)
    assert resp.status_code == 202 and "planted" not in resp.text
    done = world.wait_for(carol, resp.json()["trackingId"])

    assert done["activityId"] == aid_of(carols) != aid_of(planted)
    tracked = {
        i["id"]: i["subject"] for i in world.timeline(carol).json()["items"] if i["state"] == "tracked"
    }
    assert tracked == {aid_of(carols): "Case 1234", aid_of(planted): "Case 1234 planted"}


async def test_a_request_whose_queue_message_was_lost_is_tracked_within_the_sweepers_period(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    item = parse_message(msg, own_addresses=())
    assert item is not None
    lost = new_request(
        world.tracker.oid, item, "email", world.account, datetime.now(UTC) - timedelta(seconds=30)
    )
    database = CosmosDatabase(Config.from_env(world.stack.env()))
    try:
        await TrackingRepository(database).create_request(lost)  # written, its job never sent
    finally:
        await database.close()

    done = world.wait_for(world.tracker, lost.id, timeout=30)

    assert done["state"] == "tracked" and done["activityId"] == aid_of(msg)
    [requeued] = events(world.stack, lost.id, "track.requeued")
    assert requeued["requeues"] == 1


async def test_a_429_with_retry_after_30_delays_the_job_30_s_without_occupying_a_worker(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    world.fault(world.tracker, {"status": 429, "retryAfter": 30, "times": 1, "for": "app"})

    tid = world.track(world.tracker, msg).json()["trackingId"]
    [retry] = wait_until(lambda: events(world.stack, tid, "track.retry"), what="the throttled attempt")

    assert (retry["reason"], retry["delaySeconds"], retry["nextAttempt"]) == ("THROTTLED", 30, 2)
    logged_at = datetime.fromisoformat(retry["time"].replace("Z", "+00:00"))
    waited = datetime.fromisoformat(retry["nextVisibleOn"]) - logged_at
    assert waited >= timedelta(seconds=29), "Azurite holds the new message back for Retry-After"
    assert retry["durationMs"] < 5000, "the attempt ended at once: no handler sleeps through it"
    assert world.status(world.tracker, tid).json()["state"] == "pending"
    assert not events(world.stack, tid, "track.copied")


async def test_a_50_item_bulk_track_at_the_shipped_settings_causes_no_concurrency_429(world):
    msgs = [world.message(world.tracker, n) for n in range(50)]
    world.publish(world.tracker)
    world.graph.post("/_admin/options", json={"latency": 0.05}).raise_for_status()
    try:
        ref = {"entityType": "account", "id": world.account.id}
        items = [{"itemId": m["id"], "kind": "email", "regarding": ref} for m in msgs]
        started = time.monotonic()
        resp = world.api.post("/api/track/bulk", world.tracker.caller, json={"items": items})
        assert resp.status_code == 200, resp.text
        assert time.monotonic() - started <= 10
        ids = [r["trackingId"] for r in resp.json()["results"]]
        assert len(ids) == 50
        for tid in ids:
            assert world.wait_for(world.tracker, tid, timeout=60)["state"] == "tracked"
    finally:
        world.graph.post("/_admin/options", json={"latency": 0}).raise_for_status()
    stats = world.graph.get("/_admin/stats").json()
    assert stats["mailboxConcurrency"]["refused"].get(world.tracker.oid, 0) == 0
    assert stats["users"][world.tracker.oid]["maxConcurrent"] <= 4


async def test_post_track_answers_503_within_10_s_while_graph_answers_503_retry_after_120(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    world.fault(world.tracker, {"status": 503, "retryAfter": 120, "for": "delegated"})

    started = time.monotonic()
    resp = world.track(world.tracker, msg)

    assert time.monotonic() - started <= 10
    assert resp.status_code == 503, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["retry-after"]) >= 1
    pending = [i for i in world.timeline(world.tracker).json()["items"] if i["state"] == "pending"]
    assert pending == [], "nothing half-written"
