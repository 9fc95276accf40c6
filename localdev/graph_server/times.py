"""Graph ``dateTimeTimeZone`` values (``{"dateTime", "timeZone"}``) to and from UTC."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WINDOWS_ZONES = {
    "Pacific Standard Time": "America/Los_Angeles",
    "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "GMT Standard Time": "Europe/London",
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "India Standard Time": "Asia/Kolkata",
    "Tokyo Standard Time": "Asia/Tokyo",
    "AUS Eastern Standard Time": "Australia/Sydney",
}


def zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name or "UTC", name or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zoned_to_utc(value: Any) -> datetime | None:
    """A Graph ``dateTimeTimeZone`` as an aware UTC datetime."""
    if not isinstance(value, Mapping):
        return None
    tz = zone(value.get("timeZone"))
    try:
        local = datetime.fromisoformat(str(value.get("dateTime")))
    except ValueError:
        return None
    if tz is None:
        return None
    return (local if local.tzinfo else local.replace(tzinfo=tz)).astimezone(UTC)


def utc_to_zoned(moment: datetime, name: str) -> dict[str, str]:
    tz = zone(name) or ZoneInfo("UTC")
    return {"dateTime": moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": name}
