"""Graph JSON → MailItem: tolerant of bad data, exact about windows and time zones."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.mailbox import parse
from shared.mailbox.graph import kql_for


def msg(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "m1",
        "internetMessageId": "<m1@x>",
        "receivedDateTime": "2026-11-20T10:00:00Z",
        "sentDateTime": "2026-11-20T09:59:00Z",
        "from": {"emailAddress": {"name": "Me", "address": "me@contoso.com"}},
        "toRecipients": [{"emailAddress": {"address": "a@x.com"}}, {"emailAddress": {}}, "junk"],
    }
    base.update(overrides)
    return base


def test_missing_key_or_unreadable_date_skips_the_item() -> None:
    assert parse.parse_message(msg(internetMessageId=None), own_addresses=()) is None
    assert (
        parse.parse_message(msg(receivedDateTime="datetime-value", sentDateTime=None), own_addresses=())
        is None
    )
    assert (
        parse.parse_event({"id": "e", "iCalUId": "k", "start": {"dateTime": "x", "timeZone": "UTC"}}) is None
    )
    assert (
        parse.parse_event(
            {"id": "e", "iCalUId": "k", "start": {"dateTime": "2026-01-01T00:00", "timeZone": "Mars"}}
        )
        is None
    )


def test_recipients_without_address_are_dropped() -> None:
    item = parse.parse_message(msg(), own_addresses=())
    assert item is not None and [p.address for p in item.to] == ["a@x.com"]


def test_sent_items_use_the_sent_time_when_the_owner_is_known() -> None:
    item = parse.parse_message(msg(), own_addresses=("me@contoso.com",))
    assert item is not None and item.occurred_at == datetime(2026, 11, 20, 9, 59, tzinfo=UTC)
    received = parse.parse_message(msg(), own_addresses=())
    assert received is not None and received.occurred_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_the_owners_addresses_are_compared_trimmed_and_case_blind() -> None:
    item = parse.parse_message(msg(), own_addresses=(" ME@Contoso.com ",))
    assert item is not None and item.occurred_at == datetime(2026, 11, 20, 9, 59, tzinfo=UTC)


def test_event_start_in_a_windows_zone_is_converted_to_utc() -> None:
    start = {"dateTime": "2026-07-01T09:00:00.0000000", "timeZone": "W. Europe Standard Time"}
    assert parse.parse_zoned(start) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


def test_attachments_need_name_and_size() -> None:
    assert parse.parse_attachment({"name": "a.txt", "size": 3}) is not None
    assert parse.parse_attachment({"name": "a.txt", "size": "3"}) is None
    assert parse.parse_attachment({"size": 3}) is None


def test_kql_covers_the_day_before_the_window_start() -> None:
    since = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)
    assert (
        kql_for(["a@x.com", "b@y.com"], since)
        == '"(participants:a@x.com OR participants:b@y.com) AND received>=2026-11-16"'
    )


def test_own_addresses_are_normalized_and_deduplicated() -> None:
    raw = {
        "mail": "Me@Contoso.com",
        "userPrincipalName": "me@contoso.com",
        "proxyAddresses": ["SMTP:me@contoso.com", "smtp:Alias@Contoso.com", "SIP:me@contoso.com"],
    }
    assert parse.parse_own_addresses(raw) == ("me@contoso.com", "alias@contoso.com")
