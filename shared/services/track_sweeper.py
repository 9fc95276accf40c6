"""Track's safety net: nothing stays ``pending`` (the timer-triggered sweeper).

Every run reads the oldest pending requests (one bounded cross-partition query), and for
each one pending longer than the stale age (``shared.rules.sweep``) either queues its job
again, stamped now, or - after ``MAX_REQUEUES`` - marks it ``failed`` with a reason the
user sees, so Track can be clicked again. A job queued again next to one that was only
slow is harmless: the copy is idempotent.
"""

from __future__ import annotations

import logging
from dataclasses import KW_ONLY, dataclass
from datetime import timedelta

from shared.exceptions import StoreUnavailableError
from shared.logging import log_event
from shared.model import TrackingRequest
from shared.queue import JobQueue, TrackJob
from shared.rules.sweep import MAX_REQUEUES, STALE_AFTER, GiveUp, Requeue, decide_sweep
from shared.services.base import Clock, utc_now
from shared.store.base import TrackingStore

log = logging.getLogger(__name__)
#: Pending requests one run looks at, oldest first.
SWEEP_BATCH = 200


@dataclass(frozen=True)
class SweepResult:
    """What one run did."""

    looked_at: int
    requeued: int
    failed: int


@dataclass(frozen=True)
class TrackingSweeper:
    """Queues lost jobs again, a bounded number of times, then fails their requests."""

    tracking: TrackingStore
    queue: JobQueue
    _: KW_ONLY
    stale_after: timedelta = STALE_AFTER
    max_requeues: int = MAX_REQUEUES
    batch: int = SWEEP_BATCH
    clock: Clock = utc_now

    async def sweep(self) -> SweepResult:
        now = self.clock()
        pending = await self.tracking.list_oldest_pending(self.batch)
        requeued = failed = 0
        for request in pending:
            match decide_sweep(request, now, self.stale_after, self.max_requeues):
                case Requeue(request=again):
                    await self.tracking.save_request(again)
                    try:
                        await self.queue.send(TrackJob.for_request(again))
                    except StoreUnavailableError:
                        # stays pending, stamped now: the next run tries again
                        log_event(log, "track.sweep_failed", level=logging.WARNING, trackingId=again.id)
                        continue
                    requeued += 1
                    _log_stale(again, "track.requeued", userId=again.user_id)
                case GiveUp(request=gone):
                    await self.tracking.save_request(gone)
                    failed += 1
                    _log_stale(gone, "track.failed", reason=gone.error)
                case None:
                    pass
        result = SweepResult(len(pending), requeued, failed)
        log_event(log, "track.swept", lookedAt=result.looked_at, requeued=requeued, failed=failed)
        return result


def _log_stale(request: TrackingRequest, event: str, **fields: object) -> None:
    """A stale request queued again or given up: a warning naming it and its requeues."""
    log_event(log, event, level=logging.WARNING, trackingId=request.id, **fields, requeues=request.requeues)
