"""The track sweeper's decisions, pure: which pending requests are lost, and what then.

A request is ``pending`` from the click until its job marks it ``tracked`` or ``failed``.
Its job can be lost (the queue message deleted, the queue recreated empty, a crash
between the request write and the send): the timer-triggered sweeper looks for requests
pending longer than ``stale_after`` (their ``updated_at`` is stamped at every click, queue
and retry), queues their job again up to ``max_requeues`` times, then marks them
``failed`` with a reason, so the user can track the item again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from shared.model import TrackingRequest
from shared.rules.track import failed

#: Pending longer than this without a sign of life: the job is taken for lost.
STALE_AFTER = timedelta(minutes=6)
#: How often the sweeper queues one request's job again before failing it.
MAX_REQUEUES = 3
STUCK = "TEMPORARY: the copy did not finish; try again"


@dataclass(frozen=True)
class Requeue:
    """Save ``request`` (stamped now, one more requeue), then queue its job again."""

    request: TrackingRequest


@dataclass(frozen=True)
class GiveUp:
    """Save ``request``, now ``failed`` with its reason."""

    request: TrackingRequest


SweepDecision = Requeue | GiveUp | None


def is_stale(request: TrackingRequest, now: datetime, stale_after: timedelta = STALE_AFTER) -> bool:
    """Pending and untouched for longer than ``stale_after``."""
    return request.state == "pending" and now - request.updated_at > stale_after


def decide_sweep(
    request: TrackingRequest,
    now: datetime,
    stale_after: timedelta = STALE_AFTER,
    max_requeues: int = MAX_REQUEUES,
) -> SweepDecision:
    """None for a request that is settled or still fresh; else requeue it or give up."""
    if not is_stale(request, now, stale_after):
        return None
    if request.requeues < max_requeues:
        return Requeue(replace(request, updated_at=now, requeues=request.requeues + 1))
    return GiveUp(failed(request, STUCK, now))
