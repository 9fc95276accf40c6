"""Track, the HTTP side: accept Track clicks (one or in bulk), answer status, untrack.

``TrackingService.request`` checks access and the item, writes a pending tracking
request (create-if-absent, id derived from user + item identity + record, so repeat
clicks get the same trackingId) and queues a job for ``TrackingWorker``
(``track_worker.py``). A bulk Track writes its requests the same way and queues them
as one job, so the worker reads that mailbox one request at a time.

Never disclose: an item already tracked is answered 200 ``tracked``; the activity's
content only to a caller who may read the record it is regarding.

Deadlines: the mailbox read has ``MAILBOX_DEADLINE`` seconds (the SDK's retries would
honour a ``Retry-After`` of minutes), each Cosmos and queue call its own timeout, so a
click answers within 10 s whatever Graph, Cosmos or the queue does: 503 with
``Retry-After``, and nothing written before the item was read.

What to answer and what to write is decided in ``shared.rules.track``; this module
only reads, calls the decision and writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shared.auth.access import can_untrack, require_sales_role, require_tracking_owner
from shared.auth.principal import Principal
from shared.exceptions import (
    AutoCaptureError,
    ConflictError,
    ForbiddenError,
    MailboxItemNotFoundError,
    MailboxUnavailableError,
    NotFoundError,
    StoreUnavailableError,
)
from shared.logging import log_event
from shared.mailbox.base import Mailbox
from shared.model import Activity, ItemKind, MailItem, RecordRef, TrackingRequest
from shared.queue import JobQueue, TrackJob
from shared.rules.identity import claim_key, visible_activity
from shared.rules.track import (
    AnswerPending,
    AnswerTracked,
    ClickDecision,
    QueueJob,
    activity_to_check,
    answer_tracked,
    decide_click,
    new_request,
    queue_failed,
)
from shared.services.base import StoreService
from shared.services.erased import ErasedAddresses
from shared.services.records import readable_activity, readable_record
from shared.services.removal import remove_activity

log = logging.getLogger(__name__)
#: Bulk Track reads at most this many items at once (Graph's per-mailbox limit).
BULK_CONCURRENCY = 4
#: Seconds a click (or a whole bulk Track) may spend reading the mailbox.
MAILBOX_DEADLINE = 6.0
#: Retry-After of a 503 when the mailbox did not answer in time.
MAILBOX_RETRY_AFTER = 10


@dataclass(frozen=True)
class TrackOutcome:
    """What POST /api/track answers: 202 pending, or 200 ``tracked``; ``activity`` only
    when the caller may read the record it is regarding."""

    request: TrackingRequest | None
    activity: Activity | None
    tracked: bool = False
    activity_id: str | None = None

    @property
    def status(self) -> int:
        return 200 if self.tracked else 202


@dataclass
class _Bulk:
    """The requests a bulk Track queues together, once every item was read."""

    requests: list[TrackingRequest]
    #: The caller's own addresses, read once for the whole bulk request.
    own: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackingService(StoreService):
    """The HTTP side: accept Track clicks, answer status, untrack."""

    queue: JobQueue
    erased: ErasedAddresses | None = None

    async def request(
        self, principal: Principal, mailbox: Mailbox, item_id: str, kind: ItemKind, regarding: RecordRef
    ) -> TrackOutcome:
        require_sales_role(principal)
        await readable_record(self.stores.records, principal, regarding)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAILBOX_DEADLINE
        summary = await self._summary(principal, mailbox, kind, item_id, MAILBOX_DEADLINE)
        own = await self._own_addresses(principal, mailbox, deadline - loop.time())
        return await self._accept(
            principal, summary, kind, regarding, self.clock(), _Bulk([], own), single=True
        )

    async def _own_addresses(self, principal: Principal, mailbox: Mailbox, seconds: float) -> tuple[str, ...]:
        """The caller's own addresses, read with their own token (delegated ``User.Read``)
        and carried in the job, so the worker needs no tenant-wide permission for them."""
        try:
            async with asyncio.timeout(max(seconds, 0.01)):
                return tuple(await mailbox.get_own_addresses(principal.oid))
        except TimeoutError as exc:
            raise MailboxUnavailableError(
                "your mailbox did not answer in time; try again", retry_after=MAILBOX_RETRY_AFTER
            ) from exc

    async def _summary(
        self, principal: Principal, mailbox: Mailbox, kind: ItemKind, item_id: str, seconds: float
    ) -> MailItem:
        """The item from the caller's mailbox within ``seconds`` (503 with Retry-After past it)."""
        try:
            async with asyncio.timeout(max(seconds, 0.01)):
                return await mailbox.get_summary(principal.oid, kind, item_id)
        except MailboxItemNotFoundError as exc:
            raise NotFoundError("the item is not in your mailbox") from exc
        except TimeoutError as exc:
            raise MailboxUnavailableError(
                "your mailbox did not answer in time; try again", retry_after=MAILBOX_RETRY_AFTER
            ) from exc

    async def _accept(
        self,
        principal: Principal,
        summary: MailItem,
        kind: ItemKind,
        regarding: RecordRef,
        now: datetime,
        bulk: _Bulk,
        single: bool = False,
    ) -> TrackOutcome:
        """``bulk`` collects the requests to queue (with the caller's own addresses); a
        ``single`` click queues its request at once."""
        if self.erased is not None and await self.erased.involved(summary):
            raise ConflictError("this item cannot be tracked: a participant's data was erased on request")
        fresh = new_request(principal.oid, summary, kind, regarding, now)
        existing = await self.stores.activities.find_activity(claim_key(summary))
        if existing is not None:
            own = await self.stores.tracking.find_request(principal.oid, fresh.id)
            return await self._perform(principal, answer_tracked(existing, own), bulk, single)
        stored, created = await self.stores.tracking.create_request(fresh)
        check = activity_to_check(stored)
        stored_activity = await self.stores.activities.find_activity(check) if check else None
        return await self._perform(
            principal, decide_click(fresh, stored, created, stored_activity, now), bulk, single
        )

    async def _may_read(self, principal: Principal, ref: RecordRef) -> bool:
        try:
            await readable_record(self.stores.records, principal, ref)
        except (NotFoundError, ForbiddenError):
            return False
        return True

    async def _perform(
        self, principal: Principal, decision: ClickDecision, bulk: _Bulk, single: bool
    ) -> TrackOutcome:
        match decision:
            case AnswerTracked(request, activity):
                shown = visible_activity(activity, await self._may_read(principal, activity.regarding))
                return TrackOutcome(request, shown, tracked=True, activity_id=activity.id)
            case AnswerPending(request):
                return TrackOutcome(request, None)
            case QueueJob(request, save):
                if save:
                    await self.stores.tracking.save_request(request)
                bulk.requests.append(request)
                if single:
                    await self._enqueue(bulk)
                log_event(
                    log,
                    "track.accepted",
                    trackingId=request.id,
                    userId=request.user_id,
                    kind=request.kind,
                    regarding=request.regarding.key,
                    bulk=not single or None,
                )
                return TrackOutcome(request, None)

    async def _enqueue(self, bulk: _Bulk) -> None:
        """One job for the requests; if it cannot be queued they are saved failed (try again)."""
        try:
            await self.queue.send(TrackJob.for_requests(bulk.requests, bulk.own))
        except StoreUnavailableError:
            now = self.clock()
            await asyncio.gather(
                *(self.stores.tracking.save_request(queue_failed(r, now)) for r in bulk.requests)
            )
            raise

    async def request_many(
        self, principal: Principal, mailbox: Mailbox, items: Sequence[tuple[str, ItemKind, RecordRef]]
    ) -> list[tuple[str, int, TrackOutcome | AutoCaptureError]]:
        """Bulk track: each item on its own, at most 4 read at once (Graph's per-mailbox
        limit), all within one mailbox deadline; the accepted ones queued as one job."""
        gate = asyncio.Semaphore(BULK_CONCURRENCY)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAILBOX_DEADLINE
        now = self.clock()
        try:
            bulk = _Bulk([], await self._own_addresses(principal, mailbox, MAILBOX_DEADLINE))
        except AutoCaptureError as exc:
            return [(item_id, exc.status, exc) for item_id, _, _ in items]

        async def one(
            item_id: str, kind: ItemKind, ref: RecordRef
        ) -> tuple[str, int, TrackOutcome | AutoCaptureError]:
            try:
                require_sales_role(principal)
                await readable_record(self.stores.records, principal, ref)
                async with gate:
                    summary = await self._summary(principal, mailbox, kind, item_id, deadline - loop.time())
                outcome = await self._accept(principal, summary, kind, ref, now, bulk)
            except AutoCaptureError as exc:
                return item_id, exc.status, exc
            return item_id, outcome.status, outcome

        results = list(await asyncio.gather(*(one(*item) for item in items)))
        if bulk.requests:
            try:
                await self._enqueue(bulk)
            except StoreUnavailableError as exc:
                queued = {r.id for r in bulk.requests}
                results = [
                    (i, exc.status, exc)
                    if isinstance(o, TrackOutcome) and o.request and o.request.id in queued
                    else (i, st, o)
                    for i, st, o in results
                ]
        log_event(
            log,
            "track.bulk",
            userId=principal.oid,
            items=len(results),
            accepted=sum(1 for _, status, _ in results if status == 202),
            alreadyTracked=sum(1 for _, status, _ in results if status == 200),
            rejected=sum(1 for _, status, _ in results if status >= 400),
        )
        return results

    async def status(self, principal: Principal, tracking_id: str) -> TrackingRequest:
        return require_tracking_owner(
            principal, await self.stores.tracking.find_request(principal.oid, tracking_id)
        )

    async def untrack(self, principal: Principal, regarding: RecordRef, aid: str) -> None:
        activity = await readable_activity(self.stores, principal, regarding, aid)
        if not can_untrack(principal, activity):
            raise ForbiddenError("only the user who tracked it, an admin or a sales manager may untrack it")
        await remove_activity(self.stores.activities, activity)
        log_event(
            log,
            "track.untracked",
            activityId=aid,
            regarding=regarding.key,
            actor=principal.oid,
            trackedBy=activity.tracked_by,
        )
