"""The record timeline: tracked activities plus the caller's private suggestions, and why."""

from __future__ import annotations

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.endpoints import Call, Endpoints
from shared.api.links import RESPONSE, to_activity, to_track, to_tracking, to_untrack
from shared.api.operation import Answer, Operation
from shared.api.parse import query_address, route_record
from shared.api.serialize import timeline_item
from shared.api.serialize_explain import explanation
from shared.http import Reply
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
                # each by the field only an item in that state carries: a suggestion's id is
                # what Track takes, a pending item's trackingId, a tracked item's activityId
                "Track": to_track("/items/0", _TYPE, _ID),
                "GetTrackingStatus": to_tracking(f"{RESPONSE}/items/0/trackingId"),
                "Untrack": to_untrack(f"{RESPONSE}/items/0/activityId", _TYPE, _ID),
                "GetActivity": to_activity(f"{RESPONSE}/items/0/activityId", _TYPE, _ID),
            },
        )
    },
    problems=(404,),
)
EXPLAIN_TIMELINE = Operation(
    "explainTimeline",
    "Why the caller's timeline shows what it shows: addresses by rule, what was left out, hidden items",
    "timeline",
    {
        200: Answer(
            "The explanation (private to the caller, never stored)", s.ExplainResponse, examples.EXPLAIN
        )
    },
    problems=(404,),
    query={"address": "an email address: say how it relates to the record, and narrow `hidden` to it"},
    description="Looks back 30 days in the caller's mailbox; the same access rules as the timeline.",
)


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()
    api = Endpoints(bp, runtime)

    @api.route("api/timeline/{entityType}/{recordId}", "GET", GET_TIMELINE)
    async def get_timeline(call: Call) -> Reply:
        ref = route_record(call.req)
        timeline = await call.app.timelines.timeline(call.principal, ref)
        return Reply(
            s.TimelineResponse(
                record=s.TimelineRecord(entityType=ref.entity_type, id=ref.id, name=timeline.record.name),
                items=[timeline_item(item, timeline.names) for item in timeline.items],
                autoCapture=s.AutoCaptureStatus(
                    active=timeline.active,
                    notice=timeline.notice,
                    reason=timeline.reason,
                    **({"claims": timeline.claims} if timeline.claims else {}),
                ),
            )
        )

    @api.route("api/timeline/{entityType}/{recordId}/explain", "GET", EXPLAIN_TIMELINE)
    async def explain_timeline(call: Call) -> Reply:
        ref, address = route_record(call.req), query_address(call.req)
        return Reply(explanation(await call.app.explainer.explain(call.principal, ref, address)))

    return bp
