"""Retention: delete tracked activities older than the org's ``retentionDays``.

The timer function (``functions/retention``) calls ``RetentionService.apply`` once a day.
An activity that *occurred* more than ``retentionDays`` ago is removed through
``remove_activity`` (the path untrack and erasure use: document, claim and whatever is
stored beside it). Without the setting nothing is touched. One run removes at most
``MAX_PER_RUN`` activities, oldest first; the next run continues. The audit line
``retention.applied`` says how many.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from shared.logging import log_event, ms_since
from shared.rules.erasure import retention_cutoff
from shared.services.base import Clock, utc_now
from shared.services.removal import remove_activity
from shared.services.settings import SettingsService
from shared.store.base import ActivityStore

log = logging.getLogger(__name__)
#: Activities read (and removed) per batch, and removed at most in one run.
BATCH = 100
MAX_PER_RUN = 5000


@dataclass(frozen=True)
class RetentionRun:
    """What one run did: the setting it applied, the cutoff, how many it deleted."""

    retention_days: int | None
    cutoff: datetime | None
    deleted: int
    more: bool


@dataclass(frozen=True)
class RetentionService:
    activities: ActivityStore
    settings: SettingsService
    clock: Clock = utc_now
    max_per_run: int = MAX_PER_RUN

    async def apply(self) -> RetentionRun:
        started = time.perf_counter()
        days = (await self.settings.org()).retention_days
        cutoff = retention_cutoff(self.clock(), days)
        deleted, more = 0, False
        while cutoff is not None and deleted < self.max_per_run:
            wanted = min(BATCH, self.max_per_run - deleted)
            batch = await self.activities.list_occurred_before(cutoff, wanted)
            await asyncio.gather(*(remove_activity(self.activities, a) for a in batch))
            deleted += len(batch)
            more = len(batch) == wanted
            if not more:
                break
        log_event(
            log,
            "retention.applied",
            retentionDays=days,
            cutoff=cutoff.isoformat() if cutoff else None,
            deleted=deleted,
            more=more or None,
            durationMs=ms_since(started),
        )
        return RetentionRun(days, cutoff, deleted, more)
