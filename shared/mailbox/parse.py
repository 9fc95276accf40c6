"""Graph JSON (as Graph returns it) → ``shared.model`` types. Pure, no I/O.

Parsing never raises on bad data from Graph: an item with a missing key field or an
unreadable date gives ``None`` (logged at DEBUG, without content) and is skipped.

Every function is a function of its arguments only: whether a message is the owner's
own (and so dated by its sent time) depends on the ``own_addresses`` the caller passes.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.model import (
    Attachment,
    AttachmentFile,
    AttachmentKind,
    ItemKind,
    MailItem,
    MailItemDetail,
    Participant,
    normalize_address,
)

logger = logging.getLogger(__name__)

Json = Mapping[str, Any]

#: Windows time-zone names Graph may use when no ``Prefer: outlook.timezone`` applies
#: (we always send ``outlook.timezone="UTC"``; this is the safety net).
WINDOWS_ZONES: Mapping[str, str] = MappingProxyType(
    {
        "UTC": "UTC",
        "Coordinated Universal Time": "UTC",
        "GMT Standard Time": "Europe/London",
        "Greenwich Standard Time": "Atlantic/Reykjavik",
        "W. Europe Standard Time": "Europe/Berlin",
        "Romance Standard Time": "Europe/Paris",
        "Central Europe Standard Time": "Europe/Budapest",
        "Central European Standard Time": "Europe/Warsaw",
        "E. Europe Standard Time": "Europe/Chisinau",
        "FLE Standard Time": "Europe/Kiev",
        "Russian Standard Time": "Europe/Moscow",
        "India Standard Time": "Asia/Kolkata",
        "China Standard Time": "Asia/Shanghai",
        "Tokyo Standard Time": "Asia/Tokyo",
        "AUS Eastern Standard Time": "Australia/Sydney",
        "Eastern Standard Time": "America/New_York",
        "Central Standard Time": "America/Chicago",
        "Mountain Standard Time": "America/Denver",
        "US Mountain Standard Time": "America/Phoenix",
        "Pacific Standard Time": "America/Los_Angeles",
        "Alaskan Standard Time": "America/Anchorage",
        "Hawaiian Standard Time": "Pacific/Honolulu",
        "E. South America Standard Time": "America/Sao_Paulo",
    }
)

MESSAGE_SUMMARY_FIELDS = (
    "id",
    "internetMessageId",
    "subject",
    "bodyPreview",
    "from",
    "toRecipients",
    "ccRecipients",
    "receivedDateTime",
    "sentDateTime",
    "parentFolderId",
    "isDraft",
)
MESSAGE_DETAIL_FIELDS = (*MESSAGE_SUMMARY_FIELDS, "body", "hasAttachments")
EVENT_SUMMARY_FIELDS = (
    "id",
    "iCalUId",
    "subject",
    "bodyPreview",
    "organizer",
    "attendees",
    "start",
    "isCancelled",
    "sensitivity",
    "responseStatus",
)
EVENT_DETAIL_FIELDS = (*EVENT_SUMMARY_FIELDS, "end", "location", "body", "hasAttachments")
ATTACHMENT_FIELDS = ("id", "name", "size", "contentType", "isInline")
#: Graph's ``@odata.type`` of each attachment type (Graph may omit the leading '#').
ATTACHMENT_KINDS: Mapping[str, AttachmentKind] = MappingProxyType(
    {
        "microsoft.graph.fileattachment": "file",
        "microsoft.graph.itemattachment": "item",
        "microsoft.graph.referenceattachment": "reference",
    }
)


def parse_datetime(value: object) -> datetime | None:
    """An ISO 8601 date-time from Graph as an aware UTC datetime (naive means UTC)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_zoned(value: object) -> datetime | None:
    """A Graph ``dateTimeTimeZone`` (``{"dateTime", "timeZone"}``) as UTC."""
    if not isinstance(value, Mapping):
        return None
    local = parse_datetime(value.get("dateTime"))
    zone_name = value.get("timeZone") or "UTC"
    if local is None or not isinstance(zone_name, str):
        return None
    iana = WINDOWS_ZONES.get(zone_name, zone_name)
    try:
        zone = ZoneInfo(iana)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return local.replace(tzinfo=zone).astimezone(UTC)


