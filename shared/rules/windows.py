"""Which items are recent enough to suggest (docs/design.md).

Emails: sent/received in the last 3 days, ``[now - 3 days, now + EMAIL_CLOCK_SKEW]``.
The few minutes into the future allow for clock skew between Exchange and the
Functions host, so a mail that just arrived is not hidden because its timestamp is
a little ahead of ours. Meetings: start time in ``[now - 3 days, now + 3 days]``.
Both ends are inclusive.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.model import ItemKind, MailItem

EMAIL_WINDOW = timedelta(days=3)
MEETING_WINDOW = timedelta(days=3)
EMAIL_CLOCK_SKEW = timedelta(minutes=5)
#: How far back "why don't I see an email?" looks (``GET .../explain``): items older than
#: their window but this recent are reported as ``OUTSIDE_WINDOW``.
EXPLAIN_LOOKBACK = timedelta(days=30)


def window_bounds(kind: ItemKind, now: datetime) -> tuple[datetime, datetime]:
    """``(earliest, latest)`` occurredAt for ``kind`` at ``now``, both inclusive (for Graph filters too)."""
    if kind == "meeting":
        return now - MEETING_WINDOW, now + MEETING_WINDOW
    return now - EMAIL_WINDOW, now + EMAIL_CLOCK_SKEW


def in_window(item: MailItem, now: datetime) -> bool:
    """Whether ``item`` (email: sent/received time, meeting: start) is inside its window."""
    earliest, latest = window_bounds(item.kind, now)
    return earliest <= item.occurred_at <= latest
