"""Documents <-> domain dataclasses. Pure; the one place that knows the stored shapes.

Stored documents are camelCase JSON. Decoding validates what it reads: a malformed
document (written by hand, or by an older version) raises ``ValueError``/``KeyError``;
``decode_all`` skips such documents in lists with a warning, so one bad document never
breaks a whole timeline, and ``decode_one`` makes one read by id a miss (NotFoundError).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar, get_args

from shared.exceptions import NotFoundError
from shared.model import (
    Activity,
    Attachment,
    AttachmentKind,
    CrmRecord,
    Direction,
    ItemKind,
    MailItem,
    Participant,
    RecordRef,
    TrackingRequest,
    TrackingState,
)

Doc = dict[str, Any]
T = TypeVar("T")
log = logging.getLogger(__name__)


def decode_all[T](docs: Iterable[Doc], decode: Callable[[Doc], T], what: str) -> list[T]:
    """Decode every document, skipping (and logging the id of) malformed ones."""
    out: list[T] = []
    for doc in docs:
        try:
            out.append(decode(doc))
        except (KeyError, TypeError, ValueError):
            log.warning("skipping a malformed %s document (id %s)", what, doc.get("id"))
    return out


def decode_one[T](doc: Doc, decode: Callable[[Doc], T], what: str) -> T:
    """Decode a document read by id; a malformed one is logged by id and reads as missing."""
    try:
        return decode(doc)
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("a malformed %s document reads as missing (id %s)", what, doc.get("id"))
        raise NotFoundError(f"{what} not found") from exc


def iso(value: datetime) -> str:
    """UTC ISO-8601 with a trailing Z (sorts lexically in Cosmos)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("time must be an ISO-8601 string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _opt_time(value: object) -> datetime | None:
    return None if value in (None, "") else parse_time(value)


def _strs(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


def one_of(value: Any, literal: Any, message: str) -> Any:
    """``value`` when it is one of the ``Literal`` type's values; ValueError(message) otherwise."""
    if value not in get_args(literal):
        raise ValueError(message)
    return value


def _required_ref(value: object, message: str) -> RecordRef:
    ref = _ref(value)
    if ref is None:
        raise ValueError(message)
    return ref


def _ref(value: object) -> RecordRef | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError("expected a record reference")
    return RecordRef(str(value["entityType"]), str(value["id"]))


def ref_doc(ref: RecordRef) -> Doc:
    return {"entityType": ref.entity_type, "id": ref.id}


# --- CRM records -------------------------------------------------------------------------


def record_doc(record: CrmRecord) -> Doc:
    doc: Doc = {
        "entityType": record.entity_type,
        "recordId": record.id,
        "name": record.name,
        "emails": list(record.emails),
        "ownerId": record.owner_id,
        "teamIds": list(record.team_ids),
        "modifiedOn": iso(record.modified_on) if record.modified_on else None,
        "primaryContactId": record.primary_contact_id,
        "parentAccountId": record.parent_account_id,
        "contactId": record.contact_id,
        "accountId": record.account_id,
        "stakeholderIds": list(record.stakeholder_ids),
        "originatingLeadId": record.originating_lead_id,
        "contactEmail": record.contact_email,
        "customer": ref_doc(record.customer) if record.customer else None,
        "custom": record.custom,
        "lookups": {name: ref_doc(ref) for name, ref in record.lookups},
    }
    return {k: v for k, v in doc.items() if v not in (None, [], {})}


def record_from_doc(doc: Doc) -> CrmRecord:
    lookups = doc.get("lookups") or {}
    if not isinstance(lookups, dict):
        raise ValueError("lookups must be an object")
    return CrmRecord(
        entity_type=str(doc["entityType"]),
        id=str(doc["recordId"]),
        name=str(doc.get("name", "")),
        emails=_strs(doc.get("emails")),
        owner_id=doc.get("ownerId"),
        team_ids=_strs(doc.get("teamIds")),
        modified_on=_opt_time(doc.get("modifiedOn")),
        primary_contact_id=doc.get("primaryContactId"),
        parent_account_id=doc.get("parentAccountId"),
        contact_id=doc.get("contactId"),
        account_id=doc.get("accountId"),
        stakeholder_ids=_strs(doc.get("stakeholderIds")),
        originating_lead_id=doc.get("originatingLeadId"),
        contact_email=doc.get("contactEmail"),
        customer=_ref(doc.get("customer")),
        custom=bool(doc.get("custom", False)),
        lookups=tuple((str(k), r) for k, v in sorted(lookups.items()) if (r := _ref(v)) is not None),
    )


# --- participants and items --------------------------------------------------------------


def participant_doc(p: Participant | None) -> Doc | None:
    return None if p is None else {"address": p.address, "name": p.name}


def participant_from_doc(doc: object) -> Participant | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise ValueError("participant must be an object")
    return Participant(str(doc.get("address", "")), str(doc.get("name", "")))


def _participants(value: object) -> tuple[Participant, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ValueError("participants must be a list")
    return tuple(p for v in value if (p := participant_from_doc(v)) is not None)


def _envelope_doc(item: MailItem | Activity) -> Doc:
    """The fields a mail item and a tracked activity share."""
    return {
        "kind": item.kind,
        "key": item.key,
        "subject": item.subject,
        "preview": item.preview,
        "from": participant_doc(item.sender),
        "to": [participant_doc(p) for p in item.to],
        "cc": [participant_doc(p) for p in item.cc],
        "occurredAt": iso(item.occurred_at),
    }


def _envelope_from_doc(doc: Doc) -> dict[str, Any]:
    return {
        "kind": one_of(doc["kind"], ItemKind, "bad kind"),
        "key": str(doc["key"]),
        "subject": str(doc.get("subject", "")),
        "preview": str(doc.get("preview", "")),
        "sender": participant_from_doc(doc.get("from")),
        "to": _participants(doc.get("to")),
        "cc": _participants(doc.get("cc")),
        "occurred_at": parse_time(doc["occurredAt"]),
    }


def mail_item_doc(item: MailItem) -> Doc:
    return {"itemId": item.id, **_envelope_doc(item), "sentAt": iso(item.sent_at) if item.sent_at else None}


def mail_item_from_doc(doc: Doc) -> MailItem:
    sent = doc.get("sentAt")
    return MailItem(
        id=str(doc["itemId"]),
        **_envelope_from_doc(doc),
        sent_at=parse_time(sent) if isinstance(sent, str) else None,
    )


# --- activities ----------------------------------------------------------------------------


#: The fields of an activity document a timeline reads (a projection: never the body).
ACTIVITY_SUMMARY_FIELDS = (
    "id",
    "kind",
    "key",
    "subject",
    "preview",
    "from",
    "to",
    "cc",
    "occurredAt",
    "direction",
    "attachments",
    "regarding",
    "trackedBy",
    "trackedAt",
    "endAt",
    "location",
)


def attachment_doc(a: Attachment) -> Doc:
    doc: Doc = {"name": a.name, "size": a.size, "contentType": a.content_type}
    if a.id:
        doc |= {"id": a.id, "isInline": a.is_inline, "kind": a.kind, "stored": a.stored}
    if a.source_id:
        doc["sourceId"] = a.source_id
    if a.content_id:
        doc["contentId"] = a.content_id
    if a.reason:
        doc["reason"] = a.reason
    return doc


def attachment_from_doc(doc: Doc) -> Attachment:
    kind = one_of(doc.get("kind", "file"), AttachmentKind, "bad attachment kind")
    reason = doc.get("reason")
    return Attachment(
        name=str(doc["name"]),
        size=int(doc["size"]),
        content_type=str(doc["contentType"]),
        id=str(doc.get("id", "")),
        is_inline=bool(doc.get("isInline", False)),
        kind=kind,
        source_id=str(doc.get("sourceId", "")),
        content_id=str(doc.get("contentId", "")),
        stored=bool(doc.get("stored", False)),
        reason=str(reason) if reason else None,
    )


def activity_doc(activity: Activity) -> Doc:
    """The document; the body is in it unless ``body_blob`` names the blob that holds it."""
    doc: Doc = {
        "id": activity.id,
        **_envelope_doc(activity),
        "direction": activity.direction,
        "attachments": [attachment_doc(a) for a in activity.attachments],
        "regarding": ref_doc(activity.regarding),
        "trackedBy": activity.tracked_by,
        "trackedAt": iso(activity.tracked_at),
        "bodyContentType": activity.body_content_type,
        "endAt": iso(activity.end_at) if activity.end_at else None,
        "location": activity.location,
    }
    if activity.body_blob:
        doc["bodyBlob"] = activity.body_blob
    else:
        doc["body"] = activity.body
    return doc


def activity_from_doc(doc: Doc) -> Activity:
    """A whole document or a summary projection (``ACTIVITY_SUMMARY_FIELDS``: no body)."""
    direction = one_of(doc["direction"], Direction, "bad direction")
    regarding = _required_ref(doc["regarding"], "activity without regarding")
    blob = doc.get("bodyBlob")
    return Activity(
        id=str(doc["id"]),
        **_envelope_from_doc(doc),
        direction=direction,
        attachments=tuple(attachment_from_doc(a) for a in doc.get("attachments") or []),
        regarding=regarding,
        tracked_by=str(doc["trackedBy"]),
        tracked_at=parse_time(doc["trackedAt"]),
        body=str(doc.get("body", "")),
        body_content_type=str(doc.get("bodyContentType", "text")),
        end_at=_opt_time(doc.get("endAt")),
        location=str(doc.get("location", "")),
        body_blob=str(blob) if blob else None,
    )


# --- tracking requests ------------------------------------------------------------------------


def tracking_doc(request: TrackingRequest) -> Doc:
    return {
        "id": request.id,
        "userId": request.user_id,
        "itemId": request.item_id,
        "kind": request.kind,
        "regarding": ref_doc(request.regarding),
        "regardingKey": request.regarding.key,
        "state": request.state,
        "createdAt": iso(request.created_at),
        "updatedAt": iso(request.updated_at),
        "key": request.key,
        "summary": mail_item_doc(request.summary) if request.summary else None,
        "activityId": request.activity_id,
        "error": request.error,
        "attempts": request.attempts,
        "requeues": request.requeues,
    }


def tracking_from_doc(doc: Doc) -> TrackingRequest:
    kind = one_of(doc["kind"], ItemKind, "bad kind or state")
    state = one_of(doc["state"], TrackingState, "bad kind or state")
    regarding = _required_ref(doc["regarding"], "tracking request without regarding")
    summary = doc.get("summary")
    return TrackingRequest(
        id=str(doc["id"]),
        user_id=str(doc["userId"]),
        item_id=str(doc["itemId"]),
        kind=kind,
        regarding=regarding,
        state=state,
        created_at=parse_time(doc["createdAt"]),
        updated_at=parse_time(doc["updatedAt"]),
        key=doc.get("key"),
        summary=mail_item_from_doc(summary) if isinstance(summary, dict) else None,
        activity_id=doc.get("activityId"),
        error=doc.get("error"),
        attempts=int(doc.get("attempts", 0)),
        requeues=int(doc.get("requeues", 0)),
    )
