"""Domain objects -> the response models of ``shared.api.schemas`` (docs/api.md).

Only the fields that apply are set, so ``shared.http.serialize`` (``exclude_unset``)
leaves the others out: a tracked item has ``direction`` and ``attachments``, an untracked
one ``matchedBy``, a pending one ``trackingId``.
"""

from __future__ import annotations

from shared.api import schemas as s
from shared.model import Participant, TimelineItem, TrackingRequest
from shared.store.codec import iso


def participant(p: Participant | None) -> s.ParticipantBody | None:
    return None if p is None else s.ParticipantBody(address=p.address, name=p.name)


def _participants(ps: tuple[Participant, ...]) -> list[s.ParticipantBody]:
    return [s.ParticipantBody(address=p.address, name=p.name) for p in ps]


def timeline_item(item: TimelineItem) -> s.TimelineItemBody:
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
    if item.state == "tracked":
        body.direction = item.direction
        body.attachments = [
            s.AttachmentBody(name=a.name, size=a.size, contentType=a.content_type) for a in item.attachments
        ]
    elif item.state == "untracked":
        body.matchedBy = [s.MatchReasonBody(address=m.address, rule=m.rule) for m in item.matched_by]
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
