"""HTTP plumbing shared by the blueprints: JSON in, one response path out.

A handler returns a ``Reply`` (a pydantic response model, a status, headers); ``handle``
serializes it, so every body the API sends went through its documented model. Errors are
mapped to RFC 9457 problem+json once, here: a handler raises our error types and never a
stack trace or an internal message leaves (an unexpected exception becomes a generic 500
carrying the Functions invocation id, which every log line of the request carries too).
Every response gets the security headers of ``SECURITY_HEADERS``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import azure.functions as func
from pydantic import BaseModel

from shared.api.operation import Operation
from shared.exceptions import (
    AuthenticationError,
    AutoCaptureError,
    PayloadTooLargeError,
    UnavailableError,
    ValidationError,
)
from shared.logging import correlation, log_event, ms_since

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
#: The largest JSON body any endpoint accepts.
MAX_BODY_BYTES = 64 * 1024

#: The deepest JSON nesting any body may have (no request schema needs more than 4 levels).
MAX_JSON_DEPTH = 16

#: A caller-supplied correlation id is logged (as ``clientCorrelationId``, never as ours)
#: only when it is this harmless, and never when it takes the form of our tracking ids.
_CLIENT_CORRELATION_ID = re.compile(r"(?!trk-)[A-Za-z0-9._:\-]{1,64}", re.IGNORECASE)

#: Sent on every API response: no sniffing, no framing, no referrer, no caching, and a
#: CSP that lets a JSON answer do nothing if a browser ever renders it.
SECURITY_HEADERS: Mapping[str, str] = MappingProxyType(
    {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }
)


@dataclass(frozen=True)
class Reply:
    """What a handler answers: a response model (or none, e.g. 204), a status, extra headers."""

    body: BaseModel | None = None
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)


#: A raw response (the OpenAPI document) or a ``Reply`` to serialize.
Result = Reply | func.HttpResponse
Handler = Callable[[func.HttpRequest], Awaitable[Result]]


def serialize(model: BaseModel) -> str:
    """The JSON of a response model: camelCase aliases, fields the handler did not set left out."""
    return model.model_dump_json(by_alias=True, exclude_unset=True)


def render(reply: Reply) -> func.HttpResponse:
    return func.HttpResponse(
        serialize(reply.body) if reply.body is not None else None,
        status_code=reply.status,
        mimetype="application/json" if reply.body is not None else None,
        charset="utf-8",
        headers={**SECURITY_HEADERS, **reply.headers},
    )


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    type_: str = "about:blank",
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> func.HttpResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status, "detail": detail}
    body.update(extra or {})
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status_code=status,
        mimetype=PROBLEM,
        charset="utf-8",
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


def error_response(exc: AutoCaptureError) -> func.HttpResponse:
    headers: dict[str, str] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, AuthenticationError):
        headers["WWW-Authenticate"] = exc.www_authenticate
    if isinstance(exc, UnavailableError):  # every 503 (and only they carry retry_after)
        headers["Retry-After"] = str(exc.retry_after or 5)
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


def handle(operation: Operation) -> Callable[[Handler], Callable[..., Awaitable[func.HttpResponse]]]:
    """Wrap a handler declared by ``operation``: correlation id, error mapping, one log line.

    The wrapper is what the Functions worker indexes: it takes ``req`` and the invocation
    ``context`` (whose ``invocation_id`` becomes the correlation id) and carries
    ``operation`` for the OpenAPI document.
    """

    def decorate(fn: Handler) -> Callable[..., Awaitable[func.HttpResponse]]:
        async def wrapper(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
            invocation_id = getattr(context, "invocation_id", None) or str(uuid.uuid4())
            given = req.headers.get("x-correlation-id") or ""
            client_id = given if _CLIENT_CORRELATION_ID.fullmatch(given) else None
            started = time.perf_counter()
            with correlation(invocation_id):
                try:
                    result = await fn(req)
                    response = render(result) if isinstance(result, Reply) else result
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
                    durationMs=ms_since(started),
                    clientCorrelationId=client_id,
                )
                for name, value in SECURITY_HEADERS.items():
                    if name not in response.headers:
                        response.headers[name] = value
                response.headers["x-correlation-id"] = invocation_id
                return response

        wrapper.__name__ = fn.__name__
        wrapper.__qualname__ = fn.__qualname__
        wrapper.__doc__ = fn.__doc__ or operation.summary
        # The worker resolves these with typing.get_type_hints: real objects, not strings.
        wrapper.__annotations__ = {
            "req": func.HttpRequest,
            "context": func.Context,
            "return": func.HttpResponse,
        }
        wrapper.operation = operation  # type: ignore[attr-defined]
        return wrapper

    return decorate
