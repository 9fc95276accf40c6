"""Track, the queue side: copy the item of one job into the store, exactly once.

``TrackingWorker.process`` (queue trigger) copies the item from Graph with the app
identity into the activities container:

1. the message is decoded (a malformed one is logged with its message id and consumed
   at once, never redelivered); the request is read; if it is already ``tracked`` or
   ``failed``, the delivery is a duplicate and ends here;
2. the full item is fetched, dated with the owner's addresses the job carries (read at
   Track time with the user's own token), without the SDK's retries; a permanent
   mailbox error (deleted, no access) marks the request
   ``failed`` at once; a transient one (429, 503) ends the attempt: the job is queued
   again, visible after Graph's ``Retry-After`` (``track.retry`` says why it waits), and
   this message is consumed, so no handler sleeps; after ``MAX_ATTEMPTS`` the request is
   ``failed`` with try-again;
3. the item's claim is created if absent (one per item identity, org-wide) - a second
   tracker or a re-delivery finds the first claim and converges on the same activity id;
4. the attachment files are copied to the blob store (``content_copy``) and the activity
   is upserted under that id (a retry overwrites, never duplicates); a store refusal that
   no retry can change (``StoreRejectedError``: 400, 413) fails the request at once with
   its reason and releases the claim, so the item is offered for tracking again;
5. the request is marked ``tracked``.

A bulk job copies its requests one after the other (one Graph request at a time on
that mailbox); when one must wait, it and the rest are queued again together.

A crash between any two steps is resumed by the next delivery. After the last
delivery fails the message goes to ``track-requests-poison`` and ``poisoned`` marks the
request(s) ``failed`` (releasing the claim unless an activity stands under it). Every
decision is in ``shared.rules.track``; this module reads, calls it and writes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime

from shared.exceptions import MailboxError, StoreRejectedError
from shared.job_message import decode_or_log
from shared.logging import correlation, log_event, ms_since
from shared.mailbox.base import Mailbox
from shared.model import TrackingRequest
from shared.queue import JobQueue, TrackJob
from shared.rules.identity import claim_key
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
    waiting,
)
from shared.rules.track import (
    failed as mark_failed,
)
from shared.services.base import StoreService
from shared.services.content_copy import ContentCopier, refused, release_orphan_claim
from shared.services.erased import ErasedAddresses
from shared.store.base import Claim

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackingWorker(StoreService):
    """The queue side: copy the item into the store, idempotently."""

    mailbox: Mailbox
    queue: JobQueue
    erased: ErasedAddresses | None = None

    async def process(self, body: bytes, dequeue_count: int, message_id: str | None = None) -> str:
        """Handle one delivery; returns the outcome. Raises only to ask for a retry."""
        started = time.perf_counter()
        job = decode_or_log(TrackJob, body, log, "track.failed", message_id, dequeue_count)
        if job is None:
            return "invalid"
        outcome = "unknown"
        ids = job.tracking_ids
        for n, tracking_id in enumerate(ids):
            with correlation(tracking_id):
                result = await self._process(job, tracking_id, dequeue_count, started)
                if isinstance(result, RetryLater):
                    await self._retry_later(job, ids[n:], result, started)
                    return "waiting"
                outcome = result
        return outcome

    async def _process(
        self, job: TrackJob, tracking_id: str, dequeue_count: int, started: float
    ) -> str | RetryLater:
        match decide_delivery(await self.stores.tracking.find_request(job.userId, tracking_id)):
            case Drop(reason):
                _log_failed(tracking_id, reason, dequeueCount=dequeue_count)
                return "unknown"
            case Duplicate(state):
                log_event(
                    log, "track.skipped", trackingId=tracking_id, state=state, dequeueCount=dequeue_count
                )
                return state
            case Copy(request):
                log_event(
                    log,
                    "track.started",
                    trackingId=request.id,
                    dequeueCount=dequeue_count,
                    attempt=job.attempt,
                )
                return await self._copy(request, job.ownAddresses or (), job.attempt, started)

    async def _retry_later(
        self, job: TrackJob, ids: tuple[str, ...], retry: RetryLater, started: float
    ) -> None:
        """Queue the job again for ``ids``, visible after the delay, and end this attempt.

        The waiting request is stamped now (the sweeper leaves it alone) and the new
        message carries that stamp; if the send fails, this message is delivered again.
        """
        first = await self.stores.tracking.find_request(job.userId, ids[0])
        queued_at = job.queuedAt
        if first is not None:
            stamped = waiting(first, self.clock())
            await self.stores.tracking.save_request(stamped)
            queued_at = stamped.updated_at
        visible_at = await self.queue.send(job.retry(ids, retry.attempt, queued_at), delay=retry.delay)
        log_event(
            log,
            "track.retry",
            level=logging.WARNING,
            trackingId=ids[0],
            reason=retry.reason,
            attempt=retry.attempt - 1,
            nextAttempt=retry.attempt,
            delaySeconds=retry.delay,
            nextVisibleOn=visible_at.isoformat() if visible_at else None,
            items=len(ids),
            durationMs=ms_since(started),
        )

    async def _copy(
        self, request: TrackingRequest, own: tuple[str, ...], attempt: int, started: float
    ) -> str | RetryLater:
        """``own``: the owner's addresses the job carries (read at Track time with the
        user's own token), which date the item and set its direction."""
        try:
            detail = await self.mailbox.get_item(
                request.user_id, request.kind, request.item_id, own_addresses=own
            )
        except MailboxError as exc:
            match decide_mailbox_error(request, exc, attempt, self.clock()):
                case RetryLater() as retry:
                    return retry
                case MarkFailed() as give_up:
                    await self.stores.tracking.save_request(give_up.request)
                    _log_failed(request.id, give_up.reason, attempt=attempt, durationMs=ms_since(started))
                    return "failed"
        if self.erased is not None and await self.erased.involved(detail.item):
            # queued before an erasure of one of its participants: never copied, nothing kept
            erased = replace(
                mark_failed(request, "a participant's data was erased on request", self.clock()), summary=None
            )
            await self.stores.tracking.save_request(erased)
            _log_failed(request.id, "erased")
            return "failed"
        aid, activities = claim_key(detail.item), self.stores.activities
        claim = await activities.claim(Claim(aid, request.regarding, request.user_id, request.id))
        existing = await activities.find_activity(aid) if held_by_another(claim, request) else None
        decision = decide_copy(request, detail, own, claim, existing, attempt, self.clock())
        match decision:
            case WriteActivity(activity, tracked):
                copier = ContentCopier(activities, self.mailbox)
                try:
                    await activities.upsert_activity(await copier.copy(request, activity))
                except StoreRejectedError as exc:
                    return await self._fail(refused(request, exc, attempt, self.clock()), started)
                await self.stores.tracking.save_request(tracked)
            case JoinExisting(tracked):
                await self.stores.tracking.save_request(tracked)
        log_event(
            log,
            "track.copied",
            trackingId=request.id,
            activityId=aid,
            attempt=attempt,
            attachments=len(detail.attachments),
            durationMs=ms_since(started),
        )
        return "tracked"

    async def _fail(self, failed: MarkFailed, started: float) -> str:
        """Save the failed request and release its claim: the item can be tracked again."""
        await self.stores.tracking.save_request(failed.request)
        released = await release_orphan_claim(self.stores.activities, failed.request)
        _log_failed(
            failed.request.id,
            failed.reason,
            claimReleased=released,
            dequeueCount=failed.request.attempts,
            durationMs=ms_since(started),
        )
        return "failed"

    async def poisoned(self, body: bytes, dequeue_count: int = 1, message_id: str | None = None) -> None:
        """The message failed every delivery: the request shows ``failed``.

        ``dequeue_count`` is the poison-queue delivery's own count (1 unless this
        handler itself had to be retried).
        """
        job = decode_or_log(TrackJob, body, log, "track.poisoned", message_id, dequeue_count)
        if job is None:
            return
        for n, tracking_id in enumerate(job.tracking_ids):
            # a bulk job's stamp is its first request's; the others are failed if pending
            await self._poison_one(
                job, tracking_id, job.queuedAt if n == 0 else None, dequeue_count, message_id
            )

    async def _poison_one(
        self,
        job: TrackJob,
        tracking_id: str,
        queued_at: datetime | None,
        dequeue_count: int,
        message_id: str | None,
    ) -> None:
        request = await self.stores.tracking.find_request(job.userId, tracking_id)
        if request is None:
            self._log_unpoisonable("no such tracking request", dequeue_count, message_id, tracking_id)
            return
        match decide_poison(request, queued_at, self.clock()):
            case MarkFailed(request=failed):
                await self.stores.tracking.save_request(failed)
                await release_orphan_claim(self.stores.activities, failed)
                state, superseded = failed.state, False
            case LeaveAsIs(state, superseded):
                pass
        log_event(
            log,
            "track.poisoned",
            level=logging.ERROR,
            trackingId=tracking_id,
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
        tracking_id: str,
    ) -> None:
        log_event(
            log,
            "track.poisoned",
            level=logging.ERROR,
            trackingId=tracking_id,
            reason=reason,
            messageId=message_id,
            dequeueCount=dequeue_count,
        )


def _log_failed(tracking_id: str, reason: str, **fields: object) -> None:
    """``track.failed``: a warning naming the request and why it ends failed."""
    log_event(log, "track.failed", level=logging.WARNING, trackingId=tracking_id, reason=reason, **fields)
