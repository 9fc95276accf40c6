"""Recurring series as Graph expands them in ``calendarView``.

A ``seriesMaster`` carries Graph's ``recurrence`` (``pattern`` + ``range``). Modelled
patterns: ``daily`` (``interval``), ``weekly`` (``interval``, ``daysOfWeek``,
``firstDayOfWeek``), ``absoluteMonthly`` (``interval``, ``dayOfMonth``); ranges
``endDate``, ``noEnd``, ``numbered`` (``numberOfOccurrences``). Each occurrence starts
at the master's local start time on its date, in the series' ``recurrenceTimeZone``
(else the start's time zone), lasts
as long as the master, and is its own event: ``type: "occurrence"``, its own ``id``
(readable with ``GET /events/{id}``), ``seriesMasterId``, ``originalStart`` and an
``iCalUId`` of its own (Outlook's global object id with the occurrence date in it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from localdev.graph_server.times import zone, zoned_to_utc

PATTERNS = ("daily", "weekly", "absoluteMonthly")
RANGES = ("endDate", "noEnd", "numbered")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OCCURRENCE_ID = re.compile(r"^(?P<master>.+)_(?P<day>\d{8})=?$")
#: Occurrences generated at most per series (a guard against a runaway ``noEnd``).
MAX_OCCURRENCES = 5000


def check(master: Mapping[str, Any]) -> None:
    """``ValueError`` unless ``master`` is a series master this server can expand."""
    recurrence = master.get("recurrence")
    pattern = recurrence.get("pattern") if isinstance(recurrence, Mapping) else None
    span = recurrence.get("range") if isinstance(recurrence, Mapping) else None
    if not isinstance(pattern, Mapping) or not isinstance(span, Mapping):
        raise ValueError(f"event {master.get('id')}: a seriesMaster needs recurrence.pattern and .range")
    if pattern.get("type") not in PATTERNS:
        raise ValueError(
            f"event {master.get('id')}: recurrence pattern {pattern.get('type')!r} is not modelled"
        )
    if span.get("type") not in RANGES:
        raise ValueError(f"event {master.get('id')}: recurrence range {span.get('type')!r} is not modelled")
    if zoned_to_utc(master.get("start")) is None or zoned_to_utc(master.get("end")) is None:
        raise ValueError(f"event {master.get('id')}: a seriesMaster needs a readable start and end")
    date.fromisoformat(str(span.get("startDate")))


def _matches(pattern: Mapping[str, Any], first: date, day: date) -> bool:
    interval = max(1, int(pattern.get("interval") or 1))
    kind = pattern["type"]
    if kind == "daily":
        return (day - first).days % interval == 0
    if kind == "weekly":
        days = [d.lower() for d in pattern.get("daysOfWeek") or [DAYS[first.weekday()]]]
        week_start = DAYS.index(str(pattern.get("firstDayOfWeek") or "sunday").lower())

        def start_of_week(d: date) -> date:
            return d - timedelta(days=(d.weekday() - week_start) % 7)

        weeks = (start_of_week(day) - start_of_week(first)).days // 7
        return DAYS[day.weekday()] in days and weeks % interval == 0
    months = (day.year - first.year) * 12 + day.month - first.month
    return day.day == int(pattern.get("dayOfMonth") or first.day) and months % interval == 0


def dates(recurrence: Mapping[str, Any], until: date) -> Iterator[date]:
    """The series' occurrence dates up to ``until`` (inclusive), in order."""
    pattern, span = recurrence["pattern"], recurrence["range"]
    first = date.fromisoformat(str(span["startDate"]))
    last = date.fromisoformat(str(span["endDate"])) if span["type"] == "endDate" else until
    count = int(span.get("numberOfOccurrences") or 0) if span["type"] == "numbered" else MAX_OCCURRENCES
    day, found = first, 0
    while day <= min(last, until) and found < count:
        if _matches(pattern, first, day):
            found += 1
            yield day
        day += timedelta(days=1)


def occurrence_id(master_id: str, day: date) -> str:
    return f"{master_id.rstrip('=')}_{day:%Y%m%d}="


def occurrence_uid(master_uid: str, day: date) -> str:
    """Outlook's global object id carries the instance date in bytes 16-19 (hex 32-39)."""
    stamp = f"{day.year:04X}{day.month:02X}{day.day:02X}"
    if len(master_uid) >= 40:
        return master_uid[:32] + stamp + master_uid[40:]
    return f"{master_uid}-{stamp}"


def occurrence(master: Mapping[str, Any], day: date) -> dict[str, Any]:
    """The occurrence of ``master`` on ``day``, times in UTC."""
    start_utc, end_utc = zoned_to_utc(master["start"]), zoned_to_utc(master["end"])
    assert start_utc is not None and end_utc is not None  # checked at load time
    span = master["recurrence"]["range"]
    tz = zone(span.get("recurrenceTimeZone") or master["start"].get("timeZone")) or zone("UTC")
    local = start_utc.astimezone(tz)
    start = datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)
    end = start + (end_utc - start_utc)
    out = {k: v for k, v in master.items() if k not in ("recurrence", "attachments")}
    out.update(
        id=occurrence_id(str(master["id"]), day),
        type="occurrence",
        seriesMasterId=master["id"],
        recurrence=None,
        originalStart=start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        iCalUId=occurrence_uid(str(master.get("iCalUId") or master["id"]), day),
        start={"dateTime": start.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
        end={"dateTime": end.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"},
    )
    return out


def expand(master: Mapping[str, Any], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The occurrences of ``master`` that overlap ``[start, end)``."""
    out = []
    for day in dates(master["recurrence"], (end + timedelta(days=1)).date()):
        event = occurrence(master, day)
        first, last = zoned_to_utc(event["start"]), zoned_to_utc(event["end"])
        if first is not None and last is not None and first < end and last > start:
            out.append(event)
    return out


def find(masters: Mapping[str, Mapping[str, Any]], item_id: str) -> dict[str, Any] | None:
    """The occurrence whose id is ``item_id`` (masters by id without ``=`` padding)."""
    match = OCCURRENCE_ID.match(item_id)
    master = masters.get(match["master"]) if match else None
    if match is None or master is None:
        return None
    day = datetime.strptime(match["day"], "%Y%m%d").date()
    if day not in set(dates(master["recurrence"], day)):
        return None
    return occurrence(master, day)
