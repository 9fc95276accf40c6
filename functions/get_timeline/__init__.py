"""The record timeline: tracked activities plus the caller's private suggestions."""

from __future__ import annotations

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.links import RESPONSE, to_track, to_tracking, to_untrack
from shared.api.operation import Answer, Operation
from shared.api.parse import route_record
from shared.api.serialize import timeline_item
from shared.http import Reply, handle
from shared.runtime import RuntimeProvider

_TYPE, _ID = "$request.path.entityType", "$request.path.recordId"
GET_TIMELINE = Operation(
    "getTimeline",
    "The record's timeline: tracked activities plus the caller's private suggestions",
    "timeline",
    {
        200: Answer(
            "The timeline, newest first",
            s.TimelineResponse,
            examples.TIMELINE,
            {
                # an item's id is the activity id when tracked, the Graph item id otherwise
                "Untrack": to_untrack(f"{RESPONSE}/items/0/id", _TYPE, _ID),
                "Track": to_track("/items/0", _TYPE, _ID),
                "GetTrackingStatus": to_tracking(f"{RESPONSE}/items/0/trackingId"),
            },
        )
    },
    problems=(404,),
)


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()

    @bp.route(route="api/timeline/{entityType}/{recordId}", methods=["GET"])
    @handle(GET_TIMELINE)
    async def get_timeline(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        ref = route_record(req)
        timeline = await app.timelines.timeline(principal, ref)
        return Reply(
            s.TimelineResponse(
                record=s.TimelineRecord(entityType=ref.entity_type, id=ref.id, name=timeline.record.name),
                items=[timeline_item(item) for item in timeline.items],
                autoCapture=s.AutoCaptureStatus(
                    active=timeline.active,
                    notice=timeline.notice,
                    reason=timeline.reason,
                    **({"claims": timeline.claims} if timeline.claims else {}),
                ),
            )
        )

    return bp
