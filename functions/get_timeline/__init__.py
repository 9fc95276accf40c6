"""The record timeline: tracked activities plus the caller's private suggestions."""

from __future__ import annotations

import azure.functions as func

from shared.api.parse import route_record
from shared.api.serialize import timeline_item
from shared.http import handle, json_response
from shared.runtime import authenticated

bp = func.Blueprint()


@bp.route(route="api/timeline/{entityType}/{recordId}", methods=["GET"])
@handle
async def get_timeline(req: func.HttpRequest) -> func.HttpResponse:
    runtime, principal = await authenticated(req)
    ref = route_record(req)
    timeline = await runtime.timelines.timeline(principal, ref)
    return json_response(
        {
            "record": {"entityType": ref.entity_type, "id": ref.id, "name": timeline.record.name},
            "items": [timeline_item(item) for item in timeline.items],
            "autoCapture": {"active": timeline.active, "notice": timeline.notice, "reason": timeline.reason},
        }
    )
