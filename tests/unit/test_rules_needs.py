"""The rule table's fetch protocol: what ``resolve`` asks the store for, in how many rounds."""

from __future__ import annotations

import pytest
from rules_org import ORG, STORE, FakeStore, account, contact, ref, rule_map

from shared.model import CrmRecord, RecordRef
from shared.rules import (
    MAX_ROUNDS,
    AddressSet,
    Needs,
    RecordGraph,
    names,
    resolve,
    with_fetched,
)


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
