"""The track job and the Track click, in process, on the real stores over the in-memory
backend (no emulator), with a small fake mailbox and fake queue: crashes between writes,
convergence, and the request life cycle.

A "crash" is a repository that raises once at a chosen write: the delivery ends there,
as if the process died, and the next delivery must resume without duplicating.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from shared.auth.principal import Principal
from shared.exceptions import MailboxPermissionDeniedError, MailboxUnavailableError
from shared.model import (
    CrmRecord,
    MailItem,
    RecordRef,
    TrackingRequest,
)
from shared.queue import TrackJob
from shared.rules.identity import claim_key
from shared.rules.track import MAX_ATTEMPTS, new_request
from shared.services.track_requests import TrackingService
from shared.services.track_worker import TrackingWorker
from shared.store.activities import ActivityRepository
from shared.store.base import Query
from shared.store.memory import MemoryDatabase
from shared.store.records import RecordRepository
from shared.store.stores import stores_over
from shared.store.tracking import TrackingRepository
from tests.functional.track_fakes import (
    NOW,
    Crash,
    CrashingActivities,
    CrashingTracking,
    FakeMailbox,
    FakeQueue,
)


@pytest.fixture
def db() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def mailbox() -> FakeMailbox:
    return FakeMailbox()


@pytest.fixture
def queue() -> FakeQueue:
    return FakeQueue()


@pytest.fixture
def parts(db, mailbox, queue):
    activities, tracking = CrashingActivities(db), CrashingTracking(db)
    stores = replace(stores_over(db), activities=activities, tracking=tracking)
    return activities, tracking, TrackingWorker(stores, mailbox, queue)


def tag() -> str:
    return uuid.uuid4().hex[:10]


async def pending(tracking: TrackingRepository, user: str, item: MailItem, ref: RecordRef) -> TrackingRequest:
    request = new_request(user, item, "email", ref, NOW)
    await tracking.create_request(request)
    return request


def body(request: TrackingRequest, own: Sequence[str] = ()) -> bytes:
    """The job message; ``own``: the owner's addresses, read at Track time."""
    return TrackJob.for_request(request, own).encode()


async def activity_docs(db: MemoryDatabase, aid: str) -> list[dict[str, Any]]:
    return await db.query("activities", Query({"id": aid}), "activity")


async def test_a_crash_between_the_claim_and_the_activity_write_is_resumed_by_the_next_delivery(
    db, mailbox, parts
):
    activities, tracking, worker = parts
    user, ref = f"u-{tag()}", RecordRef("account", f"a-{tag()}")
    item = mailbox.add(user, "me@org.example", f"<{tag()}@customer.example>", "buyer@customer.example", 2)
    request = await pending(tracking, user, item, ref)
    activities.crashes = 1

    with pytest.raises(Crash):
        await worker.process(body(request), 1)
    aid = claim_key(item)
    assert [d["type"] for d in await activity_docs(db, aid)] == ["claim"]
    assert (await tracking.get_request(user, request.id)).state == "pending"

    assert await worker.process(body(request), 2) == "tracked"

    docs = await activity_docs(db, aid)
    assert sorted(d["type"] for d in docs) == ["activity", "claim"]
    stored = await tracking.get_request(user, request.id)
    assert (stored.state, stored.activity_id, stored.attempts) == ("tracked", aid, 1)  # job attempt 1
    activity = await activities.get_activity(ref, aid)
    assert activity.direction == "incoming"
    assert [a.name for a in activity.attachments] == ["f0.pdf", "f1.pdf"]


async def test_a_crash_after_the_activity_write_converges_on_the_same_activity(db, mailbox, parts):
    activities, tracking, worker = parts
    user, ref = f"u-{tag()}", RecordRef("account", f"a-{tag()}")
    item = mailbox.add(user, "me@org.example", f"<{tag()}@customer.example>", "me@org.example")
    request = await pending(tracking, user, item, ref)
    tracking.crashes = 1

    with pytest.raises(Crash):
        await worker.process(body(request, mailbox.own[user]), 1)
    assert await worker.process(body(request, mailbox.own[user]), 2) == "tracked"

    aid = claim_key(item)
    assert sorted(d["type"] for d in await activity_docs(db, aid)) == ["activity", "claim"]
    assert (await activities.get_activity(ref, aid)).direction == "outgoing"


