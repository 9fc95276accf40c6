"""Cosmos DB request counts for ``make bench`` and ``GET /dev/stats`` (local only).

Pass ``OpCounter().add`` as the Cosmos backend's ``on_operation`` hook
(``shared.store.stores.cosmos_stores(config, on_operation=counter.add)``).
"""

from __future__ import annotations


class OpCounter:
    """Counts Cosmos DB operations (point reads, writes, queries) by container."""

    def __init__(self) -> None:
        self.by_container: dict[str, int] = {}

    def add(self, container: str) -> None:
        self.by_container[container] = self.by_container.get(container, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_container.values())

    def reset(self) -> None:
        self.by_container.clear()
