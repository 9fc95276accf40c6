"""HTTP plumbing shared by the blueprints: JSON in, JSON / problem+json out.

Errors are mapped to RFC 9457 problem+json once, here. A handler raises our error
types; ``handle`` turns them into responses and never lets a stack trace or an
internal message out (unexpected exceptions become a generic 500, logged with the
invocation id that the response also carries).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func

from shared.exceptions import (
    AuthenticationError,
    AutoCaptureError,
    MailboxThrottledError,
    PayloadTooLargeError,
    StoreUnavailableError,
    ValidationError,
)
from shared.logging import correlation, log_event

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
#: The largest JSON body any endpoint accepts.
MAX_BODY_BYTES = 64 * 1024

#: The deepest JSON nesting any body may have (no request schema needs more than 4 levels).
MAX_JSON_DEPTH = 16

#: A caller-supplied correlation id is echoed only when it is this harmless.
_CORRELATION_ID = re.compile(r"[A-Za-z0-9._:\-]{1,64}")

Handler = Callable[[func.HttpRequest], Awaitable[func.HttpResponse]]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        status_code=status,
        mimetype="application/json",
        charset="utf-8",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> func.HttpResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update(extra or {})
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        mimetype=PROBLEM,
        charset="utf-8",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def error_response(exc: AutoCaptureError) -> func.HttpResponse:
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if isinstance(exc, StoreUnavailableError):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, MailboxThrottledError) and exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, ValidationError) and exc.field:
        extra["field"] = exc.field
    return problem(exc.status, exc.title, exc.detail, headers=headers, extra=extra)


def read_json(req: func.HttpRequest, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The request body as JSON, or a ValidationError / PayloadTooLargeError naming why not."""
    body = req.get_body() or b""
    if len(body) > max_bytes:
        raise PayloadTooLargeError(f"the body is larger than {max_bytes} bytes", "body")
    ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
    if ctype and ctype != "application/json" and not ctype.endswith("+json"):
        raise ValidationError("Content-Type must be application/json", "body")
    if not body.strip():
        raise ValidationError("a JSON body is required", "body")
    try:
        data = json.loads(body, parse_constant=_reject_constant)
        # "\ud800" decodes to a lone surrogate, which no UTF-8 writer (Cosmos, logs, hashes) accepts
        json.dumps(data, ensure_ascii=False).encode("utf-8")
        if _depth(data) > MAX_JSON_DEPTH:
            raise RecursionError
    except UnicodeEncodeError as exc:
        raise ValidationError("the body holds an unpaired \\u surrogate escape", "body") from exc
    except ValueError as exc:  # includes UnicodeDecodeError: the bytes are not UTF-8/16/32
        raise ValidationError("the body is not valid JSON", "body") from exc
    except RecursionError as exc:  # "[[[[..." deeper than the decoder's recursion limit
        raise ValidationError("the body is nested too deeply", "body") from exc
    return data


def _depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects (iterative: no recursion limit to hit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                stack.append((child, level + 1))
        deepest = max(deepest, level if isinstance(node, dict | list) else 0)
    return deepest


def _reject_constant(name: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259); Python accepts them."""
    raise ValueError(f"{name} is not a JSON value")


def handle(fn: Handler) -> Handler:
    """Wrap a handler: correlation id, error mapping, one log line per request."""

    async def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        given = req.headers.get("x-correlation-id") or ""
        invocation_id = given if _CORRELATION_ID.fullmatch(given) else str(uuid.uuid4())
        started = time.perf_counter()
        with correlation(invocation_id):
            try:
                response = await fn(req)
            except AutoCaptureError as exc:
                response = error_response(exc)
            except Exception:
                log.exception("unhandled error in %s", fn.__name__)
                response = problem(
                    500,
                    "Internal error",
                    "an unexpected error occurred",
                    extra={"correlationId": invocation_id},
                )
            log_event(
                log,
                "http.request",
                handler=fn.__name__,
                method=req.method,
                status=response.status_code,
                durationMs=round((time.perf_counter() - started) * 1000, 1),
            )
            response.headers["x-correlation-id"] = invocation_id
            return response

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