async def test_a_second_tracker_converges_on_the_first_claim_even_before_its_activity_exists(
    db, mailbox, parts
):
    activities, tracking, worker = parts
    key = f"<{tag()}@customer.example>"
    first, second = f"u-{tag()}", f"u-{tag()}"
    ref_first, ref_second = RecordRef("account", f"a-{tag()}"), RecordRef("opportunity", f"o-{tag()}")
    item_first = mailbox.add(first, "first@org.example", key, "buyer@customer.example")
    item_second = mailbox.add(second, "second@org.example", key, "buyer@customer.example")
    req_first = await pending(tracking, first, item_first, ref_first)
    req_second = await pending(tracking, second, item_second, ref_second)
    activities.crashes = 1

    with pytest.raises(Crash):
        await worker.process(body(req_first), 1)  # claimed, then died
    assert await worker.process(body(req_second), 1) == "tracked"
    assert await worker.process(body(req_first), 2) == "tracked"

    aid = claim_key(item_first)
    assert aid == claim_key(item_second), "two copies of one mail are one item"
    docs = await activity_docs(db, aid)
    assert sorted(d["type"] for d in docs) == ["activity", "claim"]
    [activity] = [d for d in docs if d["type"] == "activity"]
    assert activity["regarding"] == {"entityType": "account", "id": ref_first.id}
    for user, req in ((first, req_first), (second, req_second)):
        assert (await tracking.get_request(user, req.id)).activity_id == aid


async def test_a_delivery_after_the_request_is_tracked_is_skipped_without_reading_the_mailbox(
    db, mailbox, parts
):
    _, tracking, worker = parts
    user, ref = f"u-{tag()}", RecordRef("account", f"a-{tag()}")
    item = mailbox.add(user, "me@org.example", f"<{tag()}@customer.example>", "buyer@customer.example")
    request = await pending(tracking, user, item, ref)

    assert await worker.process(body(request), 1) == "tracked"
    reads = mailbox.reads
    assert await worker.process(body(request), 1) == "tracked"
    assert mailbox.reads == reads
    assert len(await activity_docs(db, claim_key(item))) == 2


async def test_a_permanent_mailbox_error_fails_the_request_and_a_transient_one_waits_in_the_queue(
    db, mailbox, parts, queue
):
    _, tracking, worker = parts
    ref = RecordRef("account", f"a-{tag()}")
    denied, down, gone = f"u-{tag()}", f"u-{tag()}", f"u-{tag()}"
    requests = {}
    for user in (denied, down, gone):
        item = mailbox.add(user, "me@org.example", f"<{tag()}@customer.example>", "buyer@customer.example")
        requests[user] = await pending(tracking, user, item, ref)
    mailbox.errors[denied] = MailboxPermissionDeniedError("Graph answered 403")
    mailbox.errors[down] = MailboxUnavailableError("Graph answered 503")
    mailbox.items = {k: v for k, v in mailbox.items.items() if k[0] != gone}

    assert await worker.process(body(requests[denied]), 1) == "failed"
    assert await worker.process(body(requests[gone]), 1) == "failed"
    assert await worker.process(body(requests[down]), 1) == "waiting"

    assert (await tracking.get_request(denied, requests[denied].id)).error.startswith(
        "INSUFFICIENT_PERMISSIONS"
    )
    assert (await tracking.get_request(gone, requests[gone].id)).error.startswith("NOT_FOUND")
    assert (await tracking.get_request(down, requests[down].id)).state == "pending"
    [again] = queue.sent
    assert (again.trackingId, again.attempt, queue.delays) == (requests[down].id, 2, [5])
    last = again.model_copy(update={"attempt": MAX_ATTEMPTS}).encode()
    assert await worker.process(last, 1) == "failed"
    after = await tracking.get_request(down, requests[down].id)
    assert after.state == "failed"
    assert after.error.startswith("TEMPORARY") and after.error.endswith("try again")


