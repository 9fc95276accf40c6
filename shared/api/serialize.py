"""Domain objects -> the JSON bodies of docs/api.md (plain dicts, camelCase)."""

from __future__ import annotations

from typing import Any

from shared.model import Participant, TimelineItem, TrackingRequest
from shared.store.codec import iso


def participant(p: Participant | None) -> dict[str, str] | None:
    return None if p is None else {"address": p.address, "name": p.name}


def timeline_item(item: TimelineItem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "state": item.state,
        "subject": item.subject,
        "preview": item.preview,
        "from": participant(item.sender),
        "to": [participant(p) for p in item.to],
        "cc": [participant(p) for p in item.cc],
        "occurredAt": iso(item.occurred_at),
    }
    if item.state == "tracked":
        body["direction"] = item.direction
        body["attachments"] = [
            {"name": a.name, "size": a.size, "contentType": a.content_type} for a in item.attachments
        ]
    elif item.state == "untracked":
        body["matchedBy"] = [{"address": m.address, "rule": m.rule} for m in item.matched_by]
    else:
        body["trackingId"] = item.tracking_id
    return body


def tracking_status(request: TrackingRequest) -> dict[str, Any]:
    body: dict[str, Any] = {"trackingId": request.id, "state": request.state}
    if request.activity_id and request.state == "tracked":
        body["activityId"] = request.activity_id
    if request.error and request.state == "failed":
        body["error"] = request.error
    return body
