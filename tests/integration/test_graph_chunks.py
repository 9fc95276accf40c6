"""The chunked ``$search`` of a big account (real msgraph-sdk against the local Graph
server): each chunk's first page asks for its share of the 50, and only a chunk that may
still hold one of the newest 50 pages on, so the merge is exactly the newest 50."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest_asyncio

from shared.mailbox import Candidates, GraphConnector, QueryPolicy
from shared.model import MailItem
from tests.integration.graph_fixtures import NOW, GraphServer, busy_user, message, pool, serving

EVEN, SKEWED = "e7e70000-0000", "5ce70000-0000"
ADDRESSES = pool(150)


def skewed() -> dict[str, Any]:
    """A busy mailbox whose newest 80 mails all involve the first 10 addresses (one chunk),
    15 of those drafts: that chunk alone holds the newest 50 suggestions."""
    user = busy_user(SKEWED, "skewed@contoso.com", count=1500, seed=3)
    upn = user["userPrincipalName"]
    for n in range(80):
        mail = message(90_000 + n, NOW - timedelta(seconds=30 + n), ADDRESSES[n % 10], [upn])
        user["messages"].append({**mail, "isDraft": True} if n % 5 == 2 else mail)
    return user


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    async with serving(busy_user(EVEN, "even@contoso.com"), skewed()) as server:
        yield server


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def connector(graph: GraphServer) -> AsyncIterator[GraphConnector]:
    connector = graph.connector(retry_delay=0.0)
    for user in (EVEN, SKEWED):  # the well-known folder ids, fetched once per mailbox
        await connector.application().list_candidates(user, ["nobody@example.com"], NOW)
    yield connector
    await connector.aclose()


def newest(items: list[MailItem], n: int = 50) -> list[str]:
    emails = [i for i in items if i.kind == "email"]
    return [i.id for i in sorted(emails, key=lambda i: (i.occurred_at, i.id), reverse=True)[:n]]


async def every_result(connector: GraphConnector, user: str) -> list[MailItem]:
    mailbox = connector.application(policy=QueryPolicy(strategy="search", search_page_size=1000))
    return list((await mailbox.list_candidates(user, ADDRESSES, NOW)).items)


async def chunked(
    graph: GraphServer, connector: GraphConnector, user: str
) -> tuple[Candidates, list[str], int]:
    """The big account's candidates in ``user``'s mailbox, the ``$search`` URLs and the
    Graph requests that took."""
    graph.stats.reset()
    found = await connector.application().list_candidates(user, ADDRESSES, NOW)
    return found, [url for _, url in graph.stats.log if "search" in url], graph.stats.requests(user)


async def test_evenly_spread_mail_needs_one_first_page_per_chunk_of_its_share(
    graph: GraphServer, connector: GraphConnector
) -> None:
    found, urls, requests = await chunked(graph, connector, EVEN)
    chunks = len(urls)
    assert 2 <= chunks <= QueryPolicy().max_search_requests
    assert requests == chunks + 1  # one page per chunk, and the calendarView
    top = math.ceil(QueryPolicy().chunk_need * QueryPolicy().chunk_share / chunks)
    assert all(u.endswith(f"&$top={top}") for u in urls), urls[0][-80:]
    assert newest(list(found.items)) == newest(await every_result(connector, EVEN))
    assert found.capped == ()


async def test_a_chunk_holding_the_newest_mail_and_drafts_pages_on_and_the_merge_is_exact(
    graph: GraphServer, connector: GraphConnector
) -> None:
    found, urls, requests = await chunked(graph, connector, SKEWED)
    first_pages = [u for u in urls if "skiptoken" not in u]
    further = [u for u in urls if "skiptoken" in u]
    shown = newest(list(found.items))
    assert shown == newest(await every_result(connector, SKEWED))
    assert len(shown) == 50
    drafts = {f"AAMkMsg{90_000 + n:05d}=" for n in range(80) if n % 5 == 2}
    assert not drafts & {i.id for i in found.items}
    # the chunk with the newest mail (the first 10 addresses) paged on; the others stopped
    assert further and all(ADDRESSES[0] in unquote(u) for u in further)
    assert len({unquote(u).split("&$top")[0] for u in further}) == 1
    assert requests == len(first_pages) + len(further) + 1
