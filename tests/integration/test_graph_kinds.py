"""The mailbox as it really is, through msgraph-sdk against the local Graph server:
folders, drafts, chats, cancelled/private/declined meetings, a weekly series, any
address. Both query strategies give the same answer on the same mailbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from shared.mailbox import GraphConnector, QueryPolicy
from tests.integration.graph_fixtures import NOW, GraphServer, app_token, event, message, pool, serving

OWNER, FLOOD = "k1nd5000-0000", "f100d000-0000"
ME, CUSTOMER, OBRIEN, DARCY = (
    "kinds@contoso.com",
    "cust@fabrikam.com",
    "o'brien@fabrikam.com",
    "d'arcy@fabrikam.com",
)
FOLDERS = [
    {"id": "AAMkFldCustomers=", "displayName": "Customers", "parentFolderId": "inbox"},
    {"id": "AAMkFldProjects=", "displayName": "Projects"},
    {"id": "AAMkFldChats=", "displayName": "TeamsMessagesData", "isHidden": True},
    {"id": "AAMkFldOld=", "displayName": "Old", "parentFolderId": "deleteditems"},
]
#: tag -> (folder, isDraft, kept)
MAIL = {
    "inbox": (None, False, True),
    "customers": ("AAMkFldCustomers=", False, True),
    "projects": ("AAMkFldProjects=", False, True),
    "archive": ("archive", False, True),
    "draft": ("drafts", True, False),
    "junk": ("junkemail", False, False),
    "deleted": ("deleteditems", False, False),
    "old": ("AAMkFldOld=", False, False),
    "outbox": ("outbox", False, False),
    "conversation": ("conversationhistory", False, False),
    "chat": ("AAMkFldChats=", False, False),
    "syncissues": ("syncissues", False, False),
}
#: tag -> (extra event fields, kept)
MEETINGS: dict[str, tuple[dict[str, Any], bool]] = {
    "meeting": ({}, True),
    "cancelled": ({"isCancelled": True}, False),
    "private": ({"sensitivity": "private"}, False),
    "confidential": ({"sensitivity": "confidential"}, False),
    "declined": ({"responseStatus": {"response": "declined", "time": "2026-11-19T08:00:00Z"}}, False),
}
WEEKLY = "AAMkSeriesWeekly="
#: Wednesdays and Fridays 10:00 UTC; NOW is Friday 2026-11-20 12:00: the window holds two.
OCCURRENCE_STARTS = [NOW.replace(hour=10), NOW.replace(hour=10) - timedelta(days=2)]


def mail_id(tag: str) -> str:
    return f"AAMkMail{tag.title()}="


def kinds_user() -> dict[str, Any]:
    messages = []
    for n, (tag, (folder, draft, _)) in enumerate(MAIL.items()):
        raw = message(n, NOW - timedelta(hours=1 + n), CUSTOMER, [ME])
        raw.update(id=mail_id(tag), isDraft=draft)
        if folder is not None:
            raw["parentFolderId"] = folder
        messages.append(raw)
    sent = message(50, NOW - timedelta(hours=30), ME, [CUSTOMER])
    messages.append({**sent, "id": mail_id("sent")})
    for n, who in ((60, OBRIEN), (61, DARCY)):
        messages.append(
            {**message(n, NOW - timedelta(hours=5), who, [ME]), "id": mail_id(who.split("@")[0][:3])}
        )
    events = []
    for n, (tag, (extra, _)) in enumerate(MEETINGS.items()):
        raw = event(n, NOW + timedelta(hours=3 + n), ME, [CUSTOMER])
        raw.update(id=f"AAMkEvt{tag.title()}=", **extra)
        events.append(raw)
    weekly = event(99, NOW.replace(hour=10) - timedelta(days=23), ME, [CUSTOMER])  # a Wednesday
    weekly.update(
        id=WEEKLY,
        type="seriesMaster",
        recurrence={
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "daysOfWeek": ["wednesday", "friday"],
                "firstDayOfWeek": "sunday",
            },
            "range": {
                "type": "noEnd",
                "startDate": (NOW - timedelta(days=23)).date().isoformat(),
                "recurrenceTimeZone": "UTC",
            },
        },
    )
    events.append(weekly)
    return {
        "id": OWNER,
        "userPrincipalName": ME,
        "mail": ME,
        "mailFolders": FOLDERS,
        "messages": messages,
        "events": events,
    }


def flood_user() -> dict[str, Any]:
    """1,200 mails of one address in the window (over $search's 1,000) and 12 meetings."""
    messages = [
        message(n, NOW - timedelta(minutes=5 + 3 * n), CUSTOMER, ["flood@contoso.com"]) for n in range(1200)
    ]
    events = [event(n, NOW + timedelta(hours=n), "flood@contoso.com", [CUSTOMER]) for n in range(12)]
    return {"id": FLOOD, "userPrincipalName": "flood@contoso.com", "messages": messages, "events": events}


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    async with serving(kinds_user(), flood_user()) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def connector(graph: GraphServer) -> AsyncIterator[GraphConnector]:
    connector = graph.connector(retry_delay=0.0)
    yield connector
    await connector.aclose()


EXPECTED_MAIL = {mail_id(t) for t, (_, _, kept) in MAIL.items() if kept} | {mail_id("sent")}
EXPECTED_MEETINGS = {f"AAMkEvt{t.title()}=" for t, (_, kept) in MEETINGS.items() if kept}


@pytest.mark.parametrize("strategy", ["auto", "search", "window"])
@pytest.mark.parametrize("count", [1, 60])
async def test_only_correspondence_is_a_candidate_whatever_the_strategy(
    connector: GraphConnector, strategy: str, count: int
) -> None:
    addresses = [CUSTOMER, *pool(count - 1)]
    found = await connector.application(policy=QueryPolicy(strategy=strategy)).list_candidates(
        OWNER, addresses, NOW
    )
    ids = {i.id for i in found.items}
    assert {i for i in ids if i.startswith("AAMkMail")} == EXPECTED_MAIL
    assert {
        i for i in ids if not i.startswith("AAMkMail") and WEEKLY.rstrip("=") not in i
    } == EXPECTED_MEETINGS
    assert len([i for i in ids if i.startswith(WEEKLY.rstrip("="))]) == 2
    reasons = {o.item.id: o.reason for o in found.left_out}
    assert reasons[mail_id("draft")] == "DRAFT" and reasons[mail_id("chat")] == "FOLDER"
    assert reasons["AAMkEvtCancelled="] == "CANCELLED" and reasons["AAMkEvtPrivate="] == "PRIVATE"
    assert reasons["AAMkEvtDeclined="] == "DECLINED" and not found.capped


@pytest.mark.parametrize("addresses", [[OBRIEN], [OBRIEN, DARCY], [OBRIEN, DARCY, CUSTOMER]])
async def test_an_address_with_an_apostrophe_finds_its_mail(
    connector: GraphConnector, addresses: list[str]
) -> None:
    found = await connector.application(policy=QueryPolicy(strategy="search")).list_candidates(
        OWNER, addresses, NOW
    )
    ids = {i.id for i in found.items}
    assert mail_id("o'b") in ids and (DARCY not in addresses or mail_id("d'a") in ids)


async def test_each_occurrence_of_a_weekly_series_is_its_own_stable_candidate(
    connector: GraphConnector,
) -> None:
    mailbox = connector.application()
    first = await mailbox.list_candidates(OWNER, [CUSTOMER], NOW)
    again = await mailbox.list_candidates(OWNER, [CUSTOMER], NOW)
    occurrences = [i for i in first.items if i.id.startswith(WEEKLY.rstrip("="))]
    assert [i.occurred_at for i in occurrences] == OCCURRENCE_STARTS
    assert len({i.key for i in occurrences}) == 2 and len({i.id for i in occurrences}) == 2
    same = [i for i in again.items if i.id.startswith(WEEKLY.rstrip("="))]
    assert [(i.id, i.key) for i in same] == [(i.id, i.key) for i in occurrences]
    for item in occurrences:  # what Track reads: the occurrence itself, by its id
        summary = await mailbox.get_summary(OWNER, "meeting", item.id)
        assert (summary.key, summary.occurred_at) == (item.key, item.occurred_at)


async def test_search_over_graphs_1000_result_cap_is_split_and_loses_nothing(
    graph: GraphServer, connector: GraphConnector
) -> None:
    found = await connector.application().list_candidates(FLOOD, [CUSTOMER], NOW)
    assert len([i for i in found.items if i.kind == "email"]) == 1200 and not found.capped
    capped = await connector.application(policy=QueryPolicy(max_splits=0)).list_candidates(
        FLOOD, [CUSTOMER], NOW
    )
    assert len([i for i in capped.items if i.kind == "email"]) == 1000 and capped.capped == ("messages",)


async def test_a_capped_calendar_view_goes_on_from_the_latest_start(connector: GraphConnector) -> None:
    policy = QueryPolicy(event_page_size=2, max_pages=2)
    found = await connector.application(policy=policy).list_candidates(FLOOD, [CUSTOMER], NOW)
    assert len([i for i in found.items if i.kind == "meeting"]) == 12 and not found.capped


async def raw_search(graph: GraphServer, value: str) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {app_token()}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        url = f"{graph.base_url}/users/{OWNER}/messages"
        async with session.get(url, params={"$search": value, "$select": "id", "$top": "100"}) as r:
            return r.status, await r.json()


async def test_the_server_reads_kql_quotes_and_apostrophes_as_outlook_does(graph: GraphServer) -> None:
    status, body = await raw_search(graph, f'"participants:{OBRIEN}"')
    assert status == 400 and body["error"]["code"] == "BadRequest"  # one apostrophe opens a phrase
    status, body = await raw_search(graph, f'"participants:{OBRIEN} OR participants:{DARCY}"')
    assert status == 200 and body["value"] == []  # two pair up: silently nothing
    status, body = await raw_search(graph, f'"participants:\\"{OBRIEN}\\" OR participants:\\"{DARCY}\\""')
    assert status == 200 and len(body["value"]) == 2
    status, _ = await raw_search(graph, f'"participants:"{OBRIEN}""')
    assert status == 400  # an unescaped inner double quote
    status, body = await raw_search(graph, '"participants:cust*"')
    assert status == 200 and len(body["value"]) == len(MAIL) + 1  # a trailing * is a prefix
    status, body = await raw_search(graph, f'"participants:-{CUSTOMER}"')
    assert status == 200 and {m["id"] for m in body["value"]} == {mail_id("o'b"), mail_id("d'a")}
