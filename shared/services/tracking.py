"""Track: one click to one tracked activity, exactly once.

``TrackingService.request`` (HTTP) checks access and the item, writes a pending tracking
request (create-if-absent, id derived from user + item + record, so repeat clicks get the
same trackingId) and enqueues a job. ``TrackingWorker.process`` (queue trigger) copies
the item from Graph with the app identity into the activities container:

1. the request is read; if it is already ``tracked`` or ``failed``, the delivery is a
   duplicate and ends here;
2. the full item is fetched; a permanent mailbox error (deleted, no access) marks the
   request ``failed`` at once; a transient one raises, so the queue retries;
3. the item's claim is created if absent (one per item, org-wide) — a second tracker
   or a re-delivery finds the first claim and converges on the same activity id;
4. the activity is upserted under that id (a retry overwrites, never duplicates);
5. the request is marked ``tracked``.

A crash between any two steps is resumed by the next delivery. After the last
delivery fails the message goes to ``track-requests-poison`` and ``poisoned`` marks the
request ``failed``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.auth.access import can_untrack, require_sales_role, require_tracking_owner
from shared.auth.principal import Principal
from shared.exceptions import (
    AutoCaptureError,
    ForbiddenError,
    MailboxError,
    MailboxItemNotFoundError,
    NotFoundError,
    StoreUnavailableError,
    ValidationError,
)
from shared.logging import correlation, log_event
from shared.mailbox.base import Mailbox
from shared.model import (
    Activity,
    Direction,
    ItemKind,
    MailItemDetail,
    RecordRef,
    TrackingRequest,
    normalize_address,
)
from shared.queue import TrackQueue
from shared.services.records import readable_record
from shared.store.activities import activity_id
from shared.store.base import ActivityStore, Claim, RecordStore, TrackingStore
from shared.store.codec import iso
from shared.validation import is_id

log = logging.getLogger(__name__)
MESSAGE_VERSION = 1
#: A repeat click on a request pending longer than this queues its job again.
STALE_PENDING = timedelta(minutes=2)


def tracking_id_for(user_id: str, kind: ItemKind, key: str, regarding: RecordRef) -> str:
    """Stable per (user, item, record): a repeated click finds the same request."""
    digest = hashlib.sha256(f"{user_id}\n{kind}\n{key}\n{regarding.key}".encode()).hexdigest()
    return f"trk-{digest[:32]}"


@dataclass(frozen=True)
class TrackOutcome:
    """What POST /api/track answers: 202 pending, or 200 with the existing activity."""

    request: TrackingRequest | None
    activity: Activity | None

    @property
    def status(self) -> int:
        return 200 if self.activity is not None else 202


@dataclass(frozen=True)
class JobMessage:
    """A track job on the queue. ``queued_at`` is the request's ``updatedAt`` when queued:
    a message that was superseded by a later Track click carries an older stamp."""

    user_id: str
    tracking_id: str
    queued_at: str | None = None


def job_message(request: TrackingRequest) -> dict[str, Any]:
    return {
        "v": MESSAGE_VERSION,
        "trackingId": request.id,
        "userId": request.user_id,
        "queuedAt": iso(request.updated_at),
    }


def parse_job_message(body: bytes) -> JobMessage:
    """The job in a queue message; ValidationError if it is not one of ours."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError("the message is not JSON", "message") from exc
    if not isinstance(data, dict) or data.get("v") != MESSAGE_VERSION:
        raise ValidationError("unknown message version", "message.v")
    user_id, tracking_id, queued_at = data.get("userId"), data.get("trackingId"), data.get("queuedAt")
    if not is_id(user_id) or not is_id(tracking_id):
        raise ValidationError("userId and trackingId must be ids", "message")
    if queued_at is not None and not isinstance(queued_at, str):
        raise ValidationError("queuedAt must be a string", "message.queuedAt")
    return JobMessage(str(user_id), str(tracking_id), queued_at)


