"""Attachments as Graph serves them: listed, read by id, and their raw ``$value``.

- ``GET .../messages|events/{id}/attachments``: every attachment with its ``@odata.type``;
  a ``fileAttachment`` carries ``contentBytes`` (base64) unless ``$select`` leaves it out;
- ``GET .../attachments/{attachmentId}``: one attachment, all its properties (a file's
  ``contentBytes`` and ``contentId`` included); 404 ``ErrorItemNotFound`` when missing;
- ``GET .../attachments/{attachmentId}/$value``: a file's raw bytes with its content type;
  a ``referenceAttachment`` answers 405, as Graph does.

A file attachment in a mailbox file without ``contentBytes`` (the demo data lists sizes
only) is served with ``size`` deterministic bytes, so every file can be downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from localdev.graph_server import odata
from localdev.graph_server.errors import GraphError, not_found
from localdev.graph_server.store import User

FILE = "#microsoft.graph.fileAttachment"
REFERENCE = "#microsoft.graph.referenceAttachment"
ONE = re.compile(r"/(?:messages|events)/(?P<item>[^/]+)/attachments/(?P<att>[^/]+?)(?P<value>/\$value)?$")


def _type(attachment: Mapping[str, Any]) -> str:
    value = str(attachment.get("@odata.type") or FILE)
    return value if value.startswith("#") else "#" + value


def _encoded(attachment: Mapping[str, Any]) -> str:
    """``contentBytes`` as stored (passed on as Graph would), or filler of ``size`` bytes."""
    encoded = attachment.get("contentBytes")
    return encoded if isinstance(encoded, str) else base64.b64encode(content_of(attachment)).decode()


def content_of(attachment: Mapping[str, Any]) -> bytes:
    """A file attachment's bytes: its ``contentBytes`` decoded, or filler of its ``size``."""
    encoded = attachment.get("contentBytes")
    if isinstance(encoded, str):
        try:
            return base64.b64decode(encoded, validate=True)
        except ValueError:
            return encoded.encode()
    seed = hashlib.sha256(str(attachment.get("id", "")).encode()).digest()
    size = int(attachment.get("size") or 0)
    return (seed * (size // len(seed) + 1))[:size]


def attachment_out(attachment: Mapping[str, Any], select: list[str] | None) -> dict[str, Any]:
    """One attachment as Graph answers it (``contentBytes`` only for a file, unless unselected)."""
    kind = _type(attachment)
    out: dict[str, Any] = {"@odata.type": kind, **{k: v for k, v in attachment.items() if k != "@odata.type"}}
    if kind == FILE and (select is None or "contentBytes" in select):
        out["contentBytes"] = _encoded(attachment)
    else:
        out.pop("contentBytes", None)
    return odata.apply_select(out, select) | {"@odata.type": kind}


def parent_item(user: User, item_id: str) -> Mapping[str, Any]:
    """The message or event ``item_id`` whose attachments are asked for, else a 404."""
    parent: Mapping[str, Any] | None = user.message_index.get(item_id) or user.event_index.get(item_id)
    if parent is None:
        raise not_found()
    return parent


def _find(user: User, request: web.Request) -> tuple[Mapping[str, Any], bool]:
    match = ONE.search(request.match_info["tail"])
    if match is None:
        raise GraphError(400, "BadRequest", "Resource not found for the segment 'attachments'.")
    for attachment in parent_item(user, match["item"]).get("attachments", []):
        if str(attachment.get("id")) == match["att"]:
            return attachment, bool(match["value"])
    raise not_found()


async def get_attachment(request: web.Request, user: User, _: str) -> web.Response:
    attachment, raw = _find(user, request)
    if raw:
        if _type(attachment) == REFERENCE:
            raise GraphError(405, "ErrorInvalidRequest", "A reference attachment has no raw value.")
        ctype = str(attachment.get("contentType") or "application/octet-stream")
        return web.Response(body=content_of(attachment), headers={"Content-Type": ctype})
    query = odata.parse_query(request.query, "attachment", odata.ATTACHMENT_PROPS, ("$select", "$expand"))
    return web.json_response(attachment_out(attachment, query.select))
