"""Contract: the same assertions run on recorded Graph payloads (tests/events) and on the
local server's answers, through the same parsing code, so the server cannot drift."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from localdev import graph_json
from shared.mailbox import parse
from shared.model import MailItem, MailItemDetail
from tests.integration.graph_fixtures import GraphServer, app_token, recorded, serving

OWNER = "8fd6e83b-3cc0-4bf0-8b26-950f4d7110f6"
MESSAGE = recorded("message-get")["response"]["body"]
ATTACHMENTS = recorded("message-attachments-list")["response"]["body"]["value"]
# The recorded event list was selected without iCalUId; the calendarView recording has one.
EVENT = {
    **recorded("events-list-select")["response"]["body"]["value"][0],
    "iCalUId": recorded("calendarview-list")["response"]["body"]["value"][0]["iCalUId"],
}
EVENT_START = datetime(2017, 4, 21, 17, 0, tzinfo=UTC)  # 10:00 Pacific Daylight Time
SERIES = recorded("events-list-series-master")["response"]["body"]["value"][0]
#: The recorded folders of the recorded message's mailbox (its parentFolderId is the Inbox).
FOLDERS = recorded("mailfolders-list")["response"]["body"]["value"]
WELL_KNOWN = {
    "Inbox": "inbox",
    "Sent Items": "sentitems",
    "Drafts": "drafts",
    "Deleted Items": "deleteditems",
    "Junk Email": "junkemail",
    "Outbox": "outbox",
    "Archive": "archive",
    "Conversation History": "conversationhistory",
}


def folder_entries() -> list[dict[str, Any]]:
    """The recorded folders as the mailbox file lists them (docs/formats.md)."""
    root = FOLDERS[0]["parentFolderId"]
    out: list[dict[str, Any]] = [
        {"id": root, "displayName": "Top of Information Store", "wellKnownName": "msgfolderroot"}
    ]
    for f in FOLDERS:
        entry = {k: f[k] for k in ("id", "displayName", "isHidden")}
        if f["displayName"] in WELL_KNOWN:
            entry["wellKnownName"] = WELL_KNOWN[f["displayName"]]
        else:
            entry["parentFolderId"] = f["parentFolderId"]
        out.append(entry)
    return out


def check_message(item: MailItem | None) -> None:
    assert item is not None
    assert item.kind == "email" and item.id == MESSAGE["id"]
    assert item.key == "<MWHPR1301MB2110DCFC@MWHPR1301MB2110.namprd13.prod.outlook.com>"
    assert item.sender is not None and item.sender.address == "admin@contoso.com"
    assert [p.address for p in item.to] == ["AlexW@contoso.com"] and item.cc == ()
    assert item.occurred_at == datetime(2017, 12, 27, 21, 58, 36, tzinfo=UTC)
    assert item.subject == "Debrief from meetup" and item.preview.startswith("Let's debrief")


def check_event(item: MailItem | None) -> None:
    assert item is not None
    assert item.kind == "meeting" and item.key == EVENT["iCalUId"]
    assert item.sender is not None and item.sender.address == "samanthab@contoso.com"
    assert [p.address for p in item.to] == ["samanthab@contoso.com", "danas@contoso.com"]
    assert item.occurred_at == EVENT_START


def check_attachments(detail: MailItemDetail | None) -> None:
    assert detail is not None
    assert [(a.name, a.size, a.content_type) for a in detail.attachments] == [
        ("name-value", 99, "contentType-value")
    ]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    stored_message = {
        **copy.deepcopy(MESSAGE),
        "hasAttachments": True,
        "attachments": copy.deepcopy(ATTACHMENTS),
    }
    stored_message.pop("@odata.context")
    user = graph_json.mailbox_user(
        OWNER,
        "admin@contoso.com",
        [stored_message],
        [copy.deepcopy(EVENT)],
        extra={"mailFolders": folder_entries()},
    )
    async with serving(user) as server:
        yield server


def test_recorded_payloads_parse() -> None:
    check_message(parse.parse_message(MESSAGE, own_addresses=()))
    check_event(parse.parse_event(EVENT))
    check_attachments(parse.parse_detail("email", MESSAGE, ATTACHMENTS, own_addresses=()))


def test_fields_we_select_exist_in_graphs_payloads() -> None:
    assert set(parse.MESSAGE_DETAIL_FIELDS) <= set(MESSAGE)
    assert set(parse.EVENT_DETAIL_FIELDS) <= set(SERIES)
    assert set(parse.ATTACHMENT_FIELDS) <= set(ATTACHMENTS[0])


@pytest.mark.parametrize("name", ["messages-list-select", "mailfolder-messages-list"])
def test_partial_recorded_items_are_skipped_not_fatal(name: str) -> None:
    for raw in recorded(name)["response"]["body"]["value"]:
        assert parse.parse_message(raw, own_addresses=()) is None


async def test_server_answers_have_graphs_keys_and_parse_the_same(graph: GraphServer) -> None:
    headers = {"Authorization": f"Bearer {app_token()}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{graph.base_url}/users/{OWNER}/messages/{MESSAGE['id']}") as r:
            served: dict[str, Any] = await r.json()
        async with session.get(f"{graph.base_url}/users/{OWNER}/messages/{MESSAGE['id']}/attachments") as r:
            served_attachments = (await r.json())["value"]
    assert set(MESSAGE) - {"@odata.context"} <= set(served)
    check_message(parse.parse_message(served, own_addresses=()))
    # As in Graph's recorded listing: a fileAttachment carries its contentBytes.
    assert set(ATTACHMENTS[0]) <= set(served_attachments[0])
    check_attachments(parse.parse_detail("email", served, served_attachments, own_addresses=()))


async def test_server_answers_through_the_sdk_pass_the_same_checks(graph: GraphServer) -> None:
    connector = graph.connector()
    try:
        mailbox = connector.application()
        check_message(await mailbox.get_summary(OWNER, "email", MESSAGE["id"]))
        check_attachments(await mailbox.get_item(OWNER, "email", MESSAGE["id"]))
        meetings = (await mailbox.list_candidates(OWNER, ["danas@contoso.com"], EVENT_START)).items
        check_event(next(i for i in meetings if i.kind == "meeting"))
    finally:
        await connector.aclose()
