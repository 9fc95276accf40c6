"""The correspondence filter and KQL quoting: pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.mailbox import kql
from shared.mailbox.correspondence import FOLDER, Folder, FolderMap, reason, sift
from shared.model import MailItem
from tests.builders import NOW, mail_item

IDS = {
    "msgfolderroot": "R",
    "inbox": "I",
    "sentitems": "S",
    "archive": "A",
    "drafts": "D",
    "deleteditems": "X",
}
FOLDERS = FolderMap(
    IDS,
    {
        "I1": Folder("I1", "I"),  # Inbox/Customers
        "I2": Folder("I2", "I1"),  # Inbox/Customers/Big
        "U": Folder("U", "R"),  # a folder of the user's own
        "H": Folder("H", "R", hidden=True),  # where Teams keeps chats
        "X1": Folder("X1", "X"),  # a folder moved into Deleted Items
    },
)


def mail(**fields: object) -> MailItem:
    return mail_item(
        "m", NOW - timedelta(hours=1), key="<k>", subject="s", preview="p", sender="a@x.com", to=(), **fields
    )


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("I", None),
        ("I2", None),
        ("S", None),
        ("A", None),
        ("U", None),
        ("D", FOLDER),
        ("X1", FOLDER),
        ("H", FOLDER),
    ],
)
def test_mail_counts_only_in_the_inbox_sent_items_archive_and_own_folders(
    folder: str, expected: str | None
) -> None:
    assert FOLDERS.verdict(folder)[0] == expected


def test_an_unknown_folder_is_asked_for_and_left_out_until_known() -> None:
    assert FOLDERS.unknown(["I2", "NEW"]) == {"NEW"}
    assert reason(mail(folder_id="NEW"), FOLDERS, NOW) == FOLDER


def test_every_left_out_item_says_why() -> None:
    meeting = replace(mail(), kind="meeting", occurred_at=NOW + timedelta(days=1))
    items = [
        mail(id="ok", folder_id="I"),
        mail(id="draft", is_draft=True),
        mail(id="old", occurred_at=NOW - timedelta(days=4)),
        replace(meeting, id="meet"),
        replace(meeting, id="cancelled", is_cancelled=True),
        replace(meeting, id="private", sensitivity="private"),
        replace(meeting, id="confidential", sensitivity="confidential"),
        replace(meeting, id="declined", response="declined"),
        replace(meeting, id="later", occurred_at=NOW + timedelta(days=4)),
    ]
    kept, left_out = sift(items, FOLDERS, NOW)
    assert [i.id for i in kept] == ["ok", "meet"]
    assert {o.item.id: o.reason for o in left_out} == {
        "draft": "DRAFT",
        "old": "OUTSIDE_WINDOW",
        "cancelled": "CANCELLED",
        "private": "PRIVATE",
        "confidential": "PRIVATE",
        "declined": "DECLINED",
        "later": "OUTSIDE_WINDOW",
    }


@pytest.mark.parametrize(
    ("address", "term"),
    [
        ("jane.doe@contoso.com", "participants:jane.doe@contoso.com"),
        ("o'brien@contoso.com", 'participants:\\"o\'brien@contoso.com\\"'),
        ("a*b@contoso.com", 'participants:\\"a*b@contoso.com\\"'),
        ("-bob@contoso.com", 'participants:\\"-bob@contoso.com\\"'),
        ("+bob@contoso.com", 'participants:\\"+bob@contoso.com\\"'),
        ("a=b@contoso.com", 'participants:\\"a=b@contoso.com\\"'),
    ],
)
def test_an_address_kql_would_misread_is_an_escaped_phrase(address: str, term: str) -> None:
    assert kql.term(address) == term


def test_the_search_value_is_one_double_quoted_string_with_the_days() -> None:
    value = kql.search_value(["a@x.com", "o'b@x.com"], NOW.date(), NOW.date())
    terms = '(participants:a@x.com OR participants:\\"o\'b@x.com\\")'
    assert value == f'"{terms} AND received>=2026-11-20 AND received<=2026-11-20"'
