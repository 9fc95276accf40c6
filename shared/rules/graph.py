"""What the resolver knows so far about a record and its neighbours, and what it still needs.

The store answers :class:`Needs` in one round of parallel reads (point reads for
``records``, one query per account for ``children_of``) and folds the answer in with
:func:`with_fetched`. The resolver never asks twice for the same thing: a reference
that does not exist goes into ``missing``, and an account whose contacts were read is
a key of ``children`` even when it has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shared.model import CrmRecord, RecordRef

#: Contacts of an account that count for ``accountContact`` (most recently modified first).
ACCOUNT_CONTACT_LIMIT = 50

_EMPTY_RECORDS: Mapping[RecordRef, CrmRecord] = MappingProxyType({})
_EMPTY_CHILDREN: Mapping[str, tuple[CrmRecord, ...]] = MappingProxyType({})


@dataclass(frozen=True)
class Needs:
    """What :func:`shared.rules.resolve` still has to know: records to read, accounts to list contacts of."""

    records: frozenset[RecordRef] = frozenset()
    children_of: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.records or self.children_of)


@dataclass(frozen=True)
class RecordGraph:
    """The root record plus everything fetched for it so far.

    ``children`` maps an account id to its contacts (``parentAccountId`` = that id);
    an account present with ``()`` has no contacts. ``missing`` holds references
    that were asked for and do not exist.
    """

    root: CrmRecord
    records: Mapping[RecordRef, CrmRecord] = field(default_factory=lambda: _EMPTY_RECORDS)
    children: Mapping[str, tuple[CrmRecord, ...]] = field(default_factory=lambda: _EMPTY_CHILDREN)
    missing: frozenset[RecordRef] = frozenset()

    def record(self, ref: RecordRef) -> CrmRecord | None:
        """The record if fetched (or the root itself), else ``None``."""
        if ref == self.root.ref:
            return self.root
        return self.records.get(ref)

    def knows(self, ref: RecordRef) -> bool:
        """Whether ``ref`` was fetched, is the root, or is known not to exist."""
        return ref == self.root.ref or ref in self.records or ref in self.missing

    def top_contacts(self, account_id: str) -> tuple[CrmRecord, ...]:
        """The account's contacts that count: most recently modified first, at most 50.

        The store already sorts and caps; this does it again so a careless store
        cannot widen the rule. Contacts whose ``parentAccountId`` is another account
        are ignored. Ties (and contacts without ``modifiedOn``, which sort last) break
        by id.
        """
        return self.ranked_contacts(account_id)[:ACCOUNT_CONTACT_LIMIT]

    def ranked_contacts(self, account_id: str) -> tuple[CrmRecord, ...]:
        """Every fetched contact of the account in the order :meth:`top_contacts` cuts."""
        contacts = [
            c
            for c in self.children.get(account_id, ())
            if c.entity_type == "contact" and c.parent_account_id == account_id
        ]
        contacts.sort(key=lambda c: c.id)
        contacts.sort(key=_modified_timestamp, reverse=True)
        return tuple(contacts)


def _modified_timestamp(contact: CrmRecord) -> float:
    return contact.modified_on.timestamp() if contact.modified_on else float("-inf")


def with_fetched(
    graph: RecordGraph,
    records: Iterable[CrmRecord] | Mapping[RecordRef, CrmRecord] = (),
    children: Mapping[str, Iterable[CrmRecord]] | None = None,
    missing: Iterable[RecordRef] = (),
    answered: Needs | None = None,
) -> RecordGraph:
    """A new graph with a round of fetches folded in.

    ``records`` may be a list of records (keyed by their own ref) or a mapping. Pass
    the ``Needs`` this round answered as ``answered`` and anything asked for but not
    returned is recorded as missing (records) or contact-less (accounts), so that
    :func:`shared.rules.resolve` always terminates.
    """
    new_records = dict(graph.records)
    if isinstance(records, Mapping):
        new_records.update(records)
    else:
        new_records.update((r.ref, r) for r in records)
    new_children = dict(graph.children)
    for account_id, contacts in (children or {}).items():
        new_children[account_id] = tuple(contacts)
    new_missing = set(graph.missing).union(missing)
    if answered is not None:
        new_missing.update(ref for ref in answered.records if ref not in new_records)
        for account_id in answered.children_of:
            new_children.setdefault(account_id, ())
    return RecordGraph(
        root=graph.root,
        records=MappingProxyType(new_records),
        children=MappingProxyType(new_children),
        missing=frozenset(new_missing - new_records.keys()),
    )
