"""The explain decisions as pure functions: one reason per hidden item, what the rules left
out, tracked-elsewhere tiles, and the exclusion policy saying which list hid an item."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.model import CrmRecord, MailItem, OrgSettings, Participant, RecordRef, UserSettings
from shared.rules import (
    AddressSet,
    AddressSetBuilder,
    ExclusionPolicy,
    RecordGraph,
    build_timeline,
    match_items,
    names,
)
from shared.rules.explain import address_rules, hidden_items, left_out_records
from shared.rules.identity import claim_key
from shared.rules.table import resolve
from tests.builders import ACCOUNT, NOW, mail_item

OTHER = RecordRef("project", "p1")
ME = "me@mycorp.example"


def mail(
    item_id: str, at: datetime = NOW, *, sender: str = "info@contoso.com", key: str | None = None
) -> MailItem:
    # copies of one mail share its subject (and identity)
    return mail_item(item_id, at, key=key or None, subject=key or item_id, sender=sender, to=(ME,))


def addresses():
    builder = AddressSetBuilder()
    builder.add(names.RECORD_EMAIL, ACCOUNT, ["info@contoso.com", ME])
    return builder.build()


def reasons(found) -> dict[str, str]:
    return {h.item.id: h.reason for h in found}


def test_the_first_reason_that_applies_wins_in_the_documented_order() -> None:
    old_and_excluded = mail("m1", NOW - timedelta(days=9), sender="info@contoso.com")
    policy = ExclusionPolicy.from_settings(OrgSettings(excluded=("@mycorp.example",)))
    found = hidden_items(NOW, ACCOUNT, [old_and_excluded], addresses(), own_addresses=[ME], exclusions=policy)
    assert reasons(found) == {"m1": "OUTSIDE_WINDOW"}
    left = [(mail("m2", NOW - timedelta(days=9)), "DRAFT")]
    found = hidden_items(NOW, ACCOUNT, [], addresses(), left_out=left, exclusions=policy)  # type: ignore[arg-type]
    assert reasons(found) == {"m2": "DRAFT"}


def test_own_address_only_comes_before_the_window() -> None:
    own = mail("m1", NOW - timedelta(days=9), sender=ME)
    assert reasons(hidden_items(NOW, ACCOUNT, [own], addresses(), own_addresses=[ME])) == {
        "m1": "OWN_ADDRESS_ONLY"
    }


def test_a_copy_of_a_shown_item_is_not_hidden_and_two_hidden_copies_are_listed_once() -> None:
    shown, copy = mail("a", key="<same>"), mail("b", NOW - timedelta(minutes=1), key="<same>")
    old1, old2 = (mail(i, NOW - timedelta(days=5), key="<old>") for i in ("c", "d"))
    found = hidden_items(NOW, ACCOUNT, [shown, copy, old1, old2], addresses(), own_addresses=[ME])
    assert reasons(found) == {"c": "OUTSIDE_WINDOW"}


def test_items_tracked_here_or_shown_as_tracked_elsewhere_are_not_hidden_but_old_elsewhere_ones_are() -> None:
    here, there, old_there = mail("h"), mail("t"), mail("o", NOW - timedelta(days=5))
    tracked_on = {claim_key(here): ACCOUNT, claim_key(there): OTHER, claim_key(old_there): OTHER}
    found = hidden_items(
        NOW, ACCOUNT, [here, there, old_there], addresses(), own_addresses=[ME], tracked_on=tracked_on
    )
    assert reasons(found) == {"o": "OUTSIDE_WINDOW"}


def test_over_cap_is_what_passes_every_filter_and_still_is_not_shown() -> None:
    items = [mail(f"m{n}", NOW - n * timedelta(minutes=1)) for n in range(4)]
    found = hidden_items(NOW, ACCOUNT, items, addresses(), own_addresses=[ME], cap=2)
    assert reasons(found) == {"m2": "OVER_CAP", "m3": "OVER_CAP"}


def test_narrowed_to_an_address_only_items_with_that_participant_remain() -> None:
    a = mail("a", NOW - timedelta(days=5), sender="info@contoso.com")
    b = MailItem(**{**a.__dict__, "id": "b", "key": "<b>", "cc": (Participant("x@else.example"),)})
    found = hidden_items(NOW, ACCOUNT, [a, b], addresses(), own_addresses=[ME], involving="X@else.example")
    assert reasons(found) == {"b": "OUTSIDE_WINDOW"}
    assert address_rules(addresses(), " INFO@contoso.com") == ("info@contoso.com", (names.RECORD_EMAIL,))
    assert address_rules(addresses(), "x@else.example") == ("x@else.example", ())


def test_the_policy_says_which_list_hid_an_item() -> None:
    org = OrgSettings(
        excluded=("@spam.example",), hide_internal_only=True, internal_domains=("mycorp.example",)
    )
    policy = ExclusionPolicy.from_settings(org, UserSettings(excluded=("pat@x.example",)))
    assert policy.reason(mail("1", sender="a@spam.example")) == "EXCLUDED_ORG"
    assert policy.reason(mail("2", sender="pat@x.example")) == "EXCLUDED_USER"
    assert policy.reason(mail("3", sender="boss@mycorp.example")) == "INTERNAL_ONLY"
    assert policy.reason(mail("4")) is None and policy.hides(mail("1", sender="a@spam.example"))


def test_left_out_records_beyond_the_top_50_missing_and_without_email() -> None:
    root = CrmRecord("opportunity", "o1", "Deal", stakeholder_ids=("s1", "gone"), originating_lead_id="l1")
    lead = CrmRecord("lead", "l1", "Lead", ("own@lead.example",))  # no contactEmail: the rule uses none
    s1 = CrmRecord("contact", "s1", "Sam", ("sam@x.example",))
    graph = RecordGraph(root, {lead.ref: lead, s1.ref: s1}, {}, frozenset({RecordRef("contact", "gone")}))
    result = resolve(graph)
    assert isinstance(result, AddressSet)
    found = {(r.ref.id, r.reason) for r in left_out_records(graph, result)}
    assert found == {("gone", "NOT_FOUND"), ("l1", "NO_EMAIL")}


def test_left_out_lists_the_51st_contact_unless_another_rule_reached_it() -> None:
    contacts = [
        CrmRecord(
            "contact",
            f"c{n:02d}",
            f"C{n}",
            (f"c{n}@x.example",),
            parent_account_id="a1",
            modified_on=NOW - n * timedelta(hours=1),
        )
        for n in range(52)
    ]
    root = CrmRecord("account", "a1", "Acme", primary_contact_id="c51")
    graph = RecordGraph(root, {contacts[51].ref: contacts[51]}, {"a1": tuple(contacts)})
    result = resolve(graph)
    assert isinstance(result, AddressSet)
    found = [(r.ref.id, r.reason) for r in left_out_records(graph, result)]
    assert found == [("c50", "BEYOND_TOP_50")]  # c51 is the primary contact


def test_the_timeline_shows_an_item_tracked_elsewhere_from_the_mailbox_copy_once() -> None:
    item = mail("m1", key="<m1@mail>")
    suggestions = match_items([item, mail("m1-copy", key="<m1@mail>")], addresses().without([ME]))
    tracked_on = {claim_key(item): OTHER}
    tiles = build_timeline(NOW, suggestions, (), record=ACCOUNT, tracked_on=tracked_on)
    assert [(t.id, t.state, t.regarding, t.matched_by) for t in tiles] == [("m1", "tracked", OTHER, ())]
    assert build_timeline(NOW, suggestions, (), record=OTHER, tracked_on=tracked_on) == []
