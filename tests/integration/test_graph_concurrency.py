"""The local Graph server enforces Graph's per-app, per-mailbox concurrency limit (4), with
Graph's 429 ``ApplicationThrottled`` / MailboxConcurrency answer; our client stays within it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tests.integration.graph_fixtures import GraphServer, app_token, graph_user_token, inbox_user, serving

OWNER = "c0nc"
pytestmark = pytest.mark.integration


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    async with serving(inbox_user(OWNER, f"{OWNER}@contoso.com", range(3))) as server:
        yield server


async def _burst(graph: GraphServer, token: str, count: int) -> list[tuple[int, dict, dict]]:
    headers = {"Authorization": f"Bearer {token}"}

    async def one(session: aiohttp.ClientSession) -> tuple[int, dict, dict]:
        async with session.get(f"{graph.base_url}/users/{OWNER}/messages", headers=headers) as r:
            return r.status, dict(r.headers), await r.json()

    async with aiohttp.ClientSession() as session:
        return list(await asyncio.gather(*(one(session) for _ in range(count))))


@pytest.mark.asyncio(loop_scope="session")
async def test_a_fifth_concurrent_request_of_one_app_on_one_mailbox_gets_graphs_429(graph):
    graph.set_latency(0.3)
    try:
        answers = await _burst(graph, app_token(), 6)
    finally:
        graph.set_latency(0)

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200, 200, 200, 200, 429, 429]
    for status, headers, body in answers:
        if status == 429:
            assert body["error"]["code"] == "ApplicationThrottled"
            assert "MailboxConcurrency" in body["error"]["message"]
            assert int(headers["Retry-After"]) >= 1
            assert headers["RateLimit-Exceeded"] == "MailboxConcurrency"


@pytest.mark.asyncio(loop_scope="session")
async def test_four_at_a_time_or_one_by_one_never_hits_the_limit(graph):
    graph.set_latency(0.2)
    try:
        answers = await _burst(graph, app_token(), 4)
        answers += await _burst(graph, graph_user_token(OWNER), 1)  # a delegated Graph token
    finally:
        graph.set_latency(0)
    assert {status for status, _, _ in answers} == {200}
