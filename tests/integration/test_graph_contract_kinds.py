"""Contract for folders and recurring series: the same checks on Microsoft's documented
payloads (tests/events) and on the local server's answers."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest_asyncio

from localdev import graph_json
from shared.mailbox import parse
from shared.mailbox.correspondence import FOLDER, Folder, FolderMap
from tests.integration.graph_fixtures import GraphServer, app_token, recorded, serving
from tests.integration.test_graph_contract import FOLDERS, MESSAGE, OWNER, SERIES, WELL_KNOWN, folder_entries

HIDDEN = recorded("mailfolders-list-hidden")["response"]["body"]["value"]
INSTANCES = recorded("event-instances")["response"]["body"]["value"]
ROOT = FOLDERS[0]["parentFolderId"]
DRAFTS = next(f["id"] for f in FOLDERS if f["displayName"] == "Drafts")
DIGESTS = next(
    f["id"] for f in FOLDERS if f["displayName"] == "Weekly digests"
)  # a search folder in the Inbox
#: Mondays, Wednesdays and Fridays at 17:00 Eastern (21:00 UTC in August 2017).
WEEK = (datetime(2017, 8, 14, 12, tzinfo=UTC), datetime(2017, 8, 21, 12, tzinfo=UTC))
OCCURRENCES = [datetime(2017, 8, d, 21, tzinfo=UTC) for d in (14, 16, 18)]


def recorded_map() -> FolderMap:
    ids = {WELL_KNOWN[f["displayName"]]: f["id"] for f in FOLDERS if f["displayName"] in WELL_KNOWN}
    folders = {f["id"]: Folder(f["id"], f["parentFolderId"], f["isHidden"]) for f in FOLDERS + HIDDEN[:1]}
    return FolderMap({**ids, "msgfolderroot": ROOT}, folders)


def check_folder_verdicts(known: FolderMap) -> None:
    assert known.verdict(MESSAGE["parentFolderId"]) == (None, None)  # the Inbox
    assert known.verdict(DIGESTS) == (None, None)
    for name in ("Drafts", "Deleted Items", "Junk Email", "Outbox", "Conversation History"):
        folder_id = next(f["id"] for f in FOLDERS if f["displayName"] == name)
        assert known.verdict(folder_id) == (FOLDER, None), name


def check_occurrences(events: list[dict[str, Any]]) -> None:
    assert {k for k in INSTANCES[0] if not k.startswith("@")} <= set(events[0])
    assert [e["type"] for e in events] == ["occurrence"] * len(OCCURRENCES)
    assert {e["seriesMasterId"] for e in events} == {SERIES["id"]}
    items = [parse.parse_event(e) for e in events]
    assert [i.occurred_at for i in items if i] == OCCURRENCES
    assert len({i.key for i in items if i}) == len(OCCURRENCES)  # a key per occurrence
    assert len({i.id for i in items if i}) == len(OCCURRENCES)


def test_recorded_folders_decide_which_mail_is_correspondence() -> None:
    check_folder_verdicts(recorded_map())
    clutter = HIDDEN[0]
    assert recorded_map().verdict(clutter["id"]) == (FOLDER, None)  # hidden


def test_recorded_message_and_series_carry_the_fields_we_filter_on() -> None:
    message = parse.parse_message(MESSAGE, own_addresses=())
    assert message is not None and message.folder_id == MESSAGE["parentFolderId"] and not message.is_draft
    series = parse.parse_event(SERIES)
    assert series is not None and not series.is_cancelled
    assert series.sensitivity == "normal" and series.response == "organizer"
    assert {"seriesMasterId", "type", "start", "end"} <= set(INSTANCES[0])


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    message = {k: v for k, v in copy.deepcopy(MESSAGE).items() if k != "@odata.context"}
    draft = {**copy.deepcopy(message), "id": "AAMkDraftCopy=", "parentFolderId": "drafts", "isDraft": True}
    user = graph_json.mailbox_user(
        OWNER,
        "admin@contoso.com",
        [message, draft],
        [copy.deepcopy(SERIES)],
        extra={"mailFolders": folder_entries()},
    )
    async with serving(user) as server:
        yield server


async def get(graph: GraphServer, path: str) -> Any:
    headers = {"Authorization": f"Bearer {app_token()}", "Prefer": 'outlook.timezone="UTC"'}
    url = f"{graph.base_url}/users/{OWNER}{path}"
    async with aiohttp.ClientSession(headers=headers) as session, session.get(url) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_server_lists_the_recorded_folders_with_graphs_keys(graph: GraphServer) -> None:
    served = {f["id"]: f for f in (await get(graph, "/mailFolders?$top=100"))["value"]}
    for folder in (f for f in FOLDERS if f["id"] != DIGESTS):  # a search folder: not modelled
        assert folder["id"] in served, folder["displayName"]
        assert set(folder) <= set(served[folder["id"]])
        assert served[folder["id"]]["parentFolderId"] == folder["parentFolderId"]
    drafts = await get(graph, "/mailFolders/drafts?$select=id")
    assert drafts["id"] == DRAFTS
    hidden = (await get(graph, "/mailFolders?includeHiddenFolders=true&$top=100"))["value"]
    assert any(f["isHidden"] for f in hidden) and not any(f["isHidden"] for f in served.values())


async def test_server_folders_give_the_same_verdicts(graph: GraphServer) -> None:
    folders = (await get(graph, "/mailFolders?includeHiddenFolders=true&$top=100"))["value"]
    folders.append({"id": DIGESTS, "parentFolderId": MESSAGE["parentFolderId"], "isHidden": False})
    ids = {
        n: (await get(graph, f"/mailFolders/{n}?$select=id"))["id"]
        for n in (*WELL_KNOWN.values(), "msgfolderroot")
    }
    check_folder_verdicts(
        FolderMap(ids, {f["id"]: Folder(f["id"], f["parentFolderId"], f["isHidden"]) for f in folders})
    )


async def test_server_expands_the_recorded_series_like_graph(graph: GraphServer) -> None:
    start, end = (m.strftime("%Y-%m-%dT%H:%M:%SZ") for m in WEEK)
    view = await get(graph, f"/calendarView?startDateTime={start}&endDateTime={end}&$orderby=start/dateTime")
    check_occurrences(view["value"])
    listed = (await get(graph, "/events"))["value"]
    assert [e["type"] for e in listed] == ["seriesMaster"] and listed[0]["recurrence"] == SERIES["recurrence"]
    one = await get(graph, f"/events/{view['value'][1]['id']}")
    assert one["iCalUId"] == view["value"][1]["iCalUId"] and one["start"] == view["value"][1]["start"]


async def test_through_the_sdk_the_draft_is_left_out_and_occurrences_are_candidates(
    graph: GraphServer,
) -> None:
    connector = graph.connector()
    try:
        mailbox = connector.application()
        mail = await mailbox.list_candidates(OWNER, ["AlexW@contoso.com"], datetime(2017, 12, 28, tzinfo=UTC))
        assert [i.id for i in mail.items] == [MESSAGE["id"]]
        assert [(o.item.id, o.reason) for o in mail.left_out] == [("AAMkDraftCopy=", "DRAFT")]
        meetings = await mailbox.list_candidates(
            OWNER, ["MeganB@contoso.onmicrosoft.com"], WEEK[0] + timedelta(days=2)
        )
        starts = sorted(i.occurred_at for i in meetings.items)
        assert set(OCCURRENCES) <= set(starts)
    finally:
        await connector.aclose()
