"""Demo data: a small, believable org and its mailboxes, generated relative to "now".

``write_demo(directory, now)`` writes ``records.jsonl`` (docs/formats.md) and
``mailbox.json`` (docs/formats.md, Graph JSON as Graph returns it), so the demo's emails
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

from localdev import demo_kinds, graph_json

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
    msg_id = graph_json.graph_id(owner.upn, "msg", str(n))
    return graph_json.message(
        id=msg_id,
        internet_message_id=f"<{_short_hash(subject)}.{n}@{sender[0].rsplit('@', 1)[1]}>",
        received=when,
        sender=sender[0],
        sender_name=sender[1],
        to=to,
        cc=cc or [],
        subject=subject,
        preview=preview,
        body=f"<html><body><p>{preview}</p></body></html>",
        attachments=[
            graph_json.attachment(graph_json.graph_id(msg_id, name), name, size, ctype, modified=when)
            for name, size, ctype in attachments or []
        ],
        conversation_id=graph_json.graph_id("conv", subject),
    )


def _event(
    owner: DemoUser,
    n: int,
    start: datetime,
    organizer: tuple[str, str],
    attendees: list[str],
    subject: str,
    optional: list[str] | None = None,
) -> dict[str, Any]:
    return graph_json.event(
        id=graph_json.graph_id(owner.upn, "event", str(n)),
        ical_uid=graph_json.ical_uid(subject),
        start=start,
        end=start + timedelta(minutes=45),
        organizer=organizer[0],
        organizer_name=organizer[1],
        required=attendees,
        optional=optional or [],
        subject=subject,
        preview=f"Agenda: {subject}",
        body=f"<html><body>Agenda: {subject}</body></html>",
    )


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
    alice_messages += demo_kinds.messages(alice.upn, now)
    alice_events += demo_kinds.events(alice.upn, now)
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
        folders = {"mailFolders": demo_kinds.folders()} if user is alice else None
        users.append(
            graph_json.mailbox_user(
                user.oid, user.upn, messages, events, display_name=user.name, extra=folders
            )
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
