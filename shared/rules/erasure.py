"""Data governance decisions: keyed hashes of addresses, erased mail, receipts, retention. Pure.

- An address is named outside the mail itself (audit lines, the erased-address list, a
  receipt) only as ``address_hash``: HMAC-SHA256 of its normalized form under the
  deployment's key, hex, 32 characters. The same address gives the same hash in every
  line, so operators can correlate; nobody without the key can test a guess.
- After an erasure the address's hash is on the org's erased list: ``involves_erased``
  says whether an item has such a participant; the timeline never suggests it and Track
  refuses it (docs/design.md, data governance).
- A receipt grows as the job goes; ``with_*`` add what a step removed (a union: a resumed
  run counts nothing twice).
- Retention: activities that occurred before ``retention_cutoff`` are deleted.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from shared.exceptions import ValidationError
from shared.model import Activity, Envelope, ErasureReceipt, normalize_address
from shared.rules.exclusions import validate_exclusion_entry

#: Hex characters of a keyed hash (128 bits).
HASH_LENGTH = 32
#: Longest retention accepted (ten years) and shortest (one day).
MAX_RETENTION_DAYS = 3650
MIN_RETENTION_DAYS = 1


def address_hash(key: str, address: str) -> str:
    """The keyed hash of an address (any case, surrounding blanks ignored)."""
    if not key:
        raise ValueError("the address hash key is empty")
    digest = hmac.new(key.encode(), normalize_address(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:HASH_LENGTH]


def loggable_entry(key: str, entry: str) -> str:
    """An exclusion entry as an audit line may show it: a domain as is, an address hashed."""
    return entry if entry.startswith("@") else f"hash:{address_hash(key, entry)}"


def validate_address(text: str, field: str = "address") -> str:
    """The normalized address to erase; ValidationError unless it is one address (no domain)."""
    entry = validate_exclusion_entry(text, field)
    if entry.startswith("@"):
        raise ValidationError("give one email address (name@example.com), not a domain", field)
    return entry


def involves_erased(item: Envelope, erased: Iterable[str], key: str) -> bool:
    """Whether any participant of ``item`` is an erased address (``erased``: their hashes)."""
    hashes = erased if isinstance(erased, frozenset) else frozenset(erased)
    if not hashes:
        return False
    return any(address_hash(key, p.address) in hashes for p in item.participants() if p.address)


def takes_part(activity: Activity, address: str) -> bool:
    """Whether ``address`` is the activity's sender/organizer, a recipient or an attendee."""
    wanted = normalize_address(address)
    return any(normalize_address(p.address) == wanted for p in activity.participants())


def with_erased(erased: tuple[str, ...], hashed: str) -> tuple[str, ...]:
    """The org's erased list with ``hashed`` on it (once)."""
    return erased if hashed in erased else (*erased, hashed)


def with_activities(receipt: ErasureReceipt, activities: Iterable[Activity]) -> ErasureReceipt:
    """The receipt counting these activities too (each once, with its attachments)."""
    known = dict(receipt.removed_activities)
    for activity in activities:
        known.setdefault(activity.id, len(activity.attachments))
    return replace(receipt, removed_activities=tuple(known.items()))


def with_requests(receipt: ErasureReceipt, tracking_ids: Iterable[str]) -> ErasureReceipt:
    return replace(
        receipt, tracking_requests=tuple(dict.fromkeys((*receipt.tracking_requests, *tracking_ids)))
    )


def with_lists(receipt: ErasureReceipt, scopes: Iterable[str]) -> ErasureReceipt:
    return replace(receipt, exclusion_lists=tuple(dict.fromkeys((*receipt.exclusion_lists, *scopes))))


def finished(receipt: ErasureReceipt, now: datetime, state: str = "done") -> ErasureReceipt:
    if receipt.state != "running":
        return receipt
    return replace(receipt, state="failed" if state == "failed" else "done", finished_at=now)


def without_entry(entries: tuple[str, ...], address: str) -> tuple[str, ...]:
    """An exclusion list without the exact address entry (domain entries stay)."""
    wanted = normalize_address(address)
    return tuple(e for e in entries if normalize_address(e) != wanted)


def retention_cutoff(now: datetime, days: int | None) -> datetime | None:
    """Activities that occurred before this are deleted; None: keep forever."""
    return None if days is None else now - timedelta(days=days)
