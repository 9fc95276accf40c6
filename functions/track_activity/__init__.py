"""Track: the HTTP side (accept, status, bulk, untrack) and the queue-triggered copy job."""

from __future__ import annotations

import azure.functions as func

from shared.api.parse import parse_body, route_record
from shared.api.schemas import BulkTrackRequest, TrackRequest
from shared.api.serialize import timeline_item, tracking_status
from shared.exceptions import AutoCaptureError
from shared.http import handle, json_response
from shared.logging import correlation
from shared.model import RecordRef
from shared.rules.timeline import tracked_item
from shared.runtime import authenticated, get_runtime
from shared.services.track_requests import TrackOutcome
from shared.validation import require_id

bp = func.Blueprint()
QUEUE = "%TRACK_QUEUE_NAME%"


def _outcome_body(outcome: TrackOutcome) -> dict[str, object]:
    """202: the pending request. 200: the activity (and the caller's own request, if any)."""
    if outcome.activity is None and outcome.request is not None:
        return tracking_status(outcome.request)
    body: dict[str, object] = {"state": "tracked"}
    if outcome.request is not None:
        body["trackingId"] = outcome.request.id
    if outcome.activity is not None:
        body["activityId"] = outcome.activity.id
        body["activity"] = timeline_item(tracked_item(outcome.activity))
    return body


@bp.route(route="api/track", methods=["POST"])
@handle
async def track(req: func.HttpRequest) -> func.HttpResponse:
    """Queue a copy of one mailbox item into the store: 202 pending, 200 if already tracked."""
    runtime, principal = await authenticated(req)
    body = parse_body(req, TrackRequest)
    regarding = RecordRef(body.regarding.entityType, body.regarding.id)
    async with runtime.user_mailbox(principal) as mailbox:
        outcome = await runtime.tracker.request(principal, mailbox, body.itemId, body.kind, regarding)
    return json_response(_outcome_body(outcome), outcome.status)


@bp.route(route="api/track/bulk", methods=["POST"])
@handle
async def track_bulk(req: func.HttpRequest) -> func.HttpResponse:
    """Track up to 50 items; each result has its own status (200 / 202 / 4xx)."""
    runtime, principal = await authenticated(req)
    body = parse_body(req, BulkTrackRequest)
    items = [(i.itemId, i.kind, RecordRef(i.regarding.entityType, i.regarding.id)) for i in body.items]
    async with runtime.user_mailbox(principal) as mailbox:
        results = await runtime.tracker.request_many(principal, mailbox, items)
    out = []
    for item_id, status, result in results:
        entry: dict[str, object] = {"itemId": item_id, "status": status}
        if isinstance(result, AutoCaptureError):
            entry["error"] = result.detail
        else:
            entry.update(_outcome_body(result))
            entry.pop("activity", None)
        out.append(entry)
    return json_response({"results": out})


@bp.route(route="api/track/{trackingId}", methods=["GET"])
@handle
async def get_tracking(req: func.HttpRequest) -> func.HttpResponse:
    """The state of one of the caller's own Track requests (404 for anyone else's)."""
    runtime, principal = await authenticated(req)
    tracking_id = require_id(req.route_params.get("trackingId"), "trackingId")
    return json_response(tracking_status(await runtime.tracker.status(principal, tracking_id)))


@bp.route(route="api/timeline/{entityType}/{recordId}/activities/{activityId}", methods=["DELETE"])
@handle
async def untrack(req: func.HttpRequest) -> func.HttpResponse:
    """Remove a tracked activity (its tracker, an Admin or a Sales.Manager)."""
    runtime, principal = await authenticated(req)
    ref = route_record(req)
    activity_id = require_id(req.route_params.get("activityId"), "activityId")
    await runtime.tracker.untrack(principal, ref, activity_id)
    return func.HttpResponse(status_code=204)


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
async def track_worker(msg: func.QueueMessage) -> None:
    """Copy the item into the store; raising asks the host to retry (then poison)."""
    await get_runtime().worker.process(msg.get_body(), msg.dequeue_count or 1, msg.id)


@bp.queue_trigger(arg_name="msg", queue_name=QUEUE + "-poison", connection="AzureWebJobsStorage")
async def track_poisoned(msg: func.QueueMessage) -> None:
    """A job that failed every attempt: its request shows ``failed``."""
    with correlation(msg.id):
        await get_runtime().worker.poisoned(msg.get_body(), msg.dequeue_count or 1, msg.id)
