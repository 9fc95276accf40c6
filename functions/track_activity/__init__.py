"""Track: the HTTP side (accept, status, bulk, untrack), the queue-triggered copy job and
the timer-triggered sweeper that leaves nothing pending."""

from __future__ import annotations

import uuid

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.endpoints import Call, Endpoints
from shared.api.links import (
    REQUEST,
    RESPONSE,
    to_activity,
    to_mailbox_item,
    to_timeline,
    to_tracking,
    to_untrack,
)
from shared.api.operation import Answer, Operation
from shared.api.parse import route_activity
from shared.api.serialize import timeline_item, tracking_status
from shared.exceptions import AutoCaptureError
from shared.http import Reply
from shared.logging import correlation
from shared.model import RecordRef
from shared.rules.timeline import tracked_item
from shared.runtime import RuntimeProvider
from shared.services.track_requests import TrackOutcome
from shared.validation import require_id

QUEUE = "%TRACK_QUEUE_NAME%"
#: NCRONTAB (second minute hour day month day-of-week): every two minutes, UTC.
SWEEP_SCHEDULE = "0 */2 * * * *"

_ON_REGARDING = to_timeline(f"{REQUEST}/regarding/entityType", f"{REQUEST}/regarding/id")
_QUEUED_LINKS = {
    "GetTrackingStatus": to_tracking(f"{RESPONSE}/trackingId"),
    "GetTimeline": _ON_REGARDING,
}
_TRACKED_LINKS = {
    **_QUEUED_LINKS,
    "Untrack": to_untrack(
        f"{RESPONSE}/activityId", f"{REQUEST}/regarding/entityType", f"{REQUEST}/regarding/id"
    ),
    "GetActivity": to_activity(
        f"{RESPONSE}/activityId", f"{REQUEST}/regarding/entityType", f"{REQUEST}/regarding/id"
    ),
}
_BULK_LINKS = {
    "GetTrackingStatus": to_tracking(f"{RESPONSE}/results/0/trackingId"),
    "GetTimeline": to_timeline(f"{REQUEST}/items/0/regarding/entityType", f"{REQUEST}/items/0/regarding/id"),
    "Untrack": to_untrack(
        f"{RESPONSE}/results/0/activityId",
        f"{REQUEST}/items/0/regarding/entityType",
        f"{REQUEST}/items/0/regarding/id",
    ),
    "GetMailboxItem": to_mailbox_item(f"{RESPONSE}/results/0/itemId", f"{REQUEST}/items/0/kind"),
    "GetActivity": to_activity(
        f"{RESPONSE}/results/0/activityId",
        f"{REQUEST}/items/0/regarding/entityType",
        f"{REQUEST}/items/0/regarding/id",
    ),
}
_STATUS_LINKS = {
    # poll again while pending (the copy runs in the background), as the web page does
    "GetTrackingStatus": to_tracking(f"{RESPONSE}/trackingId"),
    "GetTimeline": to_timeline(f"{RESPONSE}/regarding/entityType", f"{RESPONSE}/regarding/id"),
    "Untrack": to_untrack(
        f"{RESPONSE}/activityId", f"{RESPONSE}/regarding/entityType", f"{RESPONSE}/regarding/id"
    ),
    "GetActivity": to_activity(
        f"{RESPONSE}/activityId", f"{RESPONSE}/regarding/entityType", f"{RESPONSE}/regarding/id"
    ),
}

TRACK = Operation(
    "track",
    "Track one mailbox item on a record",
    "track",
    {
        200: Answer(
            "Already tracked. `activity` is present only when the caller may read the record the "
            "activity is on; otherwise the answer carries no content of it",
            s.TrackAccepted,
            examples.ALREADY_TRACKED,
            _TRACKED_LINKS,
        ),
        202: Answer(
            "Accepted: the copy runs in the background", s.TrackQueued, examples.ACCEPTED, _QUEUED_LINKS
        ),
    },
    problems=(403, 404, 502, 503),
    request=s.TrackRequest,
    request_example=examples.TRACK,
)
TRACK_BULK = Operation(
    "trackBulk",
    f"Track up to {s.MAX_BULK_ITEMS} items; each result carries its own status (200 tracked, "
    "without content of an activity on a record the caller cannot read; 202; 4xx/503)",
    "track",
    {
        200: Answer(
            "One result per item, in request order",
            s.BulkTrackResponse,
            {"results": [{"itemId": examples.ITEM_ID, "status": 202, **examples.ACCEPTED}]},
            _BULK_LINKS,
        )
    },
    request=s.BulkTrackRequest,
    request_example={"items": [examples.TRACK]},
)
GET_TRACKING = Operation(
    "getTracking",
    "The state of one of the caller's own Track requests",
    "track",
    {200: Answer("The request's state", s.TrackingStatus, examples.STATUS, _STATUS_LINKS)},
    problems=(404,),
)
UNTRACK = Operation(
    "untrackActivity",
    "Remove a tracked activity (its tracker, an Admin or a Sales.Manager)",
    "track",
    {204: Answer("Removed")},
    problems=(403, 404),
)