def _participant(value: object) -> Participant | None:
    """``{"emailAddress": {"name", "address"}}`` → Participant (None without an address)."""
    if not isinstance(value, Mapping):
        return None
    email = value.get("emailAddress")
    if not isinstance(email, Mapping):
        return None
    address = email.get("address")
    if not isinstance(address, str) or not address.strip():
        return None
    name = email.get("name")
    return Participant(address=address.strip(), name=name if isinstance(name, str) else "")


def _participants(values: object) -> tuple[Participant, ...]:
    if not isinstance(values, list):
        return ()
    return tuple(p for p in (_participant(v) for v in values) if p is not None)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _skip(kind: str, raw: Json, why: str) -> None:
    logger.debug("skipping Graph %s %r: %s", kind, _text(raw.get("id"))[:80], why)


def _heading(raw: Json, kind: ItemKind) -> dict[str, Any] | None:
    """The id, kind, key (a message's ``internetMessageId``, an event's ``iCalUId``),
    subject and preview of a Graph item, as ``MailItem`` fields; None (logged) without an
    id or a key."""
    what, key_field = ("message", "internetMessageId") if kind == "email" else ("event", "iCalUId")
    item_id, key = raw.get("id"), raw.get(key_field)
    if not isinstance(item_id, str) or not item_id:
        _skip(what, raw, "no id")
        return None
    if not isinstance(key, str) or not key:
        _skip(what, raw, f"no {key_field}")
        return None
    subject, preview = _text(raw.get("subject")), _text(raw.get("bodyPreview"))
    return {"id": item_id, "kind": kind, "key": key, "subject": subject, "preview": preview}


def parse_message(raw: Json, *, own_addresses: Iterable[str]) -> MailItem | None:
    """A Graph message as a MailItem; ``occurred_at`` is the received time, or the sent
    time for a message sent by one of ``own_addresses`` (the mailbox owner's addresses;
    empty when unknown: every message then counts as received)."""
    heading = _heading(raw, "email")
    if heading is None:
        return None
    sender = _participant(raw.get("from"))
    own = {normalize_address(a) for a in own_addresses}
    if sender is not None and normalize_address(sender.address) in own:
        occurred = parse_datetime(raw.get("sentDateTime")) or parse_datetime(raw.get("receivedDateTime"))
    else:
        occurred = parse_datetime(raw.get("receivedDateTime")) or parse_datetime(raw.get("sentDateTime"))
    if occurred is None:
        _skip("message", raw, "no readable receivedDateTime/sentDateTime")
        return None
    return MailItem(
        **heading,
        sender=sender,
        to=_participants(raw.get("toRecipients")),
        cc=_participants(raw.get("ccRecipients")),
        occurred_at=occurred,
        sent_at=parse_datetime(raw.get("sentDateTime")),
        folder_id=_text(raw.get("parentFolderId")),
        is_draft=raw.get("isDraft") is True,
    )


def parse_event(raw: Json) -> MailItem | None:
    """A Graph event as a MailItem: organizer, required+resource attendees as ``to``,
    optional attendees as ``cc``, the start (in UTC) as ``occurred_at``."""
    heading = _heading(raw, "meeting")
    if heading is None:
        return None
    start = parse_zoned(raw.get("start"))
    if start is None:
        _skip("event", raw, "no readable start")
        return None
    to: list[Participant] = []
    cc: list[Participant] = []
    attendees = raw.get("attendees")
    for attendee in attendees if isinstance(attendees, list) else ():
        person = _participant(attendee)
        if person is None:
            continue
        kind = attendee.get("type") if isinstance(attendee, Mapping) else None
        (cc if kind == "optional" else to).append(person)
    return MailItem(
        **heading,
        sender=_participant(raw.get("organizer")),
        to=tuple(to),
        cc=tuple(cc),
        occurred_at=start,
        is_cancelled=raw.get("isCancelled") is True,
        sensitivity=_text(raw.get("sensitivity")).lower() or "normal",
        response=_response(raw.get("responseStatus")),
    )


