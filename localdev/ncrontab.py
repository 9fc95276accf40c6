"""NCRONTAB, the schedule format of Azure Functions timer triggers. Pure, no I/O.

Six fields, as the Functions host reads them: ``{second} {minute} {hour} {day} {month}
{day-of-week}``. Each field is ``*``, a value, a range ``a-b``, a list ``a,b,c`` or a
step ``*/n`` / ``a-b/n``; months may be named (``Jan``…) and days of the week too
(``Sun``…, 0 or 7 is Sunday). As in cron, when both day and day-of-week are restricted
a time matches either. Five-field expressions (no seconds) are accepted too, as the
host does, with the second 0. Times are UTC (the host's default without
``WEBSITE_TIME_ZONE``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
#: (low, high, names) per field: second, minute, hour, day, month, day-of-week.
_FIELDS = ((0, 59, ()), (0, 59, ()), (0, 23, ()), (1, 31, ()), (1, 12, _MONTHS), (0, 7, _DAYS))
#: The farthest ahead a next occurrence is looked for (a "31 Feb" schedule never fires).
_HORIZON_DAYS = 366 * 5


def _value(text: str, low: int, names: tuple[str, ...]) -> int:
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + (low if names is _MONTHS else 0)
    if not text.isdigit():
        raise ValueError(f"{text!r} is not a number")
    return int(text)


def _field(text: str, low: int, high: int, names: tuple[str, ...]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError("a step must be at least 1")
        if body == "*":
            start, end = low, high
        elif "-" in body:
            a, b = body.split("-", 1)
            start, end = _value(a, low, names), _value(b, low, names)
        else:
            start = _value(body, low, names)
            end = high if step_text else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise ValueError(f"{part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Schedule:
    """A parsed NCRONTAB expression; ``next_after`` gives its next occurrence."""

    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, expression: str) -> Schedule:
        parts = expression.split()
        if len(parts) == 5:
            parts = ["0", *parts]
        if len(parts) != 6:
            raise ValueError(f"an NCRONTAB expression has 6 fields, not {len(parts)}")
        sec, minute, hour, day, month, dow = (
            _field(text, low, high, names) for text, (low, high, names) in zip(parts, _FIELDS, strict=True)
        )
        return cls(
            sec,
            minute,
            hour,
            day,
            month,
            frozenset(d % 7 for d in dow),
            any_day=parts[3] == "*",
            any_weekday=parts[5] == "*",
        )

    def _day_matches(self, moment: datetime) -> bool:
        if moment.month not in self.months:
            return False
        in_days = moment.day in self.days
        in_weekdays = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_days and in_weekdays
        return in_days or in_weekdays

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (UTC, whole seconds)."""
        moment = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        day = moment.replace(hour=0, minute=0, second=0)
        for _ in range(_HORIZON_DAYS):
            if self._day_matches(day):
                found = self._time_on(day, moment if day.date() == moment.date() else day)
                if found is not None:
                    return found
            day += timedelta(days=1)
        raise ValueError("the schedule has no occurrence in the next five years")

    def _time_on(self, day: datetime, earliest: datetime) -> datetime | None:
        for hour in sorted(self.hours):
            for minute in sorted(self.minutes):
                for second in sorted(self.seconds):
                    candidate = day.replace(hour=hour, minute=minute, second=second)
                    if candidate >= earliest:
                        return candidate
        return None