def _outcome(outcome: TrackOutcome) -> s.TrackAccepted | s.TrackQueued:
    """202: the pending request. 200: tracked (the caller's own request, if any), with the
    activity only when the caller may read its record."""
    if not outcome.tracked and outcome.request is not None:
        return s.TrackQueued(trackingId=outcome.request.id, state="pending")
    body = s.TrackAccepted(state="tracked")
    if outcome.request is not None:
        body.trackingId = outcome.request.id
    if outcome.activity_id is not None:
        body.activityId = outcome.activity_id
    if outcome.activity is not None:
        body.activity = timeline_item(tracked_item(outcome.activity))
    return body


def _bulk_result(item_id: str, status: int, result: TrackOutcome | AutoCaptureError) -> s.BulkTrackResult:
    entry = s.BulkTrackResult(itemId=item_id, status=status)
    if isinstance(result, AutoCaptureError):
        entry.error = result.detail
        return entry
    return s.BulkTrackResult.model_validate(
        {
            "itemId": item_id,
            "status": status,
            **_outcome(result).model_dump(exclude_unset=True, exclude={"activity"}),
        }
    )


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()
    api = Endpoints(bp, runtime)

    @api.route("api/track", "POST", TRACK)
    async def track(call: Call) -> Reply:
        """Queue a copy of one mailbox item into the store: 202 pending, 200 if already tracked."""
        body = call.body(s.TrackRequest)
        regarding = RecordRef(body.regarding.entityType, body.regarding.id)
        async with call.app.user_mailbox(call.principal) as mailbox:
            outcome = await call.app.tracker.request(
                call.principal, mailbox, body.itemId, body.kind, regarding
            )
        return Reply(_outcome(outcome), outcome.status)

    @api.route("api/track/bulk", "POST", TRACK_BULK)
    async def track_bulk(call: Call) -> Reply:
        """Track up to 50 items; each result has its own status (200 / 202 / 4xx)."""
        body = call.body(s.BulkTrackRequest)
        items = [(i.itemId, i.kind, RecordRef(i.regarding.entityType, i.regarding.id)) for i in body.items]
        async with call.app.user_mailbox(call.principal) as mailbox:
            results = await call.app.tracker.request_many(call.principal, mailbox, items)
        return Reply(s.BulkTrackResponse(results=[_bulk_result(*r) for r in results]))

    @api.route("api/track/{trackingId}", "GET", GET_TRACKING)
    async def get_tracking(call: Call) -> Reply:
        """The state of one of the caller's own Track requests (404 for anyone else's)."""
        tracking_id = require_id(call.req.route_params.get("trackingId"), "trackingId")
        return Reply(tracking_status(await call.app.tracker.status(call.principal, tracking_id)))

    @api.route("api/timeline/{entityType}/{recordId}/activities/{activityId}", "DELETE", UNTRACK)
    async def untrack(call: Call) -> Reply:
        """Remove a tracked activity (its tracker, an Admin or a Sales.Manager)."""
        ref, activity_id = route_activity(call.req)
        await call.app.tracker.untrack(call.principal, ref, activity_id)
        return Reply(status=204)

    @bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
    async def track_worker(msg: func.QueueMessage) -> None:
        """Copy the item into the store; raising asks the host to retry (then poison)."""
        await runtime().worker.process(msg.get_body(), msg.dequeue_count or 1, msg.id)

    @bp.timer_trigger(arg_name="timer", schedule=SWEEP_SCHEDULE, run_on_startup=False, use_monitor=True)
    async def track_sweeper(timer: func.TimerRequest) -> None:
        """Queue lost jobs again (requests pending too long), then fail them with a reason."""
        with correlation(f"sweep-{uuid.uuid4().hex[:12]}"):
            await runtime().sweeper.sweep()

    @bp.queue_trigger(arg_name="msg", queue_name=QUEUE + "-poison", connection="AzureWebJobsStorage")
    async def track_poisoned(msg: func.QueueMessage) -> None:
        """A job that failed every attempt: its request shows ``failed``."""
        with correlation(msg.id):
            await runtime().worker.poisoned(msg.get_body(), msg.dequeue_count or 1, msg.id)

    return bp
