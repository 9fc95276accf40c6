"""The demo org and the fake store the rule-table tests resolve records against."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from shared.model import CrmRecord, RecordRef
from shared.rules import (
    ACCOUNT_CONTACT_LIMIT,
    MAX_ROUNDS,
    AddressSet,
    Needs,
    RecordGraph,
    resolve,
    with_fetched,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def contact(cid: str, *emails: str, account: str | None = None, age_days: int = 0) -> CrmRecord:
    return CrmRecord(
        "contact",
        cid,
        cid,
        emails=emails,
        parent_account_id=account,
        modified_on=T0 - timedelta(days=age_days),
    )


def account(aid: str, *emails: str, primary: str | None = None) -> CrmRecord:
    return CrmRecord("account", aid, aid, emails=emails, primary_contact_id=primary)


class FakeStore:
    """Answers ``Needs`` like the real store: point reads, and top 50 contacts per account."""

    def __init__(self, records: Iterable[CrmRecord]) -> None:
        self.records = {r.ref: r for r in records}
        self.rounds: list[Needs] = []

    def children(self, account_id: str) -> tuple[CrmRecord, ...]:
        found = [r for r in self.records.values() if r.parent_account_id == account_id]
        found.sort(key=lambda r: r.modified_on or T0, reverse=True)
        return tuple(found[:ACCOUNT_CONTACT_LIMIT])

    def answer(self, graph: RecordGraph, needs: Needs) -> RecordGraph:
        self.rounds.append(needs)
        return with_fetched(
            graph,
            records=[self.records[r] for r in needs.records if r in self.records],
            children={a: self.children(a) for a in needs.children_of},
            answered=needs,
        )

    def resolve(self, root: CrmRecord | RecordRef) -> AddressSet:
        record = root if isinstance(root, CrmRecord) else self.records[root]
        graph = RecordGraph(record)
        for _ in range(MAX_ROUNDS):
            result = resolve(graph)
            if isinstance(result, AddressSet):
                return result
            graph = self.answer(graph, result)
        raise AssertionError(f"resolve did not finish within {MAX_ROUNDS} calls: {self.rounds}")


def rule_map(addresses: AddressSet | Needs) -> dict[str, set[str]]:
    assert isinstance(addresses, AddressSet), f"still needs {addresses}"
    return {a: {s.rule for s in addresses.get(a)} for a in addresses}


# --- the demo org -----------------------------------------------------------------------
ORG: list[CrmRecord] = [
    # account a1 with primary contact c1 and children c1, c2
    account("a1", "info@contoso.com", primary="c1"),
    contact("c1", "jane@contoso.com", account="a1", age_days=1),
    contact("c2", "sam@contoso.com", "Sam.Alt@Contoso.com", account="a1", age_days=2),
    # opportunity o1: contact c5, stakeholder c6, account a2 (children c7), lead l1
    CrmRecord(
        "opportunity",
        "o1",
        "Renewal",
        emails=("deals@o1.example",),
        contact_id="c5",
        account_id="a2",
        stakeholder_ids=("c6",),
        originating_lead_id="l1",
    ),
    account("a2", "billing@fabrikam.com", primary="c8"),
    contact("c5", "olivia@partner.example"),
    contact("c6", "stake@partner.example"),
    contact("c7", "kid@fabrikam.com", account="a2"),
    contact("c8", "boss@fabrikam.com"),
    CrmRecord("lead", "l1", "Inbound", emails=("lead@fabrikam.com",), contact_email="pat@fabrikam.com"),
    # case k1: primary contact c9, customer account a3 (primary c10, child c11)
    CrmRecord(
        "case",
        "k1",
        "Outage",
        emails=("case-k1@support.example",),
        primary_contact_id="c9",
        customer=RecordRef("account", "a3"),
    ),
    contact("c9", "reporter@tailspin.example"),
    account("a3", "hello@tailspin.example", primary="c10"),
    contact("c10", "ceo@tailspin.example", account="a3"),
    contact("c11", "child@tailspin.example", account="a3"),
    # case k2: customer contact c12
    CrmRecord("case", "k2", "Question", customer=RecordRef("contact", "c12")),
    contact("c12", "one@woodgrove.example", "two@woodgrove.example", account="a4"),
    account("a4", "main@woodgrove.example", primary="c13"),
    contact("c13", "primary@woodgrove.example", account="a4"),
    # custom project p1: client -> account a5, sponsor -> contact c14, customer -> contact c15
    CrmRecord(
        "project",
        "p1",
        "Rollout",
        emails=("project@own.example",),
        custom=True,
        lookups=(
            ("client", RecordRef("account", "a5")),
            ("sponsor", RecordRef("contact", "c14")),
            ("customer", RecordRef("contact", "c15")),
            ("related", RecordRef("opportunity", "o1")),
        ),
    ),
    account("a5", "office@litware.example", primary="c16"),
    contact("c16", "pc@litware.example", account="a5"),
    contact("c17", "staff@litware.example", account="a5"),
    contact("c14", "sponsor@litware.example"),
    contact("c15", "buyer@adatum.example"),
]
STORE = FakeStore(ORG)


def ref(entity_type: str, rid: str) -> RecordRef:
    return RecordRef(entity_type, rid)
