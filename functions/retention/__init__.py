"""Retention: a timer deletes tracked activities older than the org's ``retentionDays``."""

from __future__ import annotations

import azure.functions as func

from shared.logging import correlation
from shared.runtime import RuntimeProvider

#: NCRONTAB (with seconds), from the app setting: daily at 02:30 UTC by default.
SCHEDULE = "%RETENTION_SCHEDULE%"


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()

    @bp.timer_trigger(schedule=SCHEDULE, arg_name="timer", run_on_startup=False, use_monitor=True)
    async def retention(timer: func.TimerRequest) -> None:
        """Apply the org's retention setting (nothing when it is not set)."""
        with correlation("retention"):
            await runtime().retention.apply()

    return bp
