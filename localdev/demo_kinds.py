"""The demo mailbox's items that are *not* correspondence, so the page shows what is left
out (docs/formats.md, mailbox file): a draft, a junk mail and a Teams chat kept in a
hidden folder, all to or from Jane (Contoso), and a cancelled, a private and a weekly
meeting with her; plus Alice's own folders (a Contoso folder in the Inbox)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from localdev import graph_json

JANE = ("jane@contoso.com", "Jane Doe")
CHATS = "AAMkAGdemoTeamsChats="
CONTOSO = "AAMkAGdemoContosoFolder="


def folders() -> list[dict[str, Any]]:
    return [
        {"id": CONTOSO, "displayName": "Contoso", "parentFolderId": "inbox"},
        {"id": CHATS, "displayName": "TeamsMessagesData", "isHidden": True},
    ]


def _mail(upn: str, tag: str, when: datetime, subject: str, folder: str, **extra: Any) -> dict[str, Any]:
    mail_id = graph_json.graph_id(upn, "kind", tag)
    sender, to = (upn, [JANE[0]]) if folder == "drafts" else (JANE[0], [upn])
    return graph_json.message(
        id=mail_id,
        internet_message_id=f"<{tag}.{mail_id[-12:]}@contoso.com>",
        received=when,
        sender=sender,
        sender_name=JANE[1] if sender == JANE[0] else "",
        to=to,
        subject=subject,
        preview=subject,
        body=f"<p>{subject}</p>",
        parent_folder_id=folder,
        extra=extra,
    )


def messages(upn: str, now: datetime) -> list[dict[str, Any]]:
    h = timedelta(hours=1)
    return [
        _mail(upn, "draft", now - h, "Draft: pricing for Contoso (not sent)", "drafts", isDraft=True),
        _mail(upn, "junk", now - 4 * h, "You have won a prize", "junkemail"),
        _mail(upn, "chat", now - 6 * h, "Teams chat: quick question", CHATS),
        _mail(upn, "filed", now - 9 * h, "Contoso security review", CONTOSO),
    ]


def _meeting(upn: str, tag: str, start: datetime, subject: str, **extra: Any) -> dict[str, Any]:
    return graph_json.event(
        id=graph_json.graph_id(upn, "kind-event", tag),
        ical_uid=graph_json.ical_uid(upn, tag),
        start=start,
        end=start + timedelta(minutes=30),
        organizer=upn,
        required=[JANE[0]],
        subject=subject,
        preview=subject,
        extra=extra,
    )


def events(upn: str, now: datetime) -> list[dict[str, Any]]:
    d = timedelta(days=1)
    start = (now - 21 * d).replace(hour=9, minute=0, second=0, microsecond=0)
    weekly = {
        "type": "seriesMaster",
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": [start.strftime("%A").lower()]},
            "range": {"type": "noEnd", "startDate": start.date().isoformat(), "recurrenceTimeZone": "UTC"},
        },
    }
    return [
        _meeting(upn, "cancelled", now + d, "Contoso demo (cancelled)", isCancelled=True),
        _meeting(upn, "private", now + 2 * d, "Contoso: personal", sensitivity="private"),
        _meeting(upn, "weekly", start, "Contoso weekly call", **weekly),
    ]
