"""Track you can trust, in process (memory stores, the worker's fakes): no disclosure, no
squatting, nothing stuck, retries that respect Graph, deadlines (issue 16)."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.auth.principal import Principal
from shared.config import Config
from shared.exceptions import MailboxThrottledError, MailboxUnavailableError, StoreUnavailableError
from shared.model import CrmRecord, RecordRef
from shared.queue import TrackQueue
from shared.rules.identity import claim_key
from shared.rules.sweep import MAX_REQUEUES, STUCK
from shared.rules.track import QUEUE_FAILED
from shared.services import track_requests
from shared.services.track_requests import TrackingService
from shared.services.track_sweeper import TrackingSweeper
from shared.services.track_worker import TrackingWorker
from shared.store.activities import ActivityRepository
from shared.store.base import Query
from shared.store.cosmos import CosmosDatabase
from shared.store.memory import MemoryDatabase
from shared.store.records import RecordRepository
from shared.store.stores import stores_over
from shared.store.tracking import TrackingRepository
from tests.functional.track_fakes import NOW, FakeMailbox, FakeQueue

WEST, EAST = RecordRef("account", "a-west"), RecordRef("account", "a-east")


def person(name: str, *teams: str) -> Principal:
    oid = f"{name}-{uuid.uuid4().hex[:6]}"
    return Principal(
        oid, f"{name}@org.example", name, "tenant", frozenset({"Sales.Person"}), frozenset(teams)
    )


class World:
    """Two teams' accounts, carol (west) and alice (east), one mailbox fake, one queue fake."""

    def __init__(self) -> None:
        self.db, self.mailbox, self.queue = MemoryDatabase(), FakeMailbox(), FakeQueue()
        self.now = NOW
        self.carol, self.alice = person("carol", "t-west"), person("alice", "t-east")
        stores = stores_over(self.db)
        self.tracker = TrackingService(stores, self.queue, clock=lambda: self.now)
        self.worker = TrackingWorker(stores, self.mailbox, self.queue, clock=lambda: self.now)

    async def setup(self) -> World:
        records = RecordRepository(self.db)
        await records.upsert_record(CrmRecord("account", WEST.id, "West", team_ids=("t-west",)))
        await records.upsert_record(CrmRecord("account", EAST.id, "East", team_ids=("t-east",)))
        return self

    def mail(
        self, who: Principal, key: str, sender: str = "pat@customer.example", subject: str = "Case 1234"
    ):
        item = self.mailbox.add(who.oid, who.upn, key, sender)
        detail = self.mailbox.items[(who.oid, item.id)]
        item = replace(item, subject=subject, sent_at=NOW - timedelta(hours=2))
        self.mailbox.items[(who.oid, item.id)] = replace(detail, item=item)
        return item

    async def run_jobs(self) -> None:
        while self.queue.sent:
            job = self.queue.sent.pop(0)
            self.queue.delays.pop(0)
            await self.worker.process(job.encode(), 1)


@pytest.fixture
async def world() -> World:
    return await World().setup()


async def test_a_copy_of_a_mail_tracked_on_a_record_the_caller_cannot_read_answers_no_content(world):
    key = f"<{uuid.uuid4().hex}@customer.example>"
    carols = world.mail(world.carol, key)
    alices = world.mail(world.alice, key)  # the same mail: both were recipients
    assert (await world.tracker.request(world.carol, world.mailbox, carols.id, "email", WEST)).status == 202
    await world.run_jobs()

    answer = await world.tracker.request(world.alice, world.mailbox, alices.id, "email", EAST)

    assert (answer.status, answer.activity, answer.activity_id) == (200, None, claim_key(carols))
    teammate = replace(world.alice, groups=frozenset({"t-east", "t-west"}))
    shown = await world.tracker.request(teammate, world.mailbox, alices.id, "email", EAST)
    assert shown.activity is not None and shown.activity.regarding == WEST


async def test_a_planted_mail_with_a_tracked_mails_message_id_gets_its_own_activity(world):
    key = f"<{uuid.uuid4().hex}@customer.example>"
    carols = world.mail(world.carol, key)
    planted = world.mail(world.alice, key, sender="alice@org.example", subject="Case 1234 (fake)")
    await world.tracker.request(world.carol, world.mailbox, carols.id, "email", WEST)
    await world.run_jobs()

    answer = await world.tracker.request(world.alice, world.mailbox, planted.id, "email", EAST)
    await world.run_jobs()

    assert (answer.status, answer.activity) == (202, None)
    activities = ActivityRepository(world.db)
    [west] = await activities.list_for_record(WEST)
    [east] = await activities.list_for_record(EAST)
    assert (west.subject, east.subject) == ("Case 1234", "Case 1234 (fake)")
    assert west.id != east.id


async def test_a_bulk_track_is_one_job_and_answers_no_foreign_content(world):
    key = f"<{uuid.uuid4().hex}@customer.example>"
    carols = world.mail(world.carol, key)
    await world.tracker.request(world.carol, world.mailbox, carols.id, "email", WEST)
    await world.run_jobs()
    copy = world.mail(world.alice, key)
    fresh = [world.mail(world.alice, f"<{uuid.uuid4().hex}@x.example>") for _ in range(3)]

    results = await world.tracker.request_many(
        world.alice, world.mailbox, [(i.id, "email", EAST) for i in (copy, *fresh)]
    )

    assert [status for _, status, _ in results] == [200, 202, 202, 202]
    assert results[0][2].activity is None  # type: ignore[union-attr]
    [job] = world.queue.sent
    assert len(job.tracking_ids) == 3 and job.userId == world.alice.oid
    await world.run_jobs()
    assert len(await ActivityRepository(world.db).list_for_record(EAST)) == 3


