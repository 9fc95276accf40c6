"""Content: a tracked activity's body and files, and a live untracked mailbox item."""

from __future__ import annotations

import re
from types import MappingProxyType
from urllib.parse import quote

import azure.functions as func

from shared.api import schemas as s
from shared.api.endpoints import Call, Endpoints
from shared.api.operation import Answer, Operation
from shared.api.parse import route_activity
from shared.api.serialize import activity_detail, mailbox_detail
from shared.http import Reply
from shared.runtime import RuntimeProvider
from shared.validation import (
    ATTACHMENT_ID_PATTERN,
    GRAPH_ITEM_ID_PATTERN,
    KIND_PATTERN,
    require_pattern,
)

#: A media type safe to send as it is (``type/subtype``, no parameters, no CR/LF).
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$")
#: A downloaded file can do nothing if a browser ever renders it in place.
FILE_HEADERS = MappingProxyType(
    {"Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff"}
)

GET_ACTIVITY = Operation(
    "getActivity",
    "A tracked activity with its full body (sanitized HTML or text) and every attachment",
    "timeline",
    {200: Answer("The activity", s.ActivityDetail)},
    problems=(404,),
)
GET_ATTACHMENT = Operation(
    "getActivityAttachment",
    "A copied attachment file of a tracked activity: its bytes, as a download",
    "timeline",
    {
        200: Answer(
            "The file's bytes (Content-Disposition: attachment)", media_type="application/octet-stream"
        )
    },
    problems=(404,),
)
GET_MAILBOX_ITEM = Operation(
    "getMailboxItem",
    "One of the caller's own untracked items, read live from their mailbox (never stored)",
    "timeline",
    {200: Answer("The item with its body", s.MailboxItemDetail)},
    problems=(403, 404, 502),
)


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback name and the RFC 5987 UTF-8 name."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;' else "_" for c in name)[:150] or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name[:255], safe='')}"


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()
    api = Endpoints(bp, runtime)

    @api.route("api/timeline/{entityType}/{recordId}/activities/{activityId}", "GET", GET_ACTIVITY)
    async def get_activity(call: Call) -> Reply:
        """A tracked activity's full body and attachments (record access as for the timeline)."""
        ref, activity_id = route_activity(call.req)
        return Reply(activity_detail(await call.app.content.activity(call.principal, ref, activity_id)))

    @api.route(
        "api/timeline/{entityType}/{recordId}/activities/{activityId}/attachments/{attachmentId}",
        "GET",
        GET_ATTACHMENT,
    )
    async def get_activity_attachment(call: Call) -> func.HttpResponse:
        """A copied file, as a download with its content type."""
        ref, activity_id = route_activity(call.req)
        attachment_id = require_pattern(
            call.req.route_params.get("attachmentId"),
            ATTACHMENT_ID_PATTERN,
            "attachmentId",
            "an attachment id",
        )
        file = await call.app.content.attachment(call.principal, ref, activity_id, attachment_id)
        ctype = file.attachment.content_type
        return func.HttpResponse(
            file.data,
            status_code=200,
            mimetype=ctype if _MEDIA_TYPE.fullmatch(ctype) else "application/octet-stream",
            headers={**FILE_HEADERS, "Content-Disposition": content_disposition(file.attachment.name)},
        )

    @api.route("api/mailbox/{kind}/{itemId}", "GET", GET_MAILBOX_ITEM)
    async def get_mailbox_item(call: Call) -> Reply:
        """The caller's own item with its body, live from their mailbox (owner only)."""
        kind = require_pattern(call.req.route_params.get("kind"), KIND_PATTERN, "kind", "email or meeting")
        item_id = require_pattern(
            call.req.route_params.get("itemId"), GRAPH_ITEM_ID_PATTERN, "itemId", "a Graph id"
        )
        async with call.app.user_mailbox(call.principal) as mailbox:
            content = await call.app.content.mailbox_item(call.principal, mailbox, kind, item_id)  # type: ignore[arg-type]
        return Reply(mailbox_detail(content))

    return bp
