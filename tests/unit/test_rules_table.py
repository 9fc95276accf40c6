"""The rule table (docs/rules.md): which addresses match each record type, and why.

Each row is checked as an exact ``address -> rules`` map, so removing or widening any
rule fails a test; the named tests below spell out the non-matches that matter.
"""

from __future__ import annotations

import pytest
from rules_org import ORG, STORE, FakeStore, account, contact, ref, rule_map

from shared.exceptions import ValidationError
from shared.model import CrmRecord, RecordRef
from shared.rules import (
    AddressSet,
    AddressSource,
    Needs,
    RecordGraph,
    names,
    resolve,
    with_fetched,
)


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