class TrackingService:
    """The HTTP side: accept Track clicks, answer status, untrack."""

    def __init__(
        self,
        records: RecordStore,
        activities: ActivityStore,
        tracking: TrackingStore,
        queue: TrackQueue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._records = records
        self._activities = activities
        self._tracking = tracking
        self._queue = queue
        self._clock = clock

    async def request(
        self, principal: Principal, mailbox: Mailbox, item_id: str, kind: ItemKind, regarding: RecordRef
    ) -> TrackOutcome:
        require_sales_role(principal)
        await readable_record(self._records, principal, regarding)
        try:
            summary = await mailbox.get_summary(principal.oid, kind, item_id)
        except MailboxItemNotFoundError as exc:
            raise NotFoundError("the item is not in your mailbox") from exc
        aid = activity_id(kind, summary.key)
        tid = tracking_id_for(principal.oid, kind, summary.key, regarding)
        existing = await self._activities.find_activity(aid)
        if existing is not None:
            return TrackOutcome(await self._own_live_request(principal.oid, tid), existing)
        now = self._clock()
        pending = TrackingRequest(
            id=tid,
            user_id=principal.oid,
            item_id=item_id,
            kind=kind,
            regarding=regarding,
            state="pending",
            created_at=now,
            updated_at=now,
            key=summary.key,
            summary=summary,
        )
        stored, created = await self._tracking.create_request(pending)
        if stored.state == "tracked" and stored.activity_id:
            activity = await self._activities.find_activity(stored.activity_id)
            if activity is not None:
                return TrackOutcome(stored, activity)
        if not created and stored.state == "pending":
            if now - stored.updated_at < STALE_PENDING:
                return TrackOutcome(stored, None)
            # Pending for long: its job may never have been queued (a crash between the
            # request write and the send). Queue it again; a duplicate job is harmless.
            stored = replace(stored, updated_at=now)
            await self._tracking.save_request(stored)
        elif not created:  # failed before, or tracked but since untracked: try again
            stored = replace(pending, created_at=stored.created_at, attempts=stored.attempts)
            await self._tracking.save_request(stored)
        await self._enqueue(stored)
        log_event(
            log,
            "track.accepted",
            trackingId=stored.id,
            userId=stored.user_id,
            kind=kind,
            regarding=regarding.key,
        )
        return TrackOutcome(stored, None)

    async def _own_live_request(self, user_id: str, tracking_id: str) -> TrackingRequest | None:
        """The caller's own request for an already tracked item, so that a repeat click
        answers the same trackingId (None when they never clicked, or it failed)."""
        try:
            request = await self._tracking.get_request(user_id, tracking_id)
        except NotFoundError:
            return None
        return request if request.state != "failed" else None

    async def _enqueue(self, request: TrackingRequest) -> None:
        try:
            await self._queue.send(job_message(request))
        except StoreUnavailableError:
            failed = replace(
                request, state="failed", error="could not queue the job; try again", updated_at=self._clock()
            )
            await self._tracking.save_request(failed)
            raise

    async def request_many(
        self, principal: Principal, mailbox: Mailbox, items: Sequence[tuple[str, ItemKind, RecordRef]]
    ) -> list[tuple[str, int, TrackOutcome | AutoCaptureError]]:
        """Bulk track: each item on its own; at most 4 at once (Graph's per-mailbox limit)."""
        gate = asyncio.Semaphore(4)

        async def one(
            item_id: str, kind: ItemKind, ref: RecordRef
        ) -> tuple[str, int, TrackOutcome | AutoCaptureError]:
            async with gate:
                try:
                    outcome = await self.request(principal, mailbox, item_id, kind, ref)
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
        try:
            request = await self._tracking.get_request(principal.oid, tracking_id)
        except NotFoundError:
            request = None
        return require_tracking_owner(principal, request)

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


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def direction_of(detail: MailItemDetail, owner_addresses: Sequence[str]) -> Direction:
    """Outgoing when the mailbox owner sent it (or organised the meeting), else incoming."""
    sender = detail.item.sender
    own = {normalize_address(a) for a in owner_addresses}
    return "outgoing" if sender is not None and normalize_address(sender.address) in own else "incoming"


class TrackingWorker:
    """The queue side: copy the item into the store, idempotently."""

    def __init__(
        self,
        activities: ActivityStore,
        tracking: TrackingStore,
        mailbox: Mailbox,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._activities = activities
        self._tracking = tracking
        self._mailbox = mailbox
        self._clock = clock

    async def process(self, body: bytes, dequeue_count: int) -> str:
        """Handle one delivery; returns the outcome. Raises only to ask for a retry."""
        started = time.perf_counter()
        try:
            job = parse_job_message(body)
        except ValidationError as exc:
            log_event(
                log,
                "track.failed",
                level=logging.ERROR,
                reason="invalid message",
                detail=exc.detail,
                dequeueCount=dequeue_count,
            )
            return "invalid"
        with correlation(job.tracking_id):
            return await self._process(job.user_id, job.tracking_id, dequeue_count, started)

    async def _process(self, user_id: str, tracking_id: str, dequeue_count: int, started: float) -> str:
        try:
            request = await self._tracking.get_request(user_id, tracking_id)
        except NotFoundError:
            log_event(
                log,
                "track.failed",
                level=logging.WARNING,
                trackingId=tracking_id,
                reason="no such tracking request",
                dequeueCount=dequeue_count,
            )
            return "unknown"
        if request.state != "pending":
            log_event(
                log, "track.skipped", trackingId=tracking_id, state=request.state, dequeueCount=dequeue_count
            )
            return request.state
        log_event(log, "track.started", trackingId=tracking_id, dequeueCount=dequeue_count)
        try:
            detail = await self._mailbox.get_item(user_id, request.kind, request.item_id)
            own = await self._mailbox.get_own_addresses(user_id)
        except MailboxError as exc:
            if exc.transient:
                log_event(
                    log,
                    "track.retry",
                    level=logging.WARNING,
                    trackingId=tracking_id,
                    reason=exc.code,
                    dequeueCount=dequeue_count,
                    durationMs=_ms_since(started),
                )
                raise
            await self._fail(request, f"{exc.code}: {exc.title}", dequeue_count, started)
            return "failed"
        aid = await self._copy(request, detail, own)
        await self._tracking.save_request(
            replace(
                request,
                state="tracked",
                activity_id=aid,
                error=None,
                updated_at=self._clock(),
                attempts=dequeue_count,
            )
        )
        log_event(
            log,
            "track.copied",
            trackingId=tracking_id,
            activityId=aid,
            dequeueCount=dequeue_count,
            attachments=len(detail.attachments),
            durationMs=_ms_since(started),
        )
        return "tracked"

    async def _copy(self, request: TrackingRequest, detail: MailItemDetail, own: Sequence[str]) -> str:
        item = detail.item
        aid = activity_id(item.kind, item.key)
        claim = await self._activities.claim(Claim(aid, request.regarding, request.user_id, request.id))
        if claim.tracking_id != request.id and await self._activities.find_activity(aid) is not None:
            return aid  # someone else tracked it first; their activity stands
        activity = Activity(
            id=aid,
            kind=item.kind,
            key=item.key,
            subject=item.subject,
            preview=item.preview,
            sender=item.sender,
            to=item.to,
            cc=item.cc,
            occurred_at=item.occurred_at,
            direction=direction_of(detail, own),
            attachments=detail.attachments,
            regarding=claim.regarding,
            tracked_by=request.user_id,
            tracked_at=request.created_at,
            body=detail.body,
            body_content_type=detail.body_content_type,
            end_at=detail.end_at,
            location=detail.location,
        )
        await self._activities.upsert_activity(activity)
        return aid

    async def _fail(self, request: TrackingRequest, reason: str, dequeue_count: int, started: float) -> None:
        await self._tracking.save_request(
            replace(request, state="failed", error=reason, updated_at=self._clock(), attempts=dequeue_count)
        )
        log_event(
            log,
            "track.failed",
            level=logging.WARNING,
            trackingId=request.id,
            reason=reason,
            dequeueCount=dequeue_count,
            durationMs=_ms_since(started),
        )

    async def poisoned(self, body: bytes, dequeue_count: int = 1) -> None:
        """The message failed every delivery: the request shows ``failed``.

        ``dequeue_count`` is the poison-queue delivery's own count (1 unless this
        handler itself had to be retried).
        """
        try:
            job = parse_job_message(body)
            request = await self._tracking.get_request(job.user_id, job.tracking_id)
        except (ValidationError, NotFoundError):
            log_event(
                log,
                "track.poisoned",
                level=logging.ERROR,
                reason="unreadable or unknown message",
                dequeueCount=dequeue_count,
            )
            return
        superseded = job.queued_at is not None and job.queued_at != iso(request.updated_at)
        if request.state == "pending" and not superseded:
            request = replace(
                request,
                state="failed",
                error="TEMPORARY: gave up after repeated failures; try again",
                updated_at=self._clock(),
            )
            await self._tracking.save_request(request)
        log_event(
            log,
            "track.poisoned",
            level=logging.ERROR,
            trackingId=job.tracking_id,
            state=request.state,
            superseded=superseded or None,
            dequeueCount=dequeue_count,
        )
