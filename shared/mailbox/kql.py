"""KQL for Graph's ``$search`` on messages. Pure.

Graph takes the whole ``$search`` value in double quotes; a phrase inside it is written
with backslash-escaped double quotes (``"participants:\\"o'brien@contoso.com\\""``), and
inside a phrase nothing is special. Unquoted, an apostrophe opens a single-quoted phrase
(one alone is a syntax error, two silently pair up across terms), ``*`` is the wildcard,
a leading ``+``/``-`` includes/excludes the token, and ``:``/``=``/``<``/``>`` are
property operators. So an address is written bare only when it is made of letters,
digits and ``._@-`` (not leading ``-``), and as an escaped phrase otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta

#: An address KQL reads as one plain token, unquoted.
BARE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._@-]*$")


def term(address: str) -> str:
    """``participants:<address>``, quoted as a phrase when KQL would read it otherwise."""
    if BARE.match(address):
        return f"participants:{address}"
    escaped = address.replace("\\", "\\\\").replace('"', '\\"')
    return f'participants:\\"{escaped}\\"'


def search_value(addresses: Sequence[str], first_day: date, last_day: date | None = None) -> str:
    """The ``$search`` value: messages involving any of ``addresses`` received on
    ``first_day`` or later (and on ``last_day`` or earlier when given)."""
    terms = " OR ".join(term(a) for a in addresses)
    dates = f"received>={first_day.isoformat()}"
    if last_day is not None:
        dates += f" AND received<={last_day.isoformat()}"
    return f'"({terms}) AND {dates}"'


def kql_for(addresses: Sequence[str], since: datetime) -> str:
    """Messages involving any of ``addresses`` received since the day before ``since``
    (KQL dates are whole days in the mailbox's time zone)."""
    return search_value(addresses, (since - timedelta(days=1)).date())
