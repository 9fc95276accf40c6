"""Match mailbox items against a record's addresses, saying why each one matched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.model import MailItem, MatchReason, Participant, normalize_address
from shared.rules.addresses import AddressSet, AddressSource
from shared.rules.identity import claim_key


@dataclass(frozen=True)
class Suggestion:
    """A mailbox item that matched the record, one reason per distinct (address, rule, record).

    ``key`` is the item's identity (``claim_key``), hashed once when the suggestion is made:
    the timeline compares it several times per suggestion.
    """

    item: MailItem
    matched_by: tuple[MatchReason, ...]
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", claim_key(self.item))


def match_items(
    items: Iterable[MailItem],
    addresses: AddressSet,
    own_addresses: Iterable[str] = (),
) -> list[Suggestion]:
    """The items with at least one participant in ``addresses``, in input order.

    Participants are the sender and the To and CC recipients (meetings: organizer
    and attendees), compared trimmed and case-insensitively. The signed-in user's
    ``own_addresses`` are removed from the set first, so they never match. Reasons
    follow participant order (sender, to, cc), then the table order of the rules.
    Cost: one dict lookup per participant.
    """
    sources = dict(addresses.without(own_addresses).sources)
    if not sources:
        return []
    # raw participant address -> its reasons (or () when unrelated): after the first
    # sighting of an address, one dict lookup per participant.
    seen: dict[str, tuple[MatchReason, ...]] = {}
    suggestions: list[Suggestion] = []
    for item in items:
        reasons: dict[MatchReason, None] | None = None
        for participant in _participants(item):
            raw = participant.address
            found = seen.get(raw)
            if found is None:
                address = normalize_address(raw)
                related = sources.get(address)
                found = seen[raw] = _reasons(address, related) if related else ()
            if found:
                if reasons is None:
                    reasons = dict.fromkeys(found)
                else:
                    reasons.update(dict.fromkeys(found))
        if reasons:
            suggestions.append(Suggestion(item, tuple(reasons)))
    return suggestions


def _reasons(address: str, sources: tuple[AddressSource, ...]) -> tuple[MatchReason, ...]:
    return tuple(MatchReason(address, s.rule, s.source) for s in sources)


def _participants(item: MailItem) -> tuple[Participant, ...]:
    sender = item.sender
    return item.to + item.cc if sender is None else (sender, *item.to, *item.cc)
