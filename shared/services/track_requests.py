"""Track, the HTTP side: accept Track clicks (one or in bulk), answer status, untrack.

``TrackingService.request`` checks access and the item, writes a pending tracking
request (create-if-absent, id derived from user + item + record, so repeat clicks get
the same trackingId) and queues a job for ``TrackingWorker`` (``track_worker.py``).
What to answer and what to write is decided in ``shared.rules.track``; this module
only reads, calls the decision and writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shared.auth.access import can_untrack, require_sales_role, require_tracking_owner
from shared.auth.principal import Principal
from shared.exceptions import (
    AutoCaptureError,
    ForbiddenError,
    MailboxItemNotFoundError,
    NotFoundError,
    StoreUnavailableError,
)
from shared.logging import log_event
from shared.mailbox.base import Mailbox
from shared.model import Activity, ItemKind, RecordRef, TrackingRequest
from shared.queue import JobQueue, TrackJob
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
from shared.services.records import readable_record
from shared.store.activities import activity_id
from shared.store.base import ActivityStore, RecordStore, TrackingStore

log = logging.getLogger(__name__)
#: Bulk Track reads at most this many items at once (Graph's per-mailbox limit).
BULK_CONCURRENCY = 4


@dataclass(frozen=True)
class TrackOutcome:
    """What POST /api/track answers: 202 pending, or 200 with the existing activity."""

    request: TrackingRequest | None
    activity: Activity | None

    @property
    def status(self) -> int:
        return 200 if self.activity is not None else 202


class TrackingService:
    """The HTTP side: accept Track clicks, answer status, untrack."""

    def __init__(
        self,
        records: RecordStore,
        activities: ActivityStore,
        tracking: TrackingStore,
        queue: JobQueue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._records = records
        self._activities = activities
        self._tracking = tracking
        self._queue = queue
        self._clock = clock

    async def request(
        self,
        principal: Principal,
        mailbox: Mailbox,
        item_id: str,
        kind: ItemKind,
        regarding: RecordRef,
        own_addresses: Sequence[str] | None = None,
    ) -> TrackOutcome:
        """``own_addresses``: the caller's own (read here with their token when not given),
        carried in the job so the worker needs no permission to read them."""
        require_sales_role(principal)
        await readable_record(self._records, principal, regarding)
        try:
            summary = await mailbox.get_summary(principal.oid, kind, item_id)
        except MailboxItemNotFoundError as exc:
            raise NotFoundError("the item is not in your mailbox") from exc
        now = self._clock()
        fresh = new_request(principal.oid, summary, kind, regarding, now)
        existing = await self._activities.find_activity(activity_id(kind, summary.key))
        if existing is not None:
            own = await self._find_request(principal.oid, fresh.id)
            return await self._perform(answer_tracked(existing, own))
        own_addresses = (
            await mailbox.get_own_addresses(principal.oid) if own_addresses is None else own_addresses
        )
        stored, created = await self._tracking.create_request(fresh)
        check = activity_to_check(stored)
        stored_activity = await self._activities.find_activity(check) if check else None
        decision = decide_click(fresh, stored, created, stored_activity, now)
        return await self._perform(decision, own_addresses)

    async def _find_request(self, user_id: str, tracking_id: str) -> TrackingRequest | None:
        try:
            return await self._tracking.get_request(user_id, tracking_id)
        except NotFoundError:
            return None

    async def _perform(self, decision: ClickDecision, own: Sequence[str] = ()) -> TrackOutcome:
        match decision:
            case AnswerTracked(request, activity):
                return TrackOutcome(request, activity)
            case AnswerPending(request):
                return TrackOutcome(request, None)
            case QueueJob(request, save):
                if save:
                    await self._tracking.save_request(request)
                await self._enqueue(request, own)
                log_event(
                    log,
                    "track.accepted",
                    trackingId=request.id,
                    userId=request.user_id,
                    kind=request.kind,
                    regarding=request.regarding.key,
                )
                return TrackOutcome(request, None)

    async def _enqueue(self, request: TrackingRequest, own: Sequence[str]) -> None:
        try:
            await self._queue.send(TrackJob.for_request(request, own))
        except StoreUnavailableError:
            await self._tracking.save_request(queue_failed(request, self._clock()))
            raise

    async def request_many(
        self, principal: Principal, mailbox: Mailbox, items: Sequence[tuple[str, ItemKind, RecordRef]]
    ) -> list[tuple[str, int, TrackOutcome | AutoCaptureError]]:
        """Bulk track: each item on its own; at most 4 at once (Graph's per-mailbox limit)."""
        gate = asyncio.Semaphore(BULK_CONCURRENCY)
        own = await mailbox.get_own_addresses(principal.oid)  # once for every item

        async def one(
            item_id: str, kind: ItemKind, ref: RecordRef
        ) -> tuple[str, int, TrackOutcome | AutoCaptureError]:
            async with gate:
                try:
                    outcome = await self.request(principal, mailbox, item_id, kind, ref, own)
                except AutoCaptureError as exc:
                    return item_id, exc.status, exc
                return item_id, outcome.status, outcome

        results = list(await asyncio.gather(*(one(*item) for item in items)))
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
        return require_tracking_owner(principal, await self._find_request(principal.oid, tracking_id))

    async def untrack(self, principal: Principal, regarding: RecordRef, aid: str) -> None:
        await readable_record(self._records, principal, regarding)
        try:
            activity = await self._activities.get_activity(regarding, aid)
        except NotFoundError as exc:
            raise NotFoundError("no such tracked activity on this record") from exc
        if not can_untrack(principal, activity):
            raise ForbiddenError("only the user who tracked it, an admin or a sales manager may untrack it")
        await self._activities.delete_activity(regarding, aid)
        log_event(
            log,
            "track.untracked",
            activityId=aid,
            regarding=regarding.key,
            actor=principal.oid,
            trackedBy=activity.tracked_by,
        )
