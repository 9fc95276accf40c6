"""The rule table of docs/rules.md: which addresses match a record.

:func:`resolve` walks the table from the root record. Whatever it needs and has
not been fetched is collected into one :class:`Needs`; once nothing is missing it
returns the :class:`AddressSet`. The table is two hops deep, so a store that
answers every ``Needs`` in full calls ``resolve`` at most :data:`MAX_ROUNDS` times:

1. root only: needs the directly referenced records (primary contact, opportunity
   contact, stakeholders, originating lead, case customer, custom lookups) and the
   contacts of the account (account root, opportunity's account) — all at once;
2. needs the primary contact of an account reached through a case customer or a
   custom lookup;
3. everything is known: returns the ``AddressSet``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from shared.exceptions import ValidationError
from shared.model import STANDARD_ENTITY_TYPES, CrmRecord, RecordRef
from shared.rules import names
from shared.rules.addresses import AddressSet, AddressSetBuilder
from shared.rules.graph import Needs, RecordGraph

#: Calls of :func:`resolve` until it returns an ``AddressSet`` (fetch rounds + 1).
MAX_ROUNDS = 3


class _Walk:
    """One pass over the table: reads the graph, records what is missing, collects addresses."""

    def __init__(self, graph: RecordGraph) -> None:
        self.graph = graph
        self.found = AddressSetBuilder()
        self.need_records: set[RecordRef] = set()
        self.need_children: set[str] = set()

    def record(self, entity_type: str, record_id: str | None) -> CrmRecord | None:
        """The referenced record when known; otherwise note the need and return ``None``."""
        if not record_id:
            return None
        ref = RecordRef(entity_type, record_id)
        if not self.graph.knows(ref):
            self.need_records.add(ref)
        return self.graph.record(ref)

    def add(self, rule: str, record: CrmRecord | None, *, emails: tuple[str, ...] | None = None) -> None:
        if record is not None:
            self.found.add(rule, record.ref, record.emails if emails is None else emails)

    def own_emails(self, record: CrmRecord) -> None:
        self.add(names.RECORD_EMAIL, record)

    def primary_contact(self, rule: str, record: CrmRecord) -> None:
        self.add(rule, self.record("contact", record.primary_contact_id))

    def account_contacts(self, account_id: str | None) -> None:
        if not account_id:
            return
        if account_id not in self.graph.children:
            self.need_children.add(account_id)
            return
        for contact in self.graph.top_contacts(account_id):
            self.add(names.ACCOUNT_CONTACT, contact)

    def account_and_primary(self, ref: RecordRef, account_rule: str, primary_rule: str) -> None:
        account = self.record("account", ref.id)
        if account is not None:
            self.add(account_rule, account)
            self.primary_contact(primary_rule, account)

    def result(self) -> Needs | AddressSet:
        if self.need_records or self.need_children:
            return Needs(frozenset(self.need_records), frozenset(self.need_children))
        return self.found.build()


def _account(walk: _Walk, record: CrmRecord) -> None:
    walk.primary_contact(names.PRIMARY_CONTACT, record)
    walk.account_contacts(record.id)
    walk.own_emails(record)


def _contact(walk: _Walk, record: CrmRecord) -> None:
    walk.own_emails(record)


def _opportunity(walk: _Walk, record: CrmRecord) -> None:
    walk.add(names.OPPORTUNITY_CONTACT, walk.record("contact", record.contact_id))
    for stakeholder_id in record.stakeholder_ids:
        walk.add(names.STAKEHOLDER, walk.record("contact", stakeholder_id))
    walk.own_emails(record)
    walk.account_contacts(record.account_id)
    lead = walk.record("lead", record.originating_lead_id)
    if lead is not None:
        walk.add(names.ORIGINATING_LEAD, lead, emails=(lead.contact_email or "",))


def _lead(walk: _Walk, record: CrmRecord) -> None:
    walk.add(names.LEAD_CONTACT, record, emails=(record.contact_email or "",))
    walk.own_emails(record)


def _case(walk: _Walk, record: CrmRecord) -> None:
    walk.primary_contact(names.PRIMARY_CONTACT, record)
    walk.own_emails(record)
    customer = record.customer
    if customer is None:
        return
    if customer.entity_type == "contact":
        walk.add(names.CUSTOMER_CONTACT, walk.record("contact", customer.id))
    elif customer.entity_type == "account":
        walk.account_and_primary(customer, names.CUSTOMER_ACCOUNT, names.CUSTOMER_PRIMARY_CONTACT)


def _custom(walk: _Walk, record: CrmRecord) -> None:
    for field, target in record.lookups:
        if target.entity_type == "contact":
            contact = walk.record("contact", target.id)
            walk.add(names.lookup_rule(names.LOOKUP_CONTACT, field), contact)
        elif target.entity_type == "account":
            walk.account_and_primary(
                target,
                names.lookup_rule(names.LOOKUP_ACCOUNT, field),
                names.lookup_rule(names.LOOKUP_ACCOUNT_PRIMARY_CONTACT, field),
            )


_TABLE: Mapping[str, Callable[[_Walk, CrmRecord], None]] = MappingProxyType(
    {
        "account": _account,
        "contact": _contact,
        "opportunity": _opportunity,
        "lead": _lead,
        "case": _case,
    }
)
assert set(_TABLE) == set(STANDARD_ENTITY_TYPES)


def _row(record: CrmRecord) -> Callable[[_Walk, CrmRecord], None]:
    """The table row for ``record``; raises ``ValidationError`` for an unknown standard type."""
    row = _TABLE.get(record.entity_type)
    if row is not None:
        return row
    if record.custom:
        return _custom
    raise ValidationError(
        f"unknown entity type {record.entity_type!r} (not a standard type and not custom)",
        field="entityType",
    )


def resolve(graph: RecordGraph) -> Needs | AddressSet:
    """What is still missing to apply the table to ``graph.root``, or the final ``AddressSet``.

    Pure and deterministic. Lookups to other entity types than account/contact (and a
    case customer of another type) contribute nothing; references in
    ``graph.missing`` are skipped.
    """
    walk = _Walk(graph)
    _row(graph.root)(walk, graph.root)
    return walk.result()