async def test_a_poisoned_job_fails_its_pending_request_with_try_again(db, mailbox, parts):
    _, tracking, worker = parts
    user = f"u-{tag()}"
    item = mailbox.add(user, "me@org.example", f"<{tag()}@customer.example>", "buyer@customer.example")
    request = await pending(tracking, user, item, RecordRef("account", f"a-{tag()}"))
    await worker.poisoned(body(request))
    after = await tracking.get_request(user, request.id)
    assert (after.state, after.error.startswith("TEMPORARY")) == ("failed", True)


async def test_a_superseded_message_reaching_poison_does_not_fail_the_newer_attempt(db, mailbox, parts):
    _, tracking, worker = parts
    user = f"u-{tag()}"
    item = mailbox.add(user, "me@org.example", f"<{tag()}@customer.example>", "buyer@customer.example")
    first = await pending(tracking, user, item, RecordRef("account", f"a-{tag()}"))
    old_message = body(first)
    retried = replace(first, updated_at=NOW + timedelta(minutes=5))  # the user clicked Track again
    await tracking.save_request(retried)
    await worker.poisoned(old_message)
    assert (await tracking.get_request(user, first.id)).state == "pending"
    await worker.poisoned(body(retried))
    assert (await tracking.get_request(user, first.id)).state == "failed"


# --- the Track click (TrackingService) -----------------------------------------------------


@pytest.fixture
async def service_world(db, mailbox):
    user = f"u-{tag()}"
    principal = Principal(user, f"{user}@org.example", "U", "tenant", frozenset({"Sales.Person"}))
    ref = RecordRef("account", f"a-{tag()}")
    await RecordRepository(db).upsert_record(CrmRecord("account", ref.id, "Acme", owner_id=user))
    item = mailbox.add(user, principal.upn, f"<{tag()}@customer.example>", "buyer@customer.example")
    return principal, ref, item


def service(db, queue: FakeQueue, now: datetime) -> TrackingService:
    return TrackingService(stores_over(db), queue, clock=lambda: now)


async def test_a_repeat_click_on_an_item_already_tracked_answers_the_same_tracking_id(
    db, mailbox, service_world
):
    principal, ref, item = service_world
    queue = FakeQueue()
    tracker = service(db, queue, NOW)
    first = await tracker.request(principal, mailbox, item.id, "email", ref)
    worker = TrackingWorker(stores_over(db), mailbox, FakeQueue())
    assert await worker.process(queue.sent[0].encode(), 1) == "tracked"

    again = await tracker.request(principal, mailbox, item.id, "email", ref)

    assert again.status == 200
    assert again.request is not None and first.request is not None
    assert again.request.id == first.request.id
    assert again.activity is not None and again.activity.id == claim_key(item)
    assert len(queue.sent) == 1


async def test_a_repeat_click_on_a_long_pending_request_queues_its_job_again(db, mailbox, service_world):
    principal, ref, item = service_world
    queue = FakeQueue()
    first = await service(db, queue, NOW).request(principal, mailbox, item.id, "email", ref)
    queue.sent.clear()  # the send was lost (the process died before it)

    soon = await service(db, queue, NOW + timedelta(seconds=30)).request(
        principal, mailbox, item.id, "email", ref
    )
    assert soon.status == 202 and queue.sent == []
    late = await service(db, queue, NOW + timedelta(minutes=5)).request(
        principal, mailbox, item.id, "email", ref
    )

    assert late.status == 202
    assert late.request is not None and first.request is not None
    assert late.request.id == first.request.id
    assert [m.trackingId for m in queue.sent] == [first.request.id]


async def test_the_job_dates_the_item_with_the_owners_addresses_read_at_the_click(db, mailbox, service_world):
    principal, ref, _ = service_world
    sent = mailbox.add(principal.oid, principal.upn, f"<{tag()}@org.example>", principal.upn)
    queue = FakeQueue()
    await service(db, queue, NOW).request(principal, mailbox, sent.id, "email", ref)
    assert queue.sent[0].ownAddresses == (principal.upn,)

    app_only = replace(mailbox, own={})  # the worker cannot read the owner's profile, and needs not
    worker = TrackingWorker(stores_over(db), app_only, FakeQueue())
    assert await worker.process(queue.sent[0].encode(), 1) == "tracked"
    activity = await ActivityRepository(db).get_activity(ref, claim_key(sent))
    assert activity.direction == "outgoing"
