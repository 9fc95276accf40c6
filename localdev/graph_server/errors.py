"""Graph's error shape: ``{"error": {"code", "message", "innerError": {...}}}``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from aiohttp import web


class GraphError(Exception):
    """An error answer, exactly as Graph shapes it."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after

    def response(self) -> web.Response:
        request_id = str(uuid.uuid4())
        body = {
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "request-id": request_id,
                    "client-request-id": request_id,
                },
            }
        }
        headers = {"request-id": request_id}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return web.json_response(body, status=self.status, headers=headers)


#: Graph's code and message for an id it does not know (a message, event, folder, attachment).
ITEM_NOT_FOUND = ("ErrorItemNotFound", "The specified object was not found in the store.")


def not_found() -> GraphError:
    return GraphError(404, *ITEM_NOT_FOUND)


def bad_query(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def invalid_filter(message: str = "The query filter contains one or more invalid nodes.") -> GraphError:
    return GraphError(400, "ErrorInvalidUrlQueryFilter", message)
