"""Matching mailbox items against a record's addresses, with the reason for each match."""

from __future__ import annotations

from shared.model import ItemKind, MailItem, MatchReason, RecordRef
from shared.rules import AddressSet, AddressSetBuilder, Suggestion, match_items, names
from tests.builders import ACCOUNT, NOW, mail_item

JANE = RecordRef("contact", "c1")


def addresses() -> AddressSet:
    builder = AddressSetBuilder()
    builder.add(names.PRIMARY_CONTACT, JANE, ["jane@contoso.com"])
    builder.add(names.ACCOUNT_CONTACT, JANE, ["jane@contoso.com"])
    builder.add(names.RECORD_EMAIL, ACCOUNT, ["info@contoso.com", "me@mycorp.example"])
    return builder.build()


def email(
    item_id: str,
    sender: str | None,
    to: tuple[str, ...] = (),
    cc: tuple[str, ...] = (),
    kind: ItemKind = "email",
) -> MailItem:
    return mail_item(item_id, NOW, kind=kind, subject=item_id, sender=sender, to=to, cc=cc)


def reasons(suggestion: Suggestion) -> list[tuple[str, str]]:
    return [(r.address, r.rule) for r in suggestion.matched_by]


def test_email_from_a_related_address_matches() -> None:
    [found] = match_items([email("m1", "info@contoso.com", ("someone@else.example",))], addresses())
    assert reasons(found) == [("info@contoso.com", names.RECORD_EMAIL)]


def test_email_to_a_related_address_matches() -> None:
    [found] = match_items([email("m1", "x@else.example", ("info@contoso.com",))], addresses())
    assert found.item.id == "m1"


def test_email_with_a_related_address_only_in_cc_matches() -> None:
    [found] = match_items(
        [email("m1", "x@else.example", ("y@else.example",), ("info@contoso.com",))], addresses()
    )
    assert reasons(found) == [("info@contoso.com", names.RECORD_EMAIL)]


def test_meeting_organizer_and_attendees_match() -> None:
    by_organizer = email("e1", "info@contoso.com", kind="meeting")
    by_attendee = email("e2", "boss@else.example", ("x@else.example",), ("jane@contoso.com",), kind="meeting")
    found = match_items([by_organizer, by_attendee], addresses())
    assert [s.item.id for s in found] == ["e1", "e2"]


def test_email_with_no_related_address_does_not_match() -> None:
    assert (
        match_items([email("m1", "a@else.example", ("b@else.example",), ("c@else.example",))], addresses())
        == []
    )


def test_addresses_compare_case_insensitively_after_trimming() -> None:
    [found] = match_items([email("m1", "  INFO@Contoso.COM ")], addresses())
    assert reasons(found) == [("info@contoso.com", names.RECORD_EMAIL)]


def test_user_own_address_alone_never_matches_even_when_related_to_the_record() -> None:
    items = [email("m1", "Me@MyCorp.example", ("nobody@else.example",))]
    assert match_items(items, addresses(), own_addresses=["me@mycorp.example"]) == []


def test_user_own_address_is_never_given_as_a_reason() -> None:
    items = [email("m1", "me@mycorp.example", ("info@contoso.com",))]
    [found] = match_items(items, addresses(), own_addresses=[" ME@mycorp.example"])
    assert reasons(found) == [("info@contoso.com", names.RECORD_EMAIL)]


def test_one_reason_per_distinct_address_rule_and_record_in_participant_then_table_order() -> None:
    item = email("m1", "jane@contoso.com", ("info@contoso.com", "JANE@contoso.com"), ("info@contoso.com",))
    [found] = match_items([item], addresses())
    assert found.matched_by == (
        MatchReason("jane@contoso.com", names.PRIMARY_CONTACT, JANE),
        MatchReason("jane@contoso.com", names.ACCOUNT_CONTACT, JANE),
        MatchReason("info@contoso.com", names.RECORD_EMAIL, ACCOUNT),
    )


def test_each_reason_carries_the_record_the_address_came_from() -> None:
    builder = AddressSetBuilder()
    raj = RecordRef("contact", "c2")
    builder.add(names.ACCOUNT_CONTACT, JANE, ["shared@contoso.com"])
    builder.add(names.ACCOUNT_CONTACT, raj, ["Shared@contoso.com"])
    [found] = match_items([email("m1", "shared@contoso.com")], builder.build())
    assert [(m.rule, m.record) for m in found.matched_by] == [
        (names.ACCOUNT_CONTACT, JANE),
        (names.ACCOUNT_CONTACT, raj),
    ]


def test_matches_keep_the_input_order_and_skip_non_matches() -> None:
    items = [
        email("m1", "info@contoso.com"),
        email("m2", "x@else.example"),
        email("m3", "jane@contoso.com"),
        email("m4", None, ()),
    ]
    assert [s.item.id for s in match_items(items, addresses())] == ["m1", "m3"]


def test_empty_address_set_matches_nothing() -> None:
    assert match_items([email("m1", "info@contoso.com")], AddressSet()) == []
