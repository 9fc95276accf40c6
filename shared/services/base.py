"""What the services over the data are given: the runtime's stores and a clock.

``StoreService`` is the base of every service that reads and writes several stores and
dates what it does: its subclasses are frozen dataclasses whose fields are their other
injected dependencies. ``clock`` is keyword-only and ``utc_now`` unless a test (or the
benchmark) fixes the time; ``Stores`` is the runtime's bundle, ``memory_stores()`` in tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.store.stores import Stores

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoreService:
    """A service over the runtime's stores, dating what it does by ``clock``."""

    stores: Stores
    clock: Clock = field(default=utc_now, kw_only=True)