def _response(value: object) -> str:
    """The owner's ``responseStatus.response`` (``organizer``, ``accepted``, ``declined``, …)."""
    return _text(value.get("response")).lower() if isinstance(value, Mapping) else ""


def parse_item(kind: ItemKind, raw: Json, *, own_addresses: Iterable[str]) -> MailItem | None:
    """A message (dated as ``parse_message`` says) or an event."""
    return parse_message(raw, own_addresses=own_addresses) if kind == "email" else parse_event(raw)


def parse_attachment(raw: Json) -> Attachment | None:
    """Attachment metadata (name, size, contentType, inline, Graph type and id); no content."""
    name, size = raw.get("name"), raw.get("size")
    if not isinstance(name, str) or isinstance(size, bool) or not isinstance(size, int) or size < 0:
        _skip("attachment", raw, "no name or size")
        return None
    content_type = _text(raw.get("contentType")) or "application/octet-stream"
    odata_type = _text(raw.get("@odata.type")).lstrip("#").lower()
    return Attachment(
        name=name,
        size=size,
        content_type=content_type,
        is_inline=raw.get("isInline") is True,
        kind=ATTACHMENT_KINDS.get(odata_type, "file"),
        source_id=_text(raw.get("id")),
        content_id=_text(raw.get("contentId")),
    )


def parse_attachment_file(raw: Json) -> AttachmentFile | None:
    """A ``fileAttachment`` read by id: its bytes (``contentBytes``), type and ``contentId``."""
    encoded = raw.get("contentBytes")
    if not isinstance(encoded, str):
        return None
    try:
        data = base64.b64decode(encoded, validate=True)
    except ValueError:
        return None
    return AttachmentFile(
        data=data,
        content_type=_text(raw.get("contentType")) or "application/octet-stream",
        content_id=_text(raw.get("contentId")),
    )


def parse_detail(
    kind: ItemKind, raw: Json, attachments: Iterable[Json] = (), *, own_addresses: Iterable[str]
) -> MailItemDetail | None:
    """The full item with its body, attachment metadata and (meetings) end and location."""
    item = parse_item(kind, raw, own_addresses=own_addresses)
    if item is None:
        return None
    body = raw.get("body")
    body = body if isinstance(body, Mapping) else {}
    location = raw.get("location")
    return MailItemDetail(
        item=item,
        body=_text(body.get("content")),
        body_content_type=_text(body.get("contentType")).lower() or "text",
        attachments=tuple(a for a in (parse_attachment(x) for x in attachments) if a is not None),
        end_at=parse_zoned(raw.get("end")) if kind == "meeting" else None,
        location=_text(location.get("displayName")) if isinstance(location, Mapping) else "",
    )


def parse_own_addresses(raw: Json) -> tuple[str, ...]:
    """A Graph user's mail, userPrincipalName and SMTP proxyAddresses, normalized, deduped."""
    found: list[str] = []
    for value in (raw.get("mail"), raw.get("userPrincipalName")):
        if isinstance(value, str):
            found.append(value)
    proxies = raw.get("proxyAddresses")
    for proxy in proxies if isinstance(proxies, list) else ():
        if isinstance(proxy, str) and proxy.lower().startswith("smtp:"):
            found.append(proxy[5:])
    out: dict[str, None] = {}
    for address in found:
        normalized = address.strip().lower()
        if "@" in normalized:
            out[normalized] = None
    return tuple(out)
