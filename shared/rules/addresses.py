"""The set of addresses related to a record, each with the rules and records that put it there."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shared.model import RecordRef, normalize_address


@dataclass(frozen=True, order=True)
class AddressSource:
    """One reason an address belongs to the set: the rule, and the record whose email it is."""

    rule: str
    source: RecordRef


def _empty() -> Mapping[str, tuple[AddressSource, ...]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class AddressSet:
    """Normalized address -> the (rule, source) pairs that put it there, in table order.

    Lookups are dict lookups; build one with :class:`AddressSetBuilder`.
    """

    sources: Mapping[str, tuple[AddressSource, ...]] = field(default_factory=_empty)

    def addresses(self) -> tuple[str, ...]:
        """The normalized addresses, in the order the rules found them."""
        return tuple(self.sources)

    def rules_for(self, address: str) -> tuple[str, ...]:
        """The distinct rules that put ``address`` (any case, untrimmed) in the set."""
        return tuple(dict.fromkeys(s.rule for s in self.sources.get(normalize_address(address), ())))

    def get(self, normalized: str) -> tuple[AddressSource, ...]:
        """The sources of an already-normalized address, ``()`` when absent."""
        return self.sources.get(normalized, ())

    def without(self, addresses: Iterable[str]) -> AddressSet:
        """A copy without ``addresses`` (any case, untrimmed): used to drop the user's own."""
        drop = {normalize_address(a) for a in addresses}
        if not drop.intersection(self.sources):
            return self
        return AddressSet(MappingProxyType({a: s for a, s in self.sources.items() if a not in drop}))

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and normalize_address(address) in self.sources

    def __iter__(self) -> Iterator[str]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


class AddressSetBuilder:
    """Collects (address, rule, source) triples; blank addresses and repeated pairs are skipped."""

    def __init__(self) -> None:
        self._sources: dict[str, dict[AddressSource, None]] = {}

    def add(self, rule: str, source: RecordRef, emails: Iterable[str | None]) -> None:
        pair = AddressSource(rule, source)
        for email in emails:
            address = normalize_address(email) if email else ""
            if address:
                self._sources.setdefault(address, {})[pair] = None

    def build(self) -> AddressSet:
        return AddressSet(MappingProxyType({a: tuple(p) for a, p in self._sources.items()}))
