"""GraphMailbox (real msgraph-sdk over HTTP), built by a GraphConnector, against the
local Graph server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio

from localdev import graph_json
from localdev.graph_credentials import local_connector
from shared.exceptions import (
    MailboxItemNotFoundError,
    MailboxPermissionDeniedError,
    MailboxThrottledError,
    MailboxUnavailableError,
)
from shared.mailbox import GraphConnector, Mailbox, QueryPolicy
from shared.model import MailItem
from tests.integration.graph_fixtures import (
    JANE,
    NOW,
    GraphServer,
    busy_user,
    event,
    inbox_user,
    message,
    pool,
    serving,
    user_token,
)

ALICE, BOB, BUSY = "a1ce0000-0000-0000-0000-000000000001", "b0b00000-0000-0000-0000-000000000002", "b05y0000"
THROTTLED, DENIED, DOWN = "7h207713-0000", "d3n13d00-0000", "d0wn0000-0000"
PDF = {
    "id": "att1",
    "name": "quote.pdf",
    "size": 2048,
    "contentType": "application/pdf",
    "contentBytes": "JVBERi0=",
}


def alice() -> dict[str, object]:
    messages = [
        message(1, NOW - timedelta(hours=1), JANE, ["alice@contoso.com"], attachments=[PDF]),
        message(2, NOW - timedelta(days=2), "alice@contoso.com", ["bob@northwind.com"], cc=[JANE.upper()]),
        message(3, NOW - timedelta(days=4), JANE, ["alice@contoso.com"]),
        message(4, NOW - timedelta(days=1), "other@example.com", ["alice@contoso.com"]),
        {**message(5, NOW - timedelta(hours=3), JANE, ["alice@contoso.com"]), "internetMessageId": None},
        {
            **message(6, NOW - timedelta(hours=4), JANE, ["alice@contoso.com"]),
            "receivedDateTime": "yesterday!",
        },
    ]
    messages += [
        message(100 + n, NOW - timedelta(minutes=10 + n), "paging@fabrikam.com", ["a@contoso.com"])
        for n in range(12)
    ]
    pacific = event(5, NOW, "alice@contoso.com", [JANE])
    pacific["start"] = {
        "dateTime": (NOW - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%S"),
        "timeZone": "Pacific Standard Time",
    }
    events = [
        event(1, NOW + timedelta(days=1), "alice@contoso.com", [JANE]),
        event(2, NOW - timedelta(days=4), JANE, ["alice@contoso.com"]),
        event(3, NOW + timedelta(days=2), "alice@contoso.com", ["x@contoso.com"], optional=(JANE,)),
        event(4, NOW + timedelta(days=5), JANE, ["alice@contoso.com"]),
        pacific,
    ]
    proxies = ["SMTP:alice@contoso.com", "smtp:Alice.Smith@Contoso.com", "x500:/o=x"]
    return graph_json.mailbox_user(
        ALICE, "alice@contoso.com", messages, events, extra={"proxyAddresses": proxies}
    )


def plain(user_id: str, fault: dict[str, int] | None = None) -> dict[str, object]:
    user = inbox_user(user_id, f"{user_id}@contoso.com")
    if fault:
        user["fault"] = fault
    return user


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    async with serving(
        alice(),
        plain(BOB),
        busy_user(BUSY, "busy@contoso.com"),
        plain(THROTTLED, {"status": 429, "retryAfter": 1}),
        plain(DENIED, {"status": 403}),
        plain(DOWN, {"status": 503, "retryAfter": 1}),
    ) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def connector(graph: GraphServer) -> AsyncIterator[GraphConnector]:
    connector = graph.connector(retry_delay=0.0)
    for user in (ALICE, BOB, BUSY):  # the well-known folder ids, fetched once per mailbox
        await connector.application().list_candidates(user, ["nobody@example.com"], NOW)
    yield connector
    await connector.aclose()


@pytest.fixture
def app_mailbox(connector: GraphConnector) -> Mailbox:
    return connector.application()


async def test_candidates_match_from_to_cc_organizer_and_attendees_within_the_windows(
    connector: GraphConnector,
) -> None:
    async with connector.delegated(user_token(ALICE)) as mailbox:
        items = (await mailbox.list_candidates(ALICE, [" Jane@Fabrikam.com "], NOW)).items
    assert [(i.kind, i.id) for i in items] == [
        ("meeting", "AAMkEvt00003="),
        ("meeting", "AAMkEvt00001="),
        ("meeting", "AAMkEvt00005="),
        ("email", "AAMkMsg00001="),
        ("email", "AAMkMsg00002="),
    ]
    email = next(i for i in items if i.id == "AAMkMsg00001=")
    assert email.key == "<msg1@contoso.com>" and email.sender and email.sender.address == JANE
    assert email.occurred_at == NOW - timedelta(hours=1)
    pacific = next(i for i in items if i.id == "AAMkEvt00005=")
    assert pacific.occurred_at == NOW  # 04:00 Pacific (UTC-8) is 12:00 UTC
    optional = next(i for i in items if i.id == "AAMkEvt00003=")
    assert [p.address for p in optional.cc] == [JANE]


async def test_the_explain_scan_looks_back_30_days_with_the_same_queries(
    graph: GraphServer, connector: GraphConnector
) -> None:
    async with connector.delegated(user_token(ALICE)) as mailbox:
        listed = (await mailbox.list_candidates(ALICE, [JANE], NOW)).items
        graph.stats.reset()
        scan = await mailbox.scan_candidates(ALICE, [JANE], NOW)
    assert graph.stats.requests() == 2  # one $search, one calendarView
    scanned = {i.id for i in scan.items}
    assert {i.id for i in listed} < scanned
    assert "AAMkMsg00003=" in scanned and "AAMkMsg00003=" not in {i.id for i in listed}  # 4 days old
    assert scan.left_out == ()  # the queries select no folder, draft, cancelled or sensitivity yet


async def test_candidates_skip_items_graph_returns_without_key_or_date(connector: GraphConnector) -> None:
    async with connector.delegated(user_token(ALICE)) as mailbox:
        items = (await mailbox.list_candidates(ALICE, [JANE], NOW)).items
    assert not {"AAMkMsg00005=", "AAMkMsg00006="} & {i.id for i in items}


async def test_no_addresses_means_no_request(graph: GraphServer, app_mailbox: Mailbox) -> None:
    graph.stats.reset()
    assert (await app_mailbox.list_candidates(ALICE, [], NOW)).items == []
    assert graph.stats.requests() == 0


@pytest.mark.parametrize("count", [1, 20])
async def test_up_to_twenty_addresses_cost_two_requests(
    graph: GraphServer, app_mailbox: Mailbox, count: int
) -> None:
    graph.stats.reset()
    items = (await app_mailbox.list_candidates(BUSY, pool(count), NOW)).items
    assert graph.stats.requests(BUSY) == 2
    assert items and all(i.occurred_at >= NOW - timedelta(days=3) for i in items)


async def test_150_addresses_search_in_url_sized_chunks_and_find_the_newest_that_every_strategy_finds(
    graph: GraphServer, connector: GraphConnector, app_mailbox: Mailbox
) -> None:
    addresses = pool(150)
    graph.stats.reset()
    chunked = (await app_mailbox.list_candidates(BUSY, addresses, NOW)).items
    # $search chunks of as many addresses as fit in 2,048 bytes of URL, + 1 calendarView
    assert graph.stats.requests(BUSY) <= QueryPolicy().max_search_requests + 1
    assert all(len(url) <= 2048 for _, url in graph.stats.log if "search" in url)
    search, listing = (connector.application(policy=QueryPolicy(strategy=s)) for s in ("search", "window"))
    searched = (await search.list_candidates(BUSY, addresses, NOW)).items
    window = (await listing.list_candidates(BUSY, addresses, NOW)).items
    assert {i.id for i in window} == {i.id for i in searched} and len(window) > 1000

    def newest(items: list[MailItem], n: int = 50) -> list[str]:
        return [i.id for i in sorted(items, key=lambda i: (i.occurred_at, i.id), reverse=True)[:n]]

    assert newest(chunked) == newest(searched)  # the 50 a timeline shows


async def test_never_more_than_four_concurrent_requests_per_mailbox(
    graph: GraphServer, connector: GraphConnector
) -> None:
    mailbox = connector.application(policy=QueryPolicy(strategy="search", search_page_size=1000))
    graph.stats.reset()
    graph.set_latency(0.05)
    try:
        await mailbox.list_candidates(BUSY, pool(150), NOW)
    finally:
        graph.set_latency(0.0)
    assert graph.stats.requests(BUSY) == 9  # 8 search chunks of 20 + calendarView
    assert graph.stats.max_concurrent[BUSY] == 4


async def test_mailboxes_of_one_connector_share_the_limit_of_four_per_mailbox(
    graph: GraphServer, connector: GraphConnector
) -> None:
    policy = QueryPolicy(strategy="search", search_page_size=1000)
    graph.stats.reset()
    graph.set_latency(0.05)
    try:
        async with connector.delegated(user_token(BUSY), policy=policy) as own:
            await asyncio.gather(
                own.list_candidates(BUSY, pool(40), NOW),
                connector.application(policy=policy).list_candidates(BUSY, pool(40), NOW),
            )
    finally:
        graph.set_latency(0.0)
    assert graph.stats.requests(BUSY) == 6  # each: 2 search chunks of 20 + calendarView
    assert graph.stats.max_concurrent[BUSY] == 4


async def test_next_links_are_followed(graph: GraphServer, connector: GraphConnector) -> None:
    mailbox = connector.application(policy=QueryPolicy(search_page_size=5, event_page_size=2))
    graph.stats.reset()
    items = (await mailbox.list_candidates(ALICE, ["paging@fabrikam.com"], NOW)).items
    assert len(items) == 12
    assert graph.stats.requests(ALICE) == 3 + 2  # 12 emails by 5, 3 meetings by 2


async def test_a_page_cap_that_still_bites_after_splitting_is_reported(
    graph: GraphServer, connector: GraphConnector
) -> None:
    # 12 mails of one address within one day, 5 a page, 2 pages a query: splitting the
    # days cannot help, so the newest 10 are kept and the cap is reported.
    mailbox = connector.application(policy=QueryPolicy(search_page_size=5, max_pages=2))
    graph.stats.reset()
    found = await mailbox.list_candidates(ALICE, ["paging@fabrikam.com"], NOW)
    assert len(found.items) == 10 and found.capped == ("messages",)
    # first query, then the days split in halves at most `max_splits` deep (2 pages each)
    assert graph.stats.requests(ALICE) <= 2 * (1 + 2 + 2 + 2) + 1


async def test_get_item_has_body_and_attachment_metadata_but_no_content(app_mailbox: Mailbox) -> None:
    detail = await app_mailbox.get_item(ALICE, "email", "AAMkMsg00001=")
    assert detail.item.key == "<msg1@contoso.com>"
    assert detail.body == "<html><body>Body 1</body></html>" and detail.body_content_type == "html"
    assert [(a.name, a.size, a.content_type) for a in detail.attachments] == [
        ("quote.pdf", 2048, "application/pdf")
    ]


async def test_get_item_of_a_meeting_has_end_and_location(app_mailbox: Mailbox) -> None:
    detail = await app_mailbox.get_item(ALICE, "meeting", "AAMkEvt00001=")
    assert detail.item.kind == "meeting" and detail.location == "Room 1"
    assert detail.end_at == NOW + timedelta(days=1, hours=1)


async def test_get_summary_proves_the_item_is_in_that_mailbox(app_mailbox: Mailbox) -> None:
    summary = await app_mailbox.get_summary(ALICE, "email", "AAMkMsg00002=")
    assert summary.subject == "Subject 2" and summary.cc[0].address == JANE.upper()
    with pytest.raises(MailboxItemNotFoundError):
        await app_mailbox.get_summary(BOB, "email", "AAMkMsg00002=")


@pytest.mark.parametrize("item_id", ["AAMkNope=", "../../users", ""])
async def test_unknown_or_malformed_item_is_not_found(app_mailbox: Mailbox, item_id: str) -> None:
    with pytest.raises(MailboxItemNotFoundError):
        await app_mailbox.get_item(ALICE, "email", item_id)


async def test_own_addresses_include_smtp_proxies(connector: GraphConnector) -> None:
    async with connector.delegated(user_token(ALICE)) as own:  # the user's own profile: User.Read
        assert await own.get_own_addresses(ALICE) == ("alice@contoso.com", "alice.smith@contoso.com")


async def test_the_app_cannot_read_the_owners_profile_without_a_tenant_wide_role(
    app_mailbox: Mailbox,
) -> None:
    with pytest.raises(MailboxPermissionDeniedError):  # GET /users/{id} app-only: User.Read.All
        await app_mailbox.get_own_addresses(ALICE)


async def test_a_sent_mail_is_dated_by_its_sent_time_only_with_the_owners_addresses(
    app_mailbox: Mailbox, connector: GraphConnector
) -> None:
    received = NOW - timedelta(days=2)  # message 2, sent by alice 5 s before
    before = await app_mailbox.get_item(ALICE, "email", "AAMkMsg00002=")
    async with connector.delegated(user_token(ALICE)) as mine:
        own = await mine.get_own_addresses(ALICE)
    dated = await app_mailbox.get_item(ALICE, "email", "AAMkMsg00002=", own_addresses=own)
    listed = (await app_mailbox.list_candidates(ALICE, [JANE], NOW, own_addresses=own)).items
    after = await app_mailbox.get_item(ALICE, "email", "AAMkMsg00002=")
    assert dated.item.occurred_at == received - timedelta(seconds=5)
    assert next(i for i in listed if i.id == "AAMkMsg00002=").occurred_at == received - timedelta(seconds=5)
    # nothing is remembered between calls: the same read gives the same item
    assert before.item.occurred_at == after.item.occurred_at == received


async def test_delegated_token_cannot_read_another_users_mailbox(connector: GraphConnector) -> None:
    async with connector.delegated(user_token(BOB)) as mailbox:
        assert len((await mailbox.list_candidates(BOB, [JANE], NOW)).items) == 1
        with pytest.raises(MailboxPermissionDeniedError):
            await mailbox.list_candidates(ALICE, [JANE], NOW)


async def test_throttling_is_retried_honouring_retry_after_then_surfaced(
    graph: GraphServer, app_mailbox: Mailbox
) -> None:
    graph.stats.reset()
    started = time.monotonic()
    with pytest.raises(MailboxThrottledError) as raised:
        await app_mailbox.get_summary(THROTTLED, "email", "AAMkMsg00001=")
    assert graph.stats.requests(THROTTLED) == 4  # first attempt + 3 retries
    assert time.monotonic() - started >= 3  # Retry-After: 1, three times
    assert raised.value.retry_after == 1 and raised.value.transient


async def test_a_short_throttling_burst_is_absorbed_by_the_retries(
    graph: GraphServer, app_mailbox: Mailbox
) -> None:
    graph.set_fault(BOB, {"status": 429, "retryAfter": 1, "times": 1})
    summary = await app_mailbox.get_summary(BOB, "email", "AAMkMsg00001=")
    assert summary.id == "AAMkMsg00001="


async def test_forbidden_is_permission_denied(app_mailbox: Mailbox) -> None:
    with pytest.raises(MailboxPermissionDeniedError):
        await app_mailbox.list_candidates(DENIED, [JANE], NOW)


async def test_outage_after_retries_is_unavailable(app_mailbox: Mailbox) -> None:
    with pytest.raises(MailboxUnavailableError):
        await app_mailbox.get_item(DOWN, "email", "AAMkMsg00001=")


async def test_unreachable_graph_is_unavailable(graph: GraphServer) -> None:
    connector = local_connector(graph.config(graph_base_url="http://127.0.0.1:9/v1.0"), max_retries=0)
    try:
        with pytest.raises(MailboxUnavailableError):
            await connector.application().get_item(ALICE, "email", "AAMkMsg00001=")
    finally:
        await connector.aclose()
