"""Domain objects -> the response models of ``shared.api.schemas`` (docs/api.md).

Only the fields that apply are set, so ``shared.http.serialize`` (``exclude_unset``)
leaves the others out: a tracked item has ``direction`` and ``attachments``, an untracked
one ``matchedBy``, a pending one ``trackingId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shared.api import schemas as s
from shared.model import MatchReason, Participant, RecordRef, TimelineItem, TrackingRequest
from shared.store.codec import iso

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


def timeline_item(item: TimelineItem, names: Names = _NO_NAMES) -> s.TimelineItemBody:
    body = s.TimelineItemBody(
        id=item.id,
        kind=item.kind,
        state=item.state,
        subject=item.subject,
        preview=item.preview,
        from_=participant(item.sender),
        to=_participants(item.to),
        cc=_participants(item.cc),
        occurredAt=iso(item.occurred_at),
    )
    if item.regarding is not None:  # the caller's copy of an item tracked on another record
        body.regarding = record_label(item.regarding, names)
    elif item.state == "tracked":
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
    if request.activity_id and request.state == "tracked":
        body.activityId = request.activity_id
    if request.error and request.state == "failed":
        body.error = request.error
    return body