async def test_a_429_with_retry_after_30_ends_the_attempt_and_queues_the_job_30_s_later(world):
    items = [world.mail(world.alice, f"<{uuid.uuid4().hex}@x.example>") for _ in range(3)]
    await world.tracker.request_many(world.alice, world.mailbox, [(i.id, "email", EAST) for i in items])
    [job] = world.queue.sent
    world.queue.sent.clear(), world.queue.delays.clear()
    world.mailbox.errors[world.alice.oid] = MailboxThrottledError("429", retry_after=30)

    started = time.perf_counter()
    assert await world.worker.process(job.encode(), 1) == "waiting"

    assert time.perf_counter() - started < 1, "no handler sleeps through Retry-After"
    [again] = world.queue.sent
    assert world.queue.delays == [30]
    assert (again.attempt, again.tracking_ids) == (2, job.tracking_ids), "the rest waits with it"
    first = await TrackingRepository(world.db).get_request(world.alice.oid, job.trackingId)
    assert first.state == "pending" and again.queuedAt == first.updated_at


async def test_a_request_whose_job_was_lost_is_queued_again_by_the_sweeper_and_tracked(world):
    item = world.mail(world.alice, f"<{uuid.uuid4().hex}@x.example>")
    accepted = await world.tracker.request(world.alice, world.mailbox, item.id, "email", EAST)
    world.queue.sent.clear(), world.queue.delays.clear()  # the message was lost
    world.now = NOW + timedelta(minutes=7)

    result = await TrackingSweeper(
        TrackingRepository(world.db), world.queue, stale_after=timedelta(minutes=6), clock=lambda: world.now
    ).sweep()
    await world.run_jobs()

    assert (result.requeued, result.failed) == (1, 0)
    done = await world.tracker.status(world.alice, accepted.request.id)  # type: ignore[union-attr]
    assert (done.state, done.activity_id) == ("tracked", claim_key(item))


async def test_a_request_that_never_finishes_ends_failed_with_a_reason_and_can_be_tracked_again(world):
    item = world.mail(world.alice, f"<{uuid.uuid4().hex}@x.example>")
    accepted = await world.tracker.request(world.alice, world.mailbox, item.id, "email", EAST)
    tid = accepted.request.id  # type: ignore[union-attr]
    for n in range(MAX_REQUEUES + 1):
        world.now = NOW + timedelta(minutes=7 * (n + 1))
        await TrackingSweeper(TrackingRepository(world.db), world.queue, clock=lambda: world.now).sweep()
    failed = await world.tracker.status(world.alice, tid)
    assert (failed.state, failed.error, failed.requeues) == ("failed", STUCK, MAX_REQUEUES)
    world.queue.sent.clear(), world.queue.delays.clear()

    again = await world.tracker.request(world.alice, world.mailbox, item.id, "email", EAST)
    await world.run_jobs()

    assert again.status == 202 and again.request.id == tid  # type: ignore[union-attr]
    assert (await world.tracker.status(world.alice, tid)).state == "tracked"


class StalledMailbox(FakeMailbox):
    async def get_summary(self, owner_id, kind, item_id):  # type: ignore[override]
        await asyncio.sleep(3600)


async def test_a_mailbox_that_does_not_answer_gives_503_with_retry_after_and_writes_nothing(
    world, monkeypatch
):
    monkeypatch.setattr(track_requests, "MAILBOX_DEADLINE", 0.3)
    with pytest.raises(MailboxUnavailableError) as raised:
        await world.tracker.request(world.alice, StalledMailbox(), "AAMk1", "email", EAST)
    assert raised.value.status == 503 and raised.value.retry_after
    assert await TrackingRepository(world.db).list_pending(world.alice.oid, EAST) == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_an_unreachable_queue_answers_503_within_10_s_and_leaves_the_request_failed(world):
    port = _closed_port()
    conn = (
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;"
        f"QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    )
    queue = TrackQueue(Config(storage_connection=conn))
    stores = stores_over(world.db)
    tracking, tracker = stores.tracking, TrackingService(stores, queue)
    item = world.mail(world.alice, f"<{uuid.uuid4().hex}@x.example>")

    started = time.perf_counter()
    try:
        with pytest.raises(StoreUnavailableError) as raised:
            await tracker.request(world.alice, world.mailbox, item.id, "email", EAST)
    finally:
        await queue.close()

    assert time.perf_counter() - started <= 10
    assert raised.value.status == 503 and raised.value.retry_after
    assert await tracking.list_oldest_pending(10) == [], "nothing is left pending"
    [request] = await world.db.query("tracking", Query({"userId": world.alice.oid}), "request")
    assert (request["state"], request["error"]) == ("failed", QUEUE_FAILED)


async def test_a_stalled_cosmos_account_answers_503_within_5_s():
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    config = Config(cosmos_endpoint=f"https://127.0.0.1:{port}/", cosmos_key="a2V5", cosmos_verify_tls=False)
    database = CosmosDatabase(config)
    try:
        started = time.perf_counter()
        results = await asyncio.gather(
            *(database.read_item("tracking", f"trk-{n}", "u1", "tracking request") for n in range(3)),
            return_exceptions=True,
        )
        assert time.perf_counter() - started <= 5
        assert all(isinstance(r, StoreUnavailableError) and r.status == 503 for r in results), results
    finally:
        await database.close()
        server.close()
