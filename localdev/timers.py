"""Timer triggers for the local host, run on their NCRONTAB schedule as the Functions host does.

Each timer function sleeps until its schedule's next occurrence (``localdev.ncrontab``),
then runs once with a ``func.TimerRequest`` (``past_due`` when it starts more than a
second late); runs of one function never overlap (the host's singleton behaviour: the
next occurrence is computed after a run ends). ``run_on_startup`` runs it once at start.
``schedule_override`` replaces every schedule (``AUTOCAPTURE_TIMER_SCHEDULE``: tests).
Every run is logged as ``function.executing`` / ``function.executed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from azure.functions.timer import TimerRequest

from localdev.functions_meta import TimerFunction
from localdev.ncrontab import Schedule
from shared.logging import correlation, log_event, ms_since

log = logging.getLogger("localdev.host")
Invoke = Callable[[Callable[..., Any], str, dict[str, Any]], Any]


async def cancel_all(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel ``tasks``, wait for each to end (whatever it raises), and forget them."""
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    tasks.clear()


class TimerDriver:
    """Runs timer-triggered functions on their schedules until ``stop``."""

    def __init__(
        self,
        timers: Sequence[TimerFunction],
        invoke: Invoke,
        *,
        schedule_override: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._timers = list(timers)
        self._invoke = invoke
        self._override = schedule_override or None
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    def schedule_of(self, timer: TimerFunction) -> Schedule:
        return Schedule.parse(self._override or timer.schedule)

    def start(self) -> None:
        for timer in self._timers:
            self._tasks.append(asyncio.create_task(self._loop(timer), name=f"timer:{timer.name}"))

    async def stop(self) -> None:
        await cancel_all(self._tasks)

    async def _loop(self, timer: TimerFunction) -> None:
        schedule = self.schedule_of(timer)
        log_event(log, "timer.scheduled", function=timer.name, schedule=self._override or timer.schedule)
        if timer.run_on_startup:
            await self.run_once(timer, past_due=False)
        while True:
            due = schedule.next_after(self._clock())
            await asyncio.sleep(max((due - self._clock()).total_seconds(), 0))
            late = (self._clock() - due).total_seconds() > 1
            await self.run_once(timer, past_due=late)

    async def run_once(self, timer: TimerFunction, *, past_due: bool) -> bool:
        """One run of ``timer``; whether it succeeded (a failure is logged, never raised)."""
        invocation_id = str(uuid.uuid4())
        started = time.perf_counter()
        ok, error = False, None
        with correlation(invocation_id):
            log_event(log, "function.executing", function=timer.name, invocationId=invocation_id)
            try:
                await self._invoke(
                    timer.user_function, timer.name, {timer.arg_name: TimerRequest(past_due=past_due)}
                )
                ok = True
            except Exception as exc:
                error = type(exc).__name__
                log.warning("function %s failed: %s", timer.name, error, exc_info=True)
            log_event(
                log,
                "function.executed",
                function=timer.name,
                invocationId=invocation_id,
                succeeded=ok,
                error=error,
                pastDue=past_due or None,
                durationMs=ms_since(started),
            )
        return ok
