"""Track, the queue side: copy the item of one job into the store, exactly once.

``TrackingWorker.process`` (queue trigger) copies the item from Graph with the app
identity into the activities container:

1. the message is decoded (a malformed one is logged with its message id and consumed
   at once, never redelivered); the request is read; if it is already ``tracked`` or
   ``failed``, the delivery is a duplicate and ends here;
2. the full item is fetched, dated with the owner's addresses the job carries (read at
   Track time with the user's own token); a permanent
   mailbox error (deleted, no access) marks the request ``failed`` at once; a transient
   one raises, so the queue retries;
3. the item's claim is created if absent (one per item, org-wide) - a second tracker
   or a re-delivery finds the first claim and converges on the same activity id;
4. the activity is upserted under that id (a retry overwrites, never duplicates);
5. the request is marked ``tracked``.

A crash between any two steps is resumed by the next delivery. After the last
delivery fails the message goes to ``track-requests-poison`` and ``poisoned`` marks the
request ``failed``. Every decision is in ``shared.rules.track``; this module reads,
calls it and writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from shared.exceptions import MailboxError, NotFoundError, ValidationError
from shared.logging import correlation, log_event
from shared.mailbox.base import Mailbox
from shared.model import TrackingRequest
from shared.queue import TrackJob
from shared.rules.track import (
    Copy,
    Drop,
    Duplicate,
    JoinExisting,
    LeaveAsIs,
    MarkFailed,
    RetryLater,
    WriteActivity,
    decide_copy,
    decide_delivery,
    decide_mailbox_error,
    decide_poison,
    held_by_another,
)
from shared.store.activities import activity_id
from shared.store.base import ActivityStore, Claim, TrackingStore

log = logging.getLogger(__name__)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


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

    async def process(self, body: bytes, dequeue_count: int, message_id: str | None = None) -> str:
        """Handle one delivery; returns the outcome. Raises only to ask for a retry."""
        started = time.perf_counter()
        try:
            job = TrackJob.decode(body)
        except ValidationError as exc:
            log_event(
                log,
                "track.failed",
                level=logging.ERROR,
                reason="invalid message",
                detail=exc.detail,
                messageId=message_id,
                dequeueCount=dequeue_count,
            )
            return "invalid"
        with correlation(job.trackingId):
            return await self._process(job, dequeue_count, started)

    async def _find(self, job: TrackJob) -> TrackingRequest | None:
        try:
            return await self._tracking.get_request(job.userId, job.trackingId)
        except NotFoundError:
            return None

    async def _process(self, job: TrackJob, dequeue_count: int, started: float) -> str:
        match decide_delivery(await self._find(job)):
            case Drop(reason):
                log_event(
                    log,
                    "track.failed",
                    level=logging.WARNING,
                    trackingId=job.trackingId,
                    reason=reason,
                    dequeueCount=dequeue_count,
                )
                return "unknown"
            case Duplicate(state):
                log_event(
                    log, "track.skipped", trackingId=job.trackingId, state=state, dequeueCount=dequeue_count
                )
                return state
            case Copy(request):
                log_event(log, "track.started", trackingId=request.id, dequeueCount=dequeue_count)
                return await self._copy(request, job.ownAddresses or (), dequeue_count, started)

    async def _copy(
        self, request: TrackingRequest, own: tuple[str, ...], dequeue_count: int, started: float
    ) -> str:
        try:
            detail = await self._mailbox.get_item(
                request.user_id, request.kind, request.item_id, own_addresses=own
            )
        except MailboxError as exc:
            match decide_mailbox_error(request, exc, dequeue_count, self._clock()):
                case RetryLater(reason):
                    log_event(
                        log,
                        "track.retry",
                        level=logging.WARNING,
                        trackingId=request.id,
                        reason=reason,
                        dequeueCount=dequeue_count,
                        durationMs=_ms_since(started),
                    )
                    raise
                case MarkFailed() as failed:
                    await self._tracking.save_request(failed.request)
                    log_event(
                        log,
                        "track.failed",
                        level=logging.WARNING,
                        trackingId=request.id,
                        reason=failed.reason,
                        dequeueCount=dequeue_count,
                        durationMs=_ms_since(started),
                    )
                    return "failed"
        aid = activity_id(detail.item.kind, detail.item.key)
        claim = await self._activities.claim(Claim(aid, request.regarding, request.user_id, request.id))
        existing = await self._activities.find_activity(aid) if held_by_another(claim, request) else None
        decision = decide_copy(request, detail, own, claim, existing, dequeue_count, self._clock())
        match decision:
            case WriteActivity(activity, tracked):
                await self._activities.upsert_activity(activity)
                await self._tracking.save_request(tracked)
            case JoinExisting(tracked):
                await self._tracking.save_request(tracked)
        log_event(
            log,
            "track.copied",
            trackingId=request.id,
            activityId=aid,
            dequeueCount=dequeue_count,
            attachments=len(detail.attachments),
            durationMs=_ms_since(started),
        )
        return "tracked"

    async def poisoned(self, body: bytes, dequeue_count: int = 1, message_id: str | None = None) -> None:
        """The message failed every delivery: the request shows ``failed``.

        ``dequeue_count`` is the poison-queue delivery's own count (1 unless this
        handler itself had to be retried).
        """
        try:
            job = TrackJob.decode(body)
        except ValidationError as exc:
            self._log_unpoisonable("invalid message", dequeue_count, message_id, detail=exc.detail)
            return
        request = await self._find(job)
        if request is None:
            self._log_unpoisonable("no such tracking request", dequeue_count, message_id, job.trackingId)
            return
        match decide_poison(request, job.queuedAt, self._clock()):
            case MarkFailed(request=failed):
                await self._tracking.save_request(failed)
                state, superseded = failed.state, False
            case LeaveAsIs(state, superseded):
                pass
        log_event(
            log,
            "track.poisoned",
            level=logging.ERROR,
            trackingId=job.trackingId,
            state=state,
            superseded=superseded or None,
            messageId=message_id,
            dequeueCount=dequeue_count,
        )

    def _log_unpoisonable(
        self,
        reason: str,
        dequeue_count: int,
        message_id: str | None,
        tracking_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        log_event(
            log,
            "track.poisoned",
            level=logging.ERROR,
            trackingId=tracking_id,
            reason=reason,
            detail=detail,
            messageId=message_id,
            dequeueCount=dequeue_count,
        )
