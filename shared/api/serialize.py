"""Domain objects -> the response models of ``shared.api.schemas`` (docs/api.md).

Only the fields that apply are set, so ``shared.http.serialize`` (``exclude_unset``)
leaves the others out: a tracked item has ``activityId``, ``direction`` and ``attachments``,
an untracked one ``matchedBy``, a pending one ``trackingId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

from shared.api import schemas as s
from shared.model import (
    Activity,
    Attachment,
    MailItem,
    MatchReason,
    Participant,
    RecordRef,
    TimelineItem,
    TrackingRequest,
)
from shared.rules.content import attachment_key
from shared.services.content import ActivityContent, MailboxContent
from shared.store.codec import iso

#: Why a suggestion's files cannot be downloaded: nothing of it is stored until it is tracked.
NOT_TRACKED = "not tracked: its files are copied when the item is tracked"
Names = Mapping[RecordRef, str | None]
_NO_NAMES: Names = MappingProxyType({})


def record_label(ref: RecordRef, names: Names) -> s.RecordLabel:
    """``{entityType, id, name}``; ``name`` only when ``names`` has it (the caller may read it)."""
    return s.RecordLabel(entityType=ref.entity_type, id=ref.id, name=names.get(ref))


def match_reason(reason: MatchReason, names: Names) -> s.MatchReasonBody:
    body = s.MatchReasonBody(address=reason.address, rule=reason.rule)
    if reason.record is not None:
        body.record = record_label(reason.record, names)
    return body


def participant(p: Participant | None) -> s.ParticipantBody | None:
    return None if p is None else s.ParticipantBody(address=p.address, name=p.name)


def _participants(ps: tuple[Participant, ...]) -> list[s.ParticipantBody]:
    return [s.ParticipantBody(address=p.address, name=p.name) for p in ps]


def _heading(item: TimelineItem | Activity | MailItem) -> dict[str, Any]:
    """The fields every item's body starts with: id, kind, subject, people, when."""
    return {
        "id": item.id,
        "kind": item.kind,
        "subject": item.subject,
        "from_": participant(item.sender),
        "to": _participants(item.to),
        "cc": _participants(item.cc),
        "occurredAt": iso(item.occurred_at),
    }


def timeline_item(item: TimelineItem, names: Names = _NO_NAMES) -> s.TimelineItemBody:
    body = s.TimelineItemBody(
        **_heading(item),
        state=item.state,
        preview=item.preview,
    )
    if item.regarding is not None:  # the caller's copy of an item tracked on another record
        body.regarding = record_label(item.regarding, names)
    elif item.state == "tracked":
        body.activityId = item.id
        body.direction = item.direction
        body.attachments = [
            s.AttachmentBody(name=a.name, size=a.size, contentType=a.content_type) for a in item.attachments
        ]
    elif item.state == "untracked":
        body.matchedBy = [match_reason(m, names) for m in item.matched_by]
    else:
        body.trackingId = item.tracking_id
    return body


def tracking_status(request: TrackingRequest) -> s.TrackingStatus:
    body = s.TrackingStatus(trackingId=request.id, state=request.state)
    body.regarding = s.RecordRefResponse(entityType=request.regarding.entity_type, id=request.regarding.id)
    if request.activity_id and request.state == "tracked":
        body.activityId = request.activity_id
    if request.error and request.state == "failed":
        body.error = request.error
    return body


# --- content -------------------------------------------------------------------------------


def attachment_detail(a: Attachment) -> s.AttachmentDetail:
    out = s.AttachmentDetail(
        id=a.id or attachment_key(a.source_id or a.name),
        name=a.name,
        size=a.size,
        contentType=a.content_type,
        isInline=a.is_inline,
        stored=a.stored,
    )
    if a.content_id:
        out.contentId = a.content_id
    if a.reason:
        out.reason = a.reason
    return out


def activity_detail(content: ActivityContent) -> s.ActivityDetail:
    a = content.activity
    out = s.ActivityDetail(
        **_heading(a),
        preview=a.preview,
        direction=a.direction,
        body=s.MailBody(contentType=content.body.content_type, content=content.body.content),
        attachments=[attachment_detail(x) for x in a.attachments],
        trackedBy=a.tracked_by,
        trackedAt=iso(a.tracked_at),
    )
    if a.end_at is not None:
        out.endAt = iso(a.end_at)
    if a.location:
        out.location = a.location
    return out


def mailbox_detail(content: MailboxContent) -> s.MailboxItemDetail:
    item = content.detail.item
    return s.MailboxItemDetail(
        **_heading(item),
        body=s.MailBody(contentType=content.body.content_type, content=content.body.content),
        attachments=[
            attachment_detail(replace(x, stored=False, reason=NOT_TRACKED))
            for x in content.detail.attachments
        ],
    )
