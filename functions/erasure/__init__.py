"""Erasure on request (Admin): erase an address, follow its receipt, preview it; the queued job."""

from __future__ import annotations

import azure.functions as func

from shared.api import admin_schemas as a
from shared.api import examples
from shared.api.endpoints import Call, Endpoints
from shared.api.operation import Answer, Link, Operation
from shared.erasure_job import ERASURE_ID_PATTERN
from shared.exceptions import ValidationError
from shared.http import Reply
from shared.logging import correlation
from shared.model import ErasureReceipt
from shared.runtime import RuntimeProvider
from shared.services.erasure import Preview
from shared.store.codec import iso
from shared.validation import require_pattern

QUEUE = "%ERASURE_QUEUE_NAME%"

ERASE = Operation(
    "eraseAddress",
    "Erase every tracked activity an address takes part in (AutoCapture.Admin)",
    "admin",
    {
        202: Answer(
            "Accepted: the erasure runs in the background",
            a.ErasureAccepted,
            examples.ERASURE_ACCEPTED,
            {
                "GetErasure": Link(
                    "getErasure", {"erasureId": "$response.body#/erasureId"}, "Follow the receipt until done"
                )
            },
        )
    },
    problems=(403,),
    request=a.ErasureRequest,
    request_example=examples.ERASURE,
    description="Removes the activities (bodies, attachments, claims), the tracking requests for them "
    "and the address's exclusion entries; mail with the address is never suggested or tracked again. "
    "Asking again is accepted and ends `done` with the counts of that run.",
)
GET_ERASURE = Operation(
    "getErasure",
    "An erasure's receipt: state, counts and ids, never content (AutoCapture.Admin)",
    "admin",
    {200: Answer("The receipt", a.ErasureStatus, examples.ERASURE_DONE)},
    problems=(403, 404),
)
PREVIEW = Operation(
    "previewErasure",
    "What erasing an address would remove now (AutoCapture.Admin)",
    "admin",
    {200: Answer("The activities the address takes part in", a.ErasurePreview, examples.ERASURE_PREVIEW)},
    problems=(403,),
    query={"address": "the email address"},
    required_query=frozenset({"address"}),
)


def receipt_body(receipt: ErasureReceipt) -> a.ErasureStatus:
    removed = a.ErasureRemoved(
        activities=len(receipt.removed_activities),
        attachments=receipt.attachments,
        trackingRequests=len(receipt.tracking_requests),
        exclusionEntries=len(receipt.exclusion_lists),
    )
    return a.ErasureStatus(
        erasureId=receipt.id,
        state=receipt.state,
        removed=removed,
        activityIds=[aid for aid, _ in receipt.removed_activities],
        requestedBy=receipt.requested_by,
        requestedAt=iso(receipt.requested_at),
        finishedAt=iso(receipt.finished_at) if receipt.finished_at else None,
    )


def preview_body(preview: Preview) -> a.ErasurePreview:
    return a.ErasurePreview(
        address=preview.address,
        count=len(preview.activities),
        activities=[
            a.PreviewActivity(
                id=act.id,
                regarding=a.RecordRefOut(entityType=act.regarding.entity_type, id=act.regarding.id),
                kind=act.kind,
                occurredAt=iso(act.occurred_at),
            )
            for act in preview.activities
        ],
    )


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()
    api = Endpoints(bp, runtime)

    @api.route("api/admin/erasure", "POST", ERASE)
    async def erase_address(call: Call) -> Reply:
        """Queue the erasure of an address: 202 with the erasureId to follow."""
        body = call.body(a.ErasureRequest)
        receipt = await call.app.erasure.request(call.principal, body.address)
        return Reply(a.ErasureAccepted(erasureId=receipt.id, state=receipt.state), 202)

    # Registered before {erasureId}: the local host takes the first route that matches, and
    # the Functions host prefers the literal segment anyway.
    @api.route("api/admin/erasure/preview", "GET", PREVIEW)
    async def preview_erasure(call: Call) -> Reply:
        """What erasing ``?address=`` would remove: the activities it takes part in."""
        address = call.req.params.get("address")
        if not address:
            raise ValidationError("the address query parameter is required", "address")
        return Reply(preview_body(await call.app.erasure.preview(call.principal, address)))

    @api.route("api/admin/erasure/{erasureId}", "GET", GET_ERASURE)
    async def get_erasure(call: Call) -> Reply:
        """The receipt of one erasure: state, counts and ids."""
        erasure_id = require_pattern(
            call.req.route_params.get("erasureId"), ERASURE_ID_PATTERN, "erasureId", "ers- and 32 hex digits"
        )
        return Reply(receipt_body(await call.app.erasure.status(call.principal, erasure_id)))

    @bp.queue_trigger(arg_name="msg", queue_name=QUEUE, connection="AzureWebJobsStorage")
    async def erasure_worker(msg: func.QueueMessage) -> None:
        """Run (or resume) one erasure; raising asks the host to retry (then poison)."""
        await runtime().erasure_worker.process(msg.get_body(), msg.dequeue_count or 1, msg.id)

    @bp.queue_trigger(arg_name="msg", queue_name=QUEUE + "-poison", connection="AzureWebJobsStorage")
    async def erasure_poisoned(msg: func.QueueMessage) -> None:
        """An erasure that failed every attempt: its receipt shows ``failed``."""
        with correlation(msg.id):
            await runtime().erasure_worker.poisoned(msg.get_body(), msg.dequeue_count or 1, msg.id)

    return bp
