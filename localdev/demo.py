"""Demo data: a small, believable org and its mailboxes, generated relative to "now".

``write_demo(directory, now)`` writes ``records.jsonl`` (DESIGN.md §5) and
``mailbox.json`` (DESIGN.md §7, Graph JSON as Graph returns it), so the demo's emails
and meetings always sit inside the suggestion windows (and a few deliberately outside).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DOMAIN = "autocapture.dev"
_NS = uuid.UUID("7f1d3c5e-8a8b-4a44-9d0e-2b7c7e8a9f10")


@dataclass(frozen=True)
class DemoUser:
    key: str
    name: str
    roles: tuple[str, ...]
    groups: tuple[str, ...]

    @property
    def upn(self) -> str:
        return f"{self.key}@{DOMAIN}"

    @property
    def oid(self) -> str:
        return str(uuid.uuid5(_NS, self.upn))


USERS = (
    DemoUser("alice", "Alice Kim", ("Sales.Person",), ("t-east",)),
    DemoUser("bob", "Bob Stone", ("Sales.Manager",), ("t-east", "t-west")),
    DemoUser("carol", "Carol Diaz", ("AutoCapture.Admin", "Sales.Person"), ("t-west",)),
    DemoUser("dave", "Dave Ng", (), ("t-east",)),
)


def _user(key: str) -> DemoUser:
    return next(u for u in USERS if u.key == key)


def demo_records(now: datetime) -> list[dict[str, Any]]:
    alice, bob, carol = _user("alice").oid, _user("bob").oid, _user("carol").oid

    def ago(days: int) -> str:
        return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return [
        {
            "entityType": "account",
            "id": "a-contoso",
            "name": "Contoso Ltd",
            "emails": ["info@contoso.com"],
            "primaryContactId": "c-jane",
            "ownerId": alice,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "account",
            "id": "a-fabrikam",
            "name": "Fabrikam Inc",
            "emails": ["hello@fabrikam.com"],
            "primaryContactId": "c-mei",
            "ownerId": carol,
            "teamIds": ["t-west"],
        },
        {
            "entityType": "account",
            "id": "a-northwind",
            "name": "Northwind Traders",
            "emails": ["orders@northwind.com"],
            "primaryContactId": "c-tom",
            "ownerId": bob,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "contact",
            "id": "c-jane",
            "name": "Jane Doe",
            "emails": ["jane@contoso.com"],
            "parentAccountId": "a-contoso",
            "modifiedOn": ago(2),
            "ownerId": alice,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "contact",
            "id": "c-raj",
            "name": "Raj Patel",
            "emails": ["raj@contoso.com", "raj.patel@contoso.com"],
            "parentAccountId": "a-contoso",
            "modifiedOn": ago(5),
            "ownerId": alice,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "contact",
            "id": "c-mei",
            "name": "Mei Lin",
            "emails": ["mei@fabrikam.com"],
            "parentAccountId": "a-fabrikam",
            "modifiedOn": ago(1),
            "ownerId": carol,
            "teamIds": ["t-west"],
        },
        {
            "entityType": "contact",
            "id": "c-tom",
            "name": "Tom Baker",
            "emails": ["tom@northwind.com"],
            "parentAccountId": "a-northwind",
            "modifiedOn": ago(9),
            "ownerId": bob,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "opportunity",
            "id": "o-renewal",
            "name": "Contoso renewal 2027",
            "emails": [],
            "contactId": "c-jane",
            "accountId": "a-contoso",
            "stakeholderIds": ["c-raj", "c-tom"],
            "originatingLeadId": "l-inbound",
            "ownerId": alice,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "lead",
            "id": "l-inbound",
            "name": "Inbound: Fabrikam pilot",
            "emails": ["lead@fabrikam.com"],
            "contactEmail": "pat@fabrikam.com",
            "ownerId": alice,
            "teamIds": ["t-east"],
        },
        {
            "entityType": "case",
            "id": "k-outage",
            "name": "Fabrikam: sync outage",
            "emails": ["support-1234@fabrikam.com"],
            "primaryContactId": "c-mei",
            "customer": {"entityType": "account", "id": "a-fabrikam"},
            "ownerId": carol,
            "teamIds": ["t-west"],
        },
        {
            "entityType": "project",
            "id": "p-rollout",
            "name": "Northwind rollout",
            "custom": True,
            "lookups": {
                "client": {"entityType": "account", "id": "a-northwind"},
                "sponsor": {"entityType": "contact", "id": "c-raj"},
            },
            "ownerId": bob,
            "teamIds": ["t-east"],
        },
    ]


def _addr(address: str, name: str = "") -> dict[str, Any]:
    return {"emailAddress": {"name": name or address.split("@", maxsplit=1)[0].title(), "address": address}}


def _gid(*parts: str) -> str:
    digest = hashlib.sha256("/".join(parts).encode()).hexdigest()
    return "AAMkAG" + digest[:60]


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _message(
    owner: DemoUser,
    n: int,
    when: datetime,
    sender: tuple[str, str],
    to: list[str],
    subject: str,
    preview: str,
    cc: list[str] | None = None,
    attachments: list[tuple[str, int, str]] | None = None,
) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    msg_id = _gid(owner.upn, "msg", str(n))
    return {
        "id": msg_id,
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "receivedDateTime": stamp,
        "sentDateTime": stamp,
        "hasAttachments": bool(attachments),
        "internetMessageId": f"<{_short_hash(subject)}.{n}@{sender[0].rsplit('@', 1)[1]}>",
        "subject": subject,
        "bodyPreview": preview,
        "importance": "normal",
        "isRead": False,
        "isDraft": False,
        "body": {"contentType": "html", "content": f"<html><body><p>{preview}</p></body></html>"},
        "sender": _addr(*sender),
        "from": _addr(*sender),
        "toRecipients": [_addr(a) for a in to],
        "ccRecipients": [_addr(a) for a in cc or []],
        "bccRecipients": [],
        "replyTo": [],
        "conversationId": _gid("conv", subject),
        "parentFolderId": _gid(owner.upn, "inbox"),
        "webLink": f"https://outlook.office365.com/owa/?ItemID={msg_id}",
        "attachments": [
            {
                "@odata.type": "#microsoft.graph.fileAttachment",
                "id": _gid(msg_id, name),
                "name": name,
                "size": size,
                "contentType": ctype,
                "isInline": False,
                "lastModifiedDateTime": stamp,
            }
            for name, size, ctype in attachments or []
        ],
    }


def _event(
    owner: DemoUser,
    n: int,
    start: datetime,
    organizer: tuple[str, str],
    attendees: list[str],
    subject: str,
    optional: list[str] | None = None,
) -> dict[str, Any]:
    ev_id = _gid(owner.upn, "event", str(n))
    fmt = "%Y-%m-%dT%H:%M:%S.0000000"
    return {
        "id": ev_id,
        "iCalUId": "040000008200E00074C5B7101A82E008"
        + hashlib.sha256(subject.encode()).hexdigest()[:40].upper(),
        "subject": subject,
        "bodyPreview": f"Agenda: {subject}",
        "body": {"contentType": "html", "content": f"<html><body>Agenda: {subject}</body></html>"},
        "start": {"dateTime": start.strftime(fmt), "timeZone": "UTC"},
        "end": {"dateTime": (start + timedelta(minutes=45)).strftime(fmt), "timeZone": "UTC"},
        "location": {"displayName": "Teams meeting"},
        "isAllDay": False,
        "isCancelled": False,
        "isOnlineMeeting": True,
        "type": "singleInstance",
        "organizer": _addr(*organizer),
        "attendees": [
            {"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}, **_addr(a)}
            for a in attendees
        ]
        + [
            {"type": "optional", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"}, **_addr(a)}
            for a in optional or []
        ],
        "webLink": f"https://outlook.office365.com/owa/?itemid={ev_id}&exvsurl=1&path=/calendar/item",
    }


def demo_mailbox(now: datetime) -> dict[str, Any]:
    h = timedelta(hours=1)
    d = timedelta(days=1)
    alice, carol = _user("alice"), _user("carol")
    me_a = (alice.upn, alice.name)
    me_c = (carol.upn, carol.name)
    alice_messages = [
        _message(
            alice,
            1,
            now - 2 * h,
            ("jane@contoso.com", "Jane Doe"),
            [alice.upn],
            "Renewal quote for 2027",
            "Hi Alice, attached is the signed quote for next year.",
            attachments=[("quote-2027.pdf", 184_320, "application/pdf")],
        ),
        _message(
            alice,
            2,
            now - 5 * h,
            me_a,
            ["raj@contoso.com"],
            "Re: rollout timeline",
            "Raj, thanks for the call. Here is the plan we discussed.",
            cc=["jane@contoso.com"],
        ),
        _message(
            alice,
            3,
            now - 26 * h,
            ("info@contoso.com", "Contoso"),
            [alice.upn],
            "Contoso newsletter: November",
            "What is new at Contoso this month.",
        ),
        _message(
            alice,
            4,
            now - 30 * h,
            ("pat@fabrikam.com", "Pat Morgan"),
            [alice.upn],
            "Pilot questions",
            "Could we start the pilot in December?",
        ),
        _message(
            alice,
            5,
            now - 40 * h,
            ("tom@northwind.com", "Tom Baker"),
            [alice.upn],
            "Northwind rollout kickoff",
            "Looking forward to the kickoff next week.",
            attachments=[
                (
                    "kickoff.pptx",
                    2_310_144,
                    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                )
            ],
        ),
        _message(
            alice,
            6,
            now - 3 * h,
            ("noreply@unrelated.example", "Newsletter"),
            [alice.upn],
            "Your weekly digest",
            "Nothing to do with any customer.",
        ),
        _message(
            alice,
            7,
            now - 5 * d,
            ("jane@contoso.com", "Jane Doe"),
            [alice.upn],
            "Old thread",
            "This one is older than three days.",
        ),
        _message(
            alice,
            8,
            now - 8 * h,
            ("lead@fabrikam.com", "Fabrikam"),
            [alice.upn],
            "Fabrikam inbound request",
            "We would like a demo.",
        ),
    ]
    alice_events = [
        _event(alice, 1, now + d, me_a, ["jane@contoso.com", "raj@contoso.com"], "Contoso QBR"),
        _event(alice, 2, now - 2 * d, ("tom@northwind.com", "Tom Baker"), [alice.upn], "Northwind sync"),
        _event(alice, 3, now + 4 * d, me_a, ["jane@contoso.com"], "Contoso planning (4 days out)"),
    ]
    carol_messages = [
        _message(
            carol,
            1,
            now - 1 * h,
            ("mei@fabrikam.com", "Mei Lin"),
            [carol.upn],
            "Sync outage update",
            "The outage is resolved on our side.",
            attachments=[("logs.zip", 524_288, "application/zip")],
        ),
        _message(
            carol,
            2,
            now - 20 * h,
            me_c,
            ["support-1234@fabrikam.com"],
            "Case 1234: next steps",
            "We are looking into it.",
        ),
        _message(
            carol,
            3,
            now - 2 * h,
            ("jane@contoso.com", "Jane Doe"),
            [carol.upn, alice.upn],
            "Renewal quote for 2027",
            "Hi Alice, attached is the signed quote for next year.",
        ),
    ]
    carol_messages[2]["internetMessageId"] = alice_messages[0]["internetMessageId"]
    carol_events = [
        _event(carol, 1, now + 2 * d, me_c, ["mei@fabrikam.com"], "Fabrikam outage review"),
    ]
    users = []
    for user, messages, events in (
        (alice, alice_messages, alice_events),
        (carol, carol_messages, carol_events),
        (_user("bob"), [], []),
        (_user("dave"), [], []),
    ):
        users.append(
            {
                "id": user.oid,
                "userPrincipalName": user.upn,
                "mail": user.upn,
                "displayName": user.name,
                "messages": messages,
                "events": events,
            }
        )
    return {"users": users}


def demo_users() -> list[dict[str, Any]]:
    return [{"user": u.upn, "name": u.name, "roles": list(u.roles), "groups": list(u.groups)} for u in USERS]


def write_demo(directory: Path, now: datetime | None = None) -> tuple[Path, Path]:
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    records = directory / "records.jsonl"
    mailbox = directory / "mailbox.json"
    records.write_text("".join(json.dumps(r) + "\n" for r in demo_records(now)))
    mailbox.write_text(json.dumps(demo_mailbox(now), indent=1))
    (directory / "users.json").write_text(json.dumps(demo_users(), indent=1))
    return records, mailbox
