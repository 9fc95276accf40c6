"""Microsoft Graph message and event JSON as the local Graph server's mailbox file holds it
(docs/formats.md, "Graph JSON as Graph returns it"), and that file's user entries: the
builders the demo data, ``make bench`` and the tests share.

Pure functions of their arguments (no clock, no randomness), so generated data is the
same on every run. A field a caller needs beyond these goes in ``extra``, merged last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

Json = dict[str, Any]

#: The fixed head of the iCalUId Outlook gives a meeting.
ICAL_PREFIX = "040000008200E00074C5B7101A82E008"
#: Graph's ``dateTimeTimeZone`` format (start / end of an event).
EVENT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.0000000"
_NO_RESPONSE = {"response": "none", "time": "0001-01-01T00:00:00Z"}


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive datetime is taken as UTC already)."""
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment


def iso(moment: datetime) -> str:
    """A Graph ``DateTimeOffset`` (``2026-11-20T12:00:00Z``)."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def graph_id(*parts: str) -> str:
    """A Graph-looking item id, stable for the same ``parts``."""
    return "AAMkAG" + _digest(parts)[:60]


def ical_uid(*parts: str) -> str:
    """An Outlook-looking iCalUId, stable for the same ``parts``."""
    return ICAL_PREFIX + _digest(parts)[:40].upper()


def person(address: str, name: str = "") -> Json:
    """A Graph ``recipient``; the name defaults to the address's local part, title-cased."""
    return {"emailAddress": {"name": name or address.split("@", maxsplit=1)[0].title(), "address": address}}


def attachment(
    attachment_id: str, name: str, size: int, content_type: str, modified: datetime | None = None
) -> Json:
    """The metadata of a file attachment (no content)."""
    out: Json = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "id": attachment_id,
        "name": name,
        "size": size,
        "contentType": content_type,
        "isInline": False,
    }
    if modified is not None:
        out["lastModifiedDateTime"] = iso(modified)
    return out


def message(
    *,
    id: str,
    internet_message_id: str | None,
    received: datetime,
    sender: str,
    subject: str,
    to: Iterable[str] = (),
    cc: Iterable[str] = (),
    sender_name: str = "",
    preview: str = "",
    body: str = "",
    body_type: str = "html",
    attachments: Iterable[Json] = (),
    sent: datetime | None = None,
    is_read: bool = False,
    conversation_id: str | None = None,
    parent_folder_id: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Json:
    """A Graph ``message`` (``sent`` defaults to ``received``)."""
    stamp = iso(received)
    files = list(attachments)
    out: Json = {
        "id": id,
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "receivedDateTime": stamp,
        "sentDateTime": iso(sent) if sent is not None else stamp,
        "hasAttachments": bool(files),
        "internetMessageId": internet_message_id,
        "subject": subject,
        "bodyPreview": preview,
        "importance": "normal",
        "isRead": is_read,
        "isDraft": False,
        "body": {"contentType": body_type, "content": body},
        "sender": person(sender, sender_name),
        "from": person(sender, sender_name),
        "toRecipients": [person(a) for a in to],
        "ccRecipients": [person(a) for a in cc],
        "bccRecipients": [],
        "replyTo": [],
        "conversationId": conversation_id or f"conv-{id}",
        "webLink": f"https://outlook.office365.com/owa/?ItemID={id}",
        "attachments": files,
    }
    if parent_folder_id is not None:
        out["parentFolderId"] = parent_folder_id
    out.update(extra or {})
    return out


def event(
    *,
    id: str,
    ical_uid: str,
    start: datetime,
    end: datetime,
    organizer: str,
    subject: str,
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    organizer_name: str = "",
    preview: str = "",
    body: str = "",
    body_type: str = "html",
    location: str = "Teams meeting",
    online: bool = True,
    extra: Mapping[str, Any] | None = None,
) -> Json:
    """A Graph single-instance ``event``, its times in UTC."""
    attendees = [("required", a) for a in required] + [("optional", a) for a in optional]
    out: Json = {
        "id": id,
        "iCalUId": ical_uid,
        "subject": subject,
        "bodyPreview": preview,
        "body": {"contentType": body_type, "content": body},
        "start": {"dateTime": _utc(start).strftime(EVENT_TIME_FORMAT), "timeZone": "UTC"},
        "end": {"dateTime": _utc(end).strftime(EVENT_TIME_FORMAT), "timeZone": "UTC"},
        "location": {"displayName": location},
        "hasAttachments": False,
        "isAllDay": False,
        "isCancelled": False,
        "isOnlineMeeting": online,
        "type": "singleInstance",
        "organizer": person(organizer, organizer_name),
        "attendees": [{"type": kind, "status": dict(_NO_RESPONSE), **person(a)} for kind, a in attendees],
        "webLink": f"https://outlook.office365.com/owa/?itemid={id}&exvsurl=1&path=/calendar/item",
    }
    out.update(extra or {})
    return out


def mailbox_user(
    user_id: str,
    upn: str,
    messages: Iterable[Json] = (),
    events: Iterable[Json] = (),
    *,
    display_name: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Json:
    """A user entry of the mailbox file (docs/formats.md), its ``mail`` the UPN."""
    out: Json = {"id": user_id, "userPrincipalName": upn, "mail": upn}
    if display_name is not None:
        out["displayName"] = display_name
    out.update(messages=list(messages), events=list(events))
    out.update(extra or {})
    return out
