"""Why the timeline does not show something: pure decisions behind ``GET .../explain``.

Two questions, each answered with one reason per thing left out:

- :func:`left_out_records`: records the rule table reached but that gave no address
  (``BEYOND_TOP_50``, ``NOT_FOUND``, ``NO_EMAIL``);
- :func:`hidden_items`: the caller's mailbox items that involve the record's addresses
  but are not on the timeline. It runs :func:`shared.rules.timeline.build_timeline` on
  the same inputs, so what it calls hidden is exactly what the timeline leaves out, and
  gives each such item the first reason that applies, in :data:`HIDDEN_REASONS` order:
  the mailbox's own (``FOLDER``, ``DRAFT``, ``CANCELLED``, ``PRIVATE``: items the mailbox
  side never offers, handed in as ``left_out``), then ``OWN_ADDRESS_ONLY``,
  ``OUTSIDE_WINDOW``, the exclusion policy's (``EXCLUDED_ORG``, ``EXCLUDED_USER``,
  ``INTERNAL_ONLY``) and, for an item that passed all of them, ``OVER_CAP``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.model import CrmRecord, MailItem, RecordRef, TrackingRequest, normalize_address
from shared.rules.addresses import AddressSet
from shared.rules.exclusions import EXCLUDED_ORG, EXCLUDED_USER, INTERNAL_ONLY, ExclusionPolicy
from shared.rules.graph import ACCOUNT_CONTACT_LIMIT, RecordGraph
from shared.rules.identity import item_key
from shared.rules.matching import match_items
from shared.rules.timeline import (
    OUTSIDE_WINDOW,
    SUGGESTION_CAP,
    build_timeline,
    dropped_because,
    unique_newest_first,
)

#: Why the mailbox side leaves an item out before any rule sees it (docs/rules.md).
MailboxReason = Literal["FOLDER", "DRAFT", "CANCELLED", "PRIVATE", "DECLINED"]
MAILBOX_REASONS: tuple[MailboxReason, ...] = ("FOLDER", "DRAFT", "CANCELLED", "PRIVATE", "DECLINED")
OWN_ADDRESS_ONLY = "OWN_ADDRESS_ONLY"
OVER_CAP = "OVER_CAP"
#: Every reason :func:`hidden_items` gives, in the order they are tried.
HIDDEN_REASONS = (
    *MAILBOX_REASONS,
    OWN_ADDRESS_ONLY,
    OUTSIDE_WINDOW,
    EXCLUDED_ORG,
    EXCLUDED_USER,
    INTERNAL_ONLY,
    OVER_CAP,
)

BEYOND_TOP_50 = "BEYOND_TOP_50"
NOT_FOUND = "NOT_FOUND"
NO_EMAIL = "NO_EMAIL"
LEFT_OUT_REASONS = (BEYOND_TOP_50, NOT_FOUND, NO_EMAIL)


@dataclass(frozen=True)
class Hidden:
    """A mailbox item the timeline does not show, and the one reason why."""

    item: MailItem
    reason: str


@dataclass(frozen=True)
class LeftOutRecord:
    """A record the rules reached that contributed no address; ``record`` is None when not found."""

    ref: RecordRef
    record: CrmRecord | None
    reason: str


def involves(item: MailItem, addresses: Collection[str]) -> bool:
    """Whether a participant of ``item`` is one of ``addresses`` (normalized)."""
    return any(normalize_address(p.address) in addresses for p in item.participants())


def hidden_items(
    now: datetime,
    record: RecordRef,
    scanned: Sequence[MailItem],
    addresses: AddressSet,
    *,
    own_addresses: Iterable[str] = (),
    left_out: Sequence[tuple[MailItem, MailboxReason]] = (),
    exclusions: ExclusionPolicy | None = None,
    tracked_on: Mapping[str, RecordRef] | None = None,
    pending: Sequence[TrackingRequest] = (),
    cap: int = SUGGESTION_CAP,
    involving: str | None = None,
) -> list[Hidden]:
    """The items of ``scanned`` and ``left_out`` that involve ``addresses`` and are not on
    ``record``'s timeline, one per item key, newest first (ties by id), each with one reason.

    ``scanned`` is what the mailbox offers (any age: older than its window is
    ``OUTSIDE_WINDOW``); ``tracked_on`` maps tracked keys to the record each is regarding;
    ``involving`` narrows the answer to items with that participant.
    """
    own = {normalize_address(a) for a in own_addresses}
    matching = addresses.without(own)
    claims = dict(tracked_on or {})
    tiles = build_timeline(
        now,
        match_items(scanned, matching),
        (),
        pending,
        exclusions=exclusions,
        record=record,
        cap=cap,
        tracked_on=claims,
    )
    shown_ids = {t.id for t in tiles if t.state != "tracked" or t.regarding is not None}
    shown = {item_key(i) for i in scanned if i.id in shown_ids}
    shown |= {key for key, regarding in claims.items() if regarding == record}

    def reason(item: MailItem) -> str:
        if not involves(item, matching):
            return OWN_ADDRESS_ONLY
        return dropped_because(now, item, exclusions) or OVER_CAP

    related = set(addresses)
    found = [Hidden(item, why) for item, why in left_out if involves(item, related)]
    found += [Hidden(i, reason(i)) for i in scanned if involves(i, related) and item_key(i) not in shown]
    if involving is not None:
        wanted = {normalize_address(involving)}
        found = [h for h in found if involves(h.item, wanted)]
    unshown = (h for h in found if item_key(h.item) not in shown)
    return unique_newest_first(unshown, lambda h: h.item, lambda h: item_key(h.item))


def left_out_records(graph: RecordGraph, addresses: AddressSet, limit: int = 50) -> list[LeftOutRecord]:
    """Records reached by the rules that gave no address, at most ``limit``:

    - ``BEYOND_TOP_50``: contacts of an account past the 50 most recently modified that no
      other rule reached (as many as were fetched: the caller reads more than 50 to list them);
    - ``NOT_FOUND``: referenced records that do not exist;
    - ``NO_EMAIL``: records found that have no address the rule uses.
    """
    sources = {s.source for found in addresses.sources.values() for s in found}
    out: list[LeftOutRecord] = []
    for account_id in sorted(graph.children):
        ranked = graph.ranked_contacts(account_id)
        beyond = ranked[ACCOUNT_CONTACT_LIMIT:]
        out += [LeftOutRecord(c.ref, c, BEYOND_TOP_50) for c in beyond if c.ref not in sources]
        out += [
            LeftOutRecord(c.ref, c, NO_EMAIL) for c in ranked[:ACCOUNT_CONTACT_LIMIT] if c.ref not in sources
        ]
    out += [LeftOutRecord(ref, None, NOT_FOUND) for ref in sorted(graph.missing)]
    out += [
        LeftOutRecord(ref, rec, NO_EMAIL)
        for ref, rec in sorted(graph.records.items())
        if ref != graph.root.ref and ref not in sources
    ]
    return out[:limit]


def address_rules(addresses: AddressSet, address: str) -> tuple[str, tuple[str, ...]]:
    """``(normalized address, the rules that relate it to the record)``; no rules: unrelated."""
    normalized = normalize_address(address)
    return normalized, addresses.rules_for(normalized)
