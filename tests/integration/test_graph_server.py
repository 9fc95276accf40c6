"""The local Graph server refuses what Graph refuses, with Graph's error JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.integration.graph_fixtures import (
    NOW,
    GraphServer,
    app_token,
    graph_user_token,
    inbox_user,
    serving,
    user_token,
)

ALICE, BOB = "a1ce", "b0b0"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    users = [inbox_user(uid, f"{uid}@contoso.com", range(15)) for uid in (ALICE, BOB)]
    async with serving(*users) as server:
        yield server


async def get(graph: GraphServer, path: str, token: str | None = None, **params: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token or app_token()}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(graph.base_url + path, params=params, headers=headers) as r,
    ):
        return r.status, await r.json()


def assert_graph_error(status: int, body: Any, want_status: int, want_code: str) -> None:
    assert status == want_status, body
    assert set(body) == {"error"} and body["error"]["code"] == want_code
    assert body["error"]["message"] and {"date", "request-id", "client-request-id"} <= set(
        body["error"]["innerError"]
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {"$filter": "toRecipients/any(r:r/emailAddress/address eq 'a@b.com')"},
            "ErrorInvalidUrlQueryFilter",
        ),
        ({"$filter": "contains(subject,'x')"}, "ErrorInvalidUrlQueryFilter"),
        ({"$search": '"participants:a@b.com"', "$filter": "isRead eq false"}, "ErrorInvalidUrlQuery"),
        ({"$search": '"participants:a@b.com"', "$orderby": "receivedDateTime desc"}, "ErrorInvalidUrlQuery"),
        ({"$search": "participants:a@b.com"}, "BadRequest"),
        ({"$filter": "isRead eq false", "$orderby": "receivedDateTime desc"}, "InefficientFilter"),
        ({"$top": "1001"}, "BadRequest"),
        ({"$top": "0"}, "BadRequest"),
        ({"$frobnicate": "1"}, "BadRequest"),
        ({"$select": "subject,nope"}, "RequestBroker--ParseUri"),
    ],
)
async def test_unsupported_queries_are_refused_like_graph(
    graph: GraphServer, params: dict[str, str], code: str
) -> None:
    status, body = await get(graph, f"/users/{ALICE}/messages", **params)
    assert_graph_error(status, body, 400, code)


async def test_calendar_view_needs_a_time_window(graph: GraphServer) -> None:
    status, body = await get(graph, f"/users/{ALICE}/calendarView", startDateTime="2026-11-01T00:00:00Z")
    assert_graph_error(status, body, 400, "ErrorInvalidParameter")


async def test_filter_with_matching_orderby_is_accepted_and_paged_with_absolute_next_links(
    graph: GraphServer,
) -> None:
    params = {
        "$filter": f"receivedDateTime ge {(NOW - timedelta(hours=11)).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "$orderby": "receivedDateTime desc",
        "$top": "5",
        "$select": "subject",
    }
    status, body = await get(graph, f"/users/{ALICE}/messages", **params)
    assert (
        status == 200
        and len(body["value"]) == 5
        and set(body["value"][0]) == {"@odata.etag", "id", "subject"}
    )
    assert body["@odata.nextLink"].startswith(graph.base_url + f"/users/{ALICE}/messages?")
    async with (
        aiohttp.ClientSession() as session,
        session.get(body["@odata.nextLink"], headers={"Authorization": f"Bearer {app_token()}"}) as r,
    ):
        page2 = await r.json()
    assert len(page2["value"]) == 5 and "@odata.nextLink" in page2  # 12 match: 5 + 5 + 2


async def test_delegated_token_reads_only_its_own_mailbox(graph: GraphServer) -> None:
    status, _ = await get(graph, "/me/messages", token=graph_user_token(ALICE))
    assert status == 200
    status, body = await get(graph, f"/users/{BOB}/messages", token=graph_user_token(ALICE))
    assert_graph_error(status, body, 403, "ErrorAccessDenied")


async def test_a_token_for_another_api_is_refused_as_graph_refuses_it(graph: GraphServer) -> None:
    status, body = await get(graph, "/me/messages", token=user_token(ALICE))  # aud: the API's own
    assert_graph_error(status, body, 401, "InvalidAuthenticationToken")
    assert "audience" in body["error"]["message"]


@pytest.mark.parametrize(
    ("path", "roles"),
    [
        ("/messages", ("Calendars.Read", "User.Read.All")),
        ("/messages/AAMkMsg00001=", ("Calendars.Read",)),
        ("/events", ("Mail.Read",)),
        ("/calendarView", ("Mail.Read",)),
    ],
)
async def test_an_app_only_call_without_the_role_of_its_endpoint_is_refused(
    graph: GraphServer, path: str, roles: tuple[str, ...]
) -> None:
    status, body = await get(graph, f"/users/{BOB}{path}", token=app_token(roles))
    assert_graph_error(status, body, 403, "ErrorAccessDenied")


async def test_reading_a_user_app_only_needs_user_read_all(graph: GraphServer) -> None:
    status, body = await get(graph, f"/users/{BOB}", token=app_token())  # Mail.Read, Calendars.Read
    assert_graph_error(status, body, 403, "Authorization_RequestDenied")
    status, _ = await get(graph, f"/users/{BOB}", token=app_token(("User.Read.All",)))
    assert status == 200


async def test_a_user_reads_their_own_profile_with_user_read_and_nobody_elses(graph: GraphServer) -> None:
    status, body = await get(graph, f"/users/{ALICE}", token=graph_user_token(ALICE), **{"$select": "mail"})
    assert status == 200 and body["mail"] == f"{ALICE}@contoso.com"
    status, body = await get(graph, f"/users/{BOB}", token=graph_user_token(ALICE))
    assert_graph_error(status, body, 403, "Authorization_RequestDenied")


@pytest.mark.parametrize(
    ("path", "scopes"),
    [("/messages", "Calendars.Read User.Read"), ("/calendarView", "Mail.Read"), ("", "Mail.Read")],
)
async def test_a_delegated_call_without_the_scope_is_refused(
    graph: GraphServer, path: str, scopes: str
) -> None:
    status, body = await get(graph, f"/users/{ALICE}{path}", token=graph_user_token(ALICE, scopes))
    assert status == 403 and body["error"]["code"] in ("ErrorAccessDenied", "Authorization_RequestDenied")


@pytest.mark.parametrize("token", ["", "not-a-jwt"])
async def test_missing_or_bad_token_is_401(graph: GraphServer, token: str) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(graph.base_url + "/me/messages", headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        assert_graph_error(r.status, await r.json(), 401, "InvalidAuthenticationToken")


async def test_admin_endpoints_count_and_reset(graph: GraphServer) -> None:
    async with aiohttp.ClientSession() as session:
        await session.post(str(graph.server.make_url("/_admin/reset")))
        await get(graph, f"/users/{BOB}")
        async with session.get(str(graph.server.make_url("/_admin/stats"))) as r:
            stats = await r.json()
    assert stats["users"][BOB]["requests"] == 1 and stats["total"] == 1
