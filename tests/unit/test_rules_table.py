"""The rule table (docs/rules.md): which addresses match each record type, and why.

Each row is checked as an exact ``address -> rules`` map, so removing or widening any
rule fails a test; the named tests below spell out the non-matches that matter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from shared.exceptions import ValidationError
from shared.model import CrmRecord, RecordRef
from shared.rules import (
    ACCOUNT_CONTACT_LIMIT,
    MAX_ROUNDS,
    AddressSet,
    AddressSource,
    Needs,
    RecordGraph,
    names,
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


# --- account ------------------------------------------------------------------------------
def test_account_matches_primary_contact_its_contacts_and_its_own_emails() -> None:
    assert rule_map(STORE.resolve(ref("account", "a1"))) == {
        "jane@contoso.com": {names.PRIMARY_CONTACT, names.ACCOUNT_CONTACT},
        "sam@contoso.com": {names.ACCOUNT_CONTACT},
        "sam.alt@contoso.com": {names.ACCOUNT_CONTACT},
        "info@contoso.com": {names.RECORD_EMAIL},
    }


def test_account_primary_contact_matches_even_when_not_a_child_of_the_account() -> None:
    addresses = FakeStore(ORG).resolve(ref("account", "a2"))
    assert rule_map(addresses)["boss@fabrikam.com"] == {names.PRIMARY_CONTACT}


def test_account_reports_the_record_each_address_came_from() -> None:
    addresses = STORE.resolve(ref("account", "a1"))
    assert addresses.get("jane@contoso.com") == (
        AddressSource(names.PRIMARY_CONTACT, ref("contact", "c1")),
        AddressSource(names.ACCOUNT_CONTACT, ref("contact", "c1")),
    )
    assert addresses.get("info@contoso.com") == (AddressSource(names.RECORD_EMAIL, ref("account", "a1")),)


def _big_account(n: int) -> list[CrmRecord]:
    return [account("big", "hq@big.example")] + [
        contact(f"k{i:02d}", f"k{i:02d}@big.example", account="big", age_days=i) for i in range(n)
    ]


def test_account_51st_most_recently_modified_contact_does_not_match() -> None:
    addresses = FakeStore(_big_account(51)).resolve(ref("account", "big"))
    assert "k49@big.example" in addresses
    assert "k50@big.example" not in addresses
    assert len(addresses) == 51  # 50 contacts + the account's own address


def test_account_contacts_are_ranked_and_capped_even_when_the_store_returns_too_many() -> None:
    records = _big_account(60)
    root = records[0]
    shuffled = tuple(reversed(records[1:]))  # oldest first, 60 of them
    graph = with_fetched(RecordGraph(root), children={"big": shuffled})
    addresses = resolve(graph)
    assert isinstance(addresses, AddressSet)
    assert "k49@big.example" in addresses
    assert "k50@big.example" not in addresses


def test_account_contacts_parented_elsewhere_are_ignored() -> None:
    root = account("a1", primary=None)
    stray = contact("x", "stray@other.example", account="other")
    addresses = resolve(with_fetched(RecordGraph(root), children={"a1": (stray,)}))
    assert isinstance(addresses, AddressSet)
    assert "stray@other.example" not in addresses


def test_account_contact_without_modified_on_ranks_last() -> None:
    root = account("acc")
    undated = CrmRecord("contact", "aaa", "undated", emails=("undated@x.example",), parent_account_id="acc")
    dated = [contact(f"d{i:02d}", f"d{i:02d}@x.example", account="acc", age_days=i) for i in range(50)]
    addresses = resolve(with_fetched(RecordGraph(root), children={"acc": (undated, *dated)}))
    assert isinstance(addresses, AddressSet)
    assert "undated@x.example" not in addresses
    assert "d49@x.example" in addresses


# --- contact ------------------------------------------------------------------------------
def test_contact_matches_all_its_own_emails_and_nothing_of_its_account() -> None:
    assert rule_map(STORE.resolve(ref("contact", "c2"))) == {
        "sam@contoso.com": {names.RECORD_EMAIL},
        "sam.alt@contoso.com": {names.RECORD_EMAIL},
    }


def test_contact_needs_no_fetch_at_all() -> None:
    assert isinstance(resolve(RecordGraph(contact("c", "c@x.example"))), AddressSet)


# --- opportunity --------------------------------------------------------------------------
def test_opportunity_matches_contact_stakeholders_own_account_contacts_and_originating_lead() -> None:
    assert rule_map(STORE.resolve(ref("opportunity", "o1"))) == {
        "olivia@partner.example": {names.OPPORTUNITY_CONTACT},
        "stake@partner.example": {names.STAKEHOLDER},
        "deals@o1.example": {names.RECORD_EMAIL},
        "kid@fabrikam.com": {names.ACCOUNT_CONTACT},
        "pat@fabrikam.com": {names.ORIGINATING_LEAD},
    }


def test_opportunity_account_own_emails_and_primary_contact_do_not_match() -> None:
    addresses = STORE.resolve(ref("opportunity", "o1"))
    assert "billing@fabrikam.com" not in addresses
    assert "boss@fabrikam.com" not in addresses


def test_opportunity_matches_originating_lead_contact_email_but_not_the_lead_own_emails() -> None:
    addresses = STORE.resolve(ref("opportunity", "o1"))
    assert addresses.rules_for("PAT@fabrikam.com ") == (names.ORIGINATING_LEAD,)
    assert addresses.get("pat@fabrikam.com") == (AddressSource(names.ORIGINATING_LEAD, ref("lead", "l1")),)
    assert "lead@fabrikam.com" not in addresses


def test_opportunity_lists_the_account_contacts_without_reading_the_account() -> None:
    needs = resolve(RecordGraph(STORE.records[ref("opportunity", "o1")]))
    assert needs == Needs(
        records=frozenset({ref("contact", "c5"), ref("contact", "c6"), ref("lead", "l1")}),
        children_of=frozenset({"a2"}),
    )


def test_opportunity_account_contacts_are_capped_at_50() -> None:
    records = _big_account(51)
    opp = CrmRecord("opportunity", "ob", "Big deal", account_id="big")
    addresses = FakeStore([opp, *records]).resolve(opp)
    assert "k49@big.example" in addresses
    assert "k50@big.example" not in addresses
    assert "hq@big.example" not in addresses


# --- lead ---------------------------------------------------------------------------------
def test_lead_matches_its_contact_email_and_its_own_emails() -> None:
    assert rule_map(STORE.resolve(ref("lead", "l1"))) == {
        "pat@fabrikam.com": {names.LEAD_CONTACT},
        "lead@fabrikam.com": {names.RECORD_EMAIL},
    }


def test_lead_without_contact_email_matches_only_its_own_emails() -> None:
    lead = CrmRecord("lead", "l2", "Cold", emails=("cold@x.example",))
    assert rule_map(STORE.resolve(lead)) == {"cold@x.example": {names.RECORD_EMAIL}}


# --- case ---------------------------------------------------------------------------------
def test_case_with_account_customer_matches_primary_contact_own_emails_and_customer_account() -> None:
    assert rule_map(STORE.resolve(ref("case", "k1"))) == {
        "reporter@tailspin.example": {names.PRIMARY_CONTACT},
        "case-k1@support.example": {names.RECORD_EMAIL},
        "hello@tailspin.example": {names.CUSTOMER_ACCOUNT},
        "ceo@tailspin.example": {names.CUSTOMER_PRIMARY_CONTACT},
    }


def test_case_customer_account_child_contact_does_not_match() -> None:
    store = FakeStore(ORG)
    addresses = store.resolve(ref("case", "k1"))
    assert "child@tailspin.example" not in addresses
    assert all(not needs.children_of for needs in store.rounds)


def test_case_with_contact_customer_matches_all_the_contact_emails_and_not_its_account() -> None:
    assert rule_map(STORE.resolve(ref("case", "k2"))) == {
        "one@woodgrove.example": {names.CUSTOMER_CONTACT},
        "two@woodgrove.example": {names.CUSTOMER_CONTACT},
    }


def test_case_customer_of_another_entity_type_contributes_nothing() -> None:
    case = CrmRecord("case", "k9", "Odd", customer=RecordRef("lead", "l1"))
    assert len(STORE.resolve(case)) == 0


# --- custom entity ------------------------------------------------------------------------
def test_custom_entity_matches_each_lookup_by_its_target_type_and_names_the_field() -> None:
    assert rule_map(STORE.resolve(ref("project", "p1"))) == {
        "office@litware.example": {"lookupAccount:client"},
        "pc@litware.example": {"lookupAccountPrimaryContact:client"},
        "sponsor@litware.example": {"lookupContact:sponsor"},
        "buyer@adatum.example": {"lookupContact:customer"},
    }


def test_custom_entity_lookup_account_other_contacts_and_own_emails_do_not_match() -> None:
    addresses = STORE.resolve(ref("project", "p1"))
    assert "staff@litware.example" not in addresses
    assert "project@own.example" not in addresses
    assert "deals@o1.example" not in addresses  # lookup to an opportunity contributes nothing


def test_custom_entity_polymorphic_customer_lookup_to_an_account_acts_as_an_account() -> None:
    project = CrmRecord(
        "project", "p2", "Pilot", custom=True, lookups=(("customer", RecordRef("account", "a3")),)
    )
    assert rule_map(STORE.resolve(project)) == {
        "hello@tailspin.example": {"lookupAccount:customer"},
        "ceo@tailspin.example": {"lookupAccountPrimaryContact:customer"},
    }


def test_lookup_rule_names_embed_the_field() -> None:
    assert names.lookup_rule(names.LOOKUP_CONTACT, "sponsor") == "lookupContact:sponsor"


# --- unknown types ------------------------------------------------------------------------
def test_unknown_non_custom_entity_type_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as caught:
        resolve(RecordGraph(CrmRecord("invoice", "i1", "Invoice")))
    assert caught.value.field == "entityType"
    assert "invoice" in str(caught.value)


# --- the needs protocol -------------------------------------------------------------------
def test_account_asks_for_primary_contact_and_contacts_in_one_round() -> None:
    needs = resolve(RecordGraph(STORE.records[ref("account", "a1")]))
    assert needs == Needs(records=frozenset({ref("contact", "c1")}), children_of=frozenset({"a1"}))


@pytest.mark.parametrize("root", [r.ref for r in ORG])
def test_every_record_resolves_within_max_rounds_and_never_asks_twice(root: RecordRef) -> None:
    store = FakeStore(ORG)
    store.resolve(root)
    assert len(store.rounds) <= MAX_ROUNDS - 1  # the last call answers without a fetch
    asked_records = [r for needs in store.rounds for r in needs.records]
    asked_children = [a for needs in store.rounds for a in needs.children_of]
    assert len(asked_records) == len(set(asked_records))
    assert len(asked_children) == len(set(asked_children))
    assert root not in asked_records


def test_deepest_rows_take_exactly_two_fetch_rounds() -> None:
    for root in (ref("case", "k1"), ref("project", "p1")):
        store = FakeStore(ORG)
        store.resolve(root)
        assert len(store.rounds) == 2


def test_missing_references_are_skipped_and_not_asked_again() -> None:
    case = CrmRecord(
        "case", "k3", "Ghost", primary_contact_id="gone", customer=RecordRef("account", "gone-a")
    )
    store = FakeStore([])
    assert len(store.resolve(case)) == 0
    assert len(store.rounds) == 1
    assert store.rounds[0].records == {ref("contact", "gone"), ref("account", "gone-a")}


def test_account_with_no_contacts_is_not_asked_again() -> None:
    root = account("lonely", "me@lonely.example")
    graph = with_fetched(RecordGraph(root), children={"lonely": ()})
    assert rule_map(resolve(graph)) == {"me@lonely.example": {names.RECORD_EMAIL}}


def test_with_fetched_marks_unanswered_needs_as_missing_and_contactless() -> None:
    root = account("a", primary="p")
    needs = resolve(RecordGraph(root))
    assert isinstance(needs, Needs)
    graph = with_fetched(RecordGraph(root), answered=needs)
    assert graph.missing == {ref("contact", "p")}
    assert graph.children == {"a": ()}
    assert isinstance(resolve(graph), AddressSet)


def test_with_fetched_accepts_explicit_missing_and_a_mapping_of_records() -> None:
    root = CrmRecord("opportunity", "o", "O", contact_id="c", stakeholder_ids=("s",))
    graph = with_fetched(
        RecordGraph(root),
        records={ref("contact", "c"): contact("c", "c@x.example")},
        missing=[ref("contact", "s")],
    )
    assert rule_map(resolve(graph)) == {"c@x.example": {names.OPPORTUNITY_CONTACT}}


def test_a_record_that_points_at_itself_is_not_fetched() -> None:
    project = CrmRecord("project", "p", "Self", custom=True, lookups=(("self", RecordRef("project", "p")),))
    assert isinstance(resolve(RecordGraph(project)), AddressSet)


def test_record_emails_are_trimmed_lowercased_and_blank_ones_dropped() -> None:
    root = contact("c", "  Mixed.Case@Example.COM ", "", "   ")
    addresses = resolve(RecordGraph(root))
    assert isinstance(addresses, AddressSet)
    assert addresses.addresses() == ("mixed.case@example.com",)
    assert "MIXED.case@example.com" in addresses


def test_address_set_without_drops_given_addresses_in_any_case() -> None:
    addresses = STORE.resolve(ref("account", "a1"))
    smaller = addresses.without([" INFO@contoso.com"])
    assert "info@contoso.com" not in smaller
    assert len(smaller) == len(addresses) - 1
    assert addresses.without(["nobody@x.example"]) is addresses
