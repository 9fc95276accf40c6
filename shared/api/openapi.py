"""The OpenAPI 3.1 document, generated from the Functions app itself.

Each HTTP function's route and methods come from its trigger binding and its contract
from the ``Operation`` it declared beside the route (``shared.api.operation``); bodies
are the pydantic models the handlers validate requests with and serialize answers
through, and path parameters use the patterns of ``shared.validation``. So the document
is generated from one table, the app's function list, and cannot list a route the app
lacks or miss one it has. ``docs/openapi.json`` is the Azure document
(``python -m localdev.openapi`` rewrites it; a test keeps it current).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.api import examples
from shared.api import schemas as s
from shared.api.operation import Answer, Link, Operation, in_api, operation_of
from shared.erasure_job import ERASURE_ID_PATTERN
from shared.http import MAX_BODY_BYTES
from shared.rules.exclusions import ADDRESS_ENTRY_PATTERN
from shared.validation import (
    ATTACHMENT_ID_PATTERN,
    ENTITY_TYPE_PATTERN,
    GRAPH_ITEM_ID_PATTERN,
    ID_PATTERN,
    KIND_PATTERN,
    MAX_EMAIL_LENGTH,
)

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
LOCAL_ONLY_TAG = "local-only"

_TAGS = MappingProxyType(
    {
        "timeline": "Record timelines",
        "track": "Tracking mailbox items on records",
        "settings": "Org and personal settings",
        "admin": "Administration",
        "system": "Health and this document",
        LOCAL_ONLY_TAG: "Local development only",
    }
)
_TITLES = MappingProxyType(
    {
        400: "Invalid request: the problem's `field` names the offending field",
        401: "Missing, malformed, expired or foreign bearer token",
        403: "The caller lacks the role this action needs",
        404: "No such resource, or not one the caller may see",
        405: "The route exists but not with this method (`Allow` lists the methods it has)",
        409: "The request conflicts with the current state",
        413: f"The body is larger than {MAX_BODY_BYTES} bytes",
        502: "Microsoft Graph answered with an unexpected error",
        503: "A dependency (Cosmos DB, the queue, the file store, Graph, the signing keys) is unavailable;"
        " retry later",
    }
)
_PROBLEM_EXAMPLES: Mapping[int, dict[str, Any]] = MappingProxyType(
    {
        400: {
            "title": "Invalid request",
            "detail": "regarding.id: 'a b' does not have the documented form",
            "field": "regarding.id",
        },
        401: {"title": "Unauthorized", "detail": "A bearer token is required"},
        403: {"title": "Forbidden", "detail": "This action needs the AutoCapture.Admin role"},
        404: {"title": "Not found", "detail": "No such record"},
        405: {"title": "Method not allowed", "detail": "this route does not take that method"},
        409: {"title": "Conflict", "detail": "auto capture is turned off for the organisation"},
        413: {
            "title": "Payload too large",
            "detail": f"body: the body is larger than {MAX_BODY_BYTES} bytes",
        },
        502: {"title": "Mailbox error", "detail": "the mailbox could not be read"},
        503: {"title": "Service unavailable", "detail": "the store is unavailable; retry later"},
    }
)
_HEADERS: Mapping[int, dict[str, Any]] = MappingProxyType(
    {
        401: {"WWW-Authenticate": {"description": "RFC 6750 bearer challenge", "schema": {"type": "string"}}},
        503: {
            "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "string"}}
        },
    }
)


@dataclass(frozen=True)
class PathParam:
    pattern: str
    description: str
    example: str


#: Every path parameter a route may use (a route naming another fails the build).

PATH_PARAMS: Mapping[str, PathParam] = MappingProxyType(
    {
        "entityType": PathParam(ENTITY_TYPE_PATTERN, "CRM entity type, lower case", "account"),
        "recordId": PathParam(ID_PATTERN, "the record's id", "a-contoso"),
        "activityId": PathParam(ID_PATTERN, "a tracked activity's id", examples.ACTIVITY_ID),
        "trackingId": PathParam(ID_PATTERN, "the id POST /api/track answered", examples.TRACKING_ID),
        "erasureId": PathParam(
            ERASURE_ID_PATTERN, "the id POST /api/admin/erasure answered", examples.ERASURE_ID
        ),
        "attachmentId": PathParam(
            ATTACHMENT_ID_PATTERN, "an attachment's id (the activity lists them)", examples.ATTACHMENT_ID
        ),
        "kind": PathParam(KIND_PATTERN, "email or meeting", "email"),
        "itemId": PathParam(GRAPH_ITEM_ID_PATTERN, "the Graph item id of a suggestion", examples.ITEM_ID),
    }
)
#: Every query parameter an operation may declare (its ``Operation.query`` gives the description).
QUERY_PARAMS: Mapping[str, PathParam] = MappingProxyType(
    {"address": PathParam(ADDRESS_ENTRY_PATTERN, "an email address", "jane@contoso.com")}
)
_QUERY_MAX_LENGTH = MappingProxyType({"address": MAX_EMAIL_LENGTH})
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class FunctionApp(Protocol):
    def get_functions(self) -> Iterable[Any]: ...


@dataclass(frozen=True)
class Route:
    """One HTTP function of the app: its path, methods and declared operation."""

    path: str
    methods: tuple[str, ...]
    operation: Operation | None
    name: str


def routes(app: FunctionApp) -> list[Route]:
    """The app's HTTP functions as the host registers them (``routePrefix`` is empty)."""
    out = []
    for f in app.get_functions():
        trigger = f.get_trigger()
        if trigger.get_binding_name() != "httpTrigger" or not in_api(f.get_user_function()):
            continue
        methods = tuple(sorted(str(getattr(m, "value", m)).lower() for m in (trigger.methods or ())))
        path = "/" + str(trigger.route or f.get_function_name()).strip("/")
        out.append(Route(path, methods, operation_of(f.get_user_function()), f.get_function_name()))
    return out


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _content(media_type: str, model: type[BaseModel] | None, example: Any) -> dict[str, Any]:
    if model is not None:
        schema: dict[str, Any] = _ref(model)
    elif "json" in media_type:
        schema = {"type": "object"}
    else:
        schema = {"type": "string", "format": "binary"}
    body: dict[str, Any] = {"schema": schema}
    if example is not None:
        body["example"] = example
    return {media_type: body}


def _answer(status: int, answer: Answer) -> dict[str, Any]:
    out: dict[str, Any] = {"description": answer.description}
    if status != 204:
        out["content"] = _content(answer.media_type, answer.model, answer.example)
    if answer.links:
        out["links"] = {name: _link(link) for name, link in sorted(answer.links.items())}
    if status in _HEADERS:
        out["headers"] = _HEADERS[status]
    return out


def _link(link: Link) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": link.operation_id}
    if link.parameters:
        out["parameters"] = dict(link.parameters)
    if link.request_body is not None:
        out["requestBody"] = link.request_body
    if link.description:
        out["description"] = link.description
    return out


def _problem(status: int) -> dict[str, Any]:
    example = {"type": "about:blank", "status": status, **_PROBLEM_EXAMPLES[status]}
    response: dict[str, Any] = {
        "description": _TITLES[status],
        "content": _content(PROBLEM, s.Problem, example),
    }
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def _parameters(path: str, op: Operation) -> list[dict[str, Any]]:
    params = []
    for name in _PARAM.findall(path):
        spec = PATH_PARAMS[name]
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": spec.description,
                "schema": {"type": "string", "pattern": spec.pattern},
                "example": spec.example,
            }
        )
    for name, description in op.query.items():
        spec = QUERY_PARAMS[name]
        schema: dict[str, Any] = {"type": "string", "pattern": spec.pattern}
        if name in _QUERY_MAX_LENGTH:
            schema["maxLength"] = _QUERY_MAX_LENGTH[name]
        params.append(
            {
                "name": name,
                "in": "query",
                "required": name in op.required_query,
                "description": description,
                "schema": schema,
                "example": spec.example,
            }
        )
    return params


def _operation(path: str, op: Operation) -> dict[str, Any]:
    params = _parameters(path, op)
    statuses = op.statuses(has_parameters=bool(params))
    responses = {
        code: _answer(code, op.answers[code]) if code in op.answers else _problem(code) for code in statuses
    }
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "tags": [LOCAL_ONLY_TAG if op.local_only else op.tag],
    }
    if op.description or op.local_only:
        local = "Local mode only (AUTOCAPTURE_MODE=local); never registered in Azure."
        out["description"] = " ".join(d for d in (op.description, local if op.local_only else None) if d)
    if params:
        out["parameters"] = params
    if op.request is not None:
        out["requestBody"] = {
            "required": True,
            "content": _content("application/json", op.request, op.request_example),
        }
    out["responses"] = {str(code): responses[code] for code in sorted(responses)}
    out["security"] = [{"bearerAuth": []}] if op.secured else []
    return out


def _components(ops: Iterable[Operation]) -> dict[str, Any]:
    modes: dict[type[BaseModel], JsonSchemaMode] = {s.Problem: "serialization"}
    for op in ops:
        if op.request is not None:
            modes[op.request] = "validation"
        for answer in op.answers.values():
            if answer.model is not None:
                modes.setdefault(answer.model, "serialization")
    _, top = models_json_schema(list(modes.items()), ref_template=REF)
    return {
        "schemas": dict(sorted(top.get("$defs", {}).items())),
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "An Entra ID access token for the API (locally: POST /dev/token)",
            }
        },
    }


def build_openapi(app: FunctionApp) -> dict[str, Any]:
    """The document of every HTTP function ``app`` registers (each must declare an Operation)."""
    paths: dict[str, dict[str, Any]] = {}
    ops: list[Operation] = []
    for route in routes(app):
        if route.operation is None:
            raise ValueError(f"HTTP function {route.name} declares no Operation")
        ops.append(route.operation)
        for method in route.methods:
            paths.setdefault(route.path, {})[method] = _operation(route.path, route.operation)
    used = {LOCAL_ONLY_TAG if op.local_only else op.tag for op in ops}
    tags = [{"name": name, "description": text} for name, text in _TAGS.items() if name in used]
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "AutoCapture API",
            "version": API_VERSION,
            "description": (
                "Email and meeting auto capture for CRM record timelines. Errors are "
                "application/problem+json (RFC 9457). Every request body is JSON of at most "
                f"{MAX_BODY_BYTES} bytes; unknown fields are refused."
            ),
        },
        "tags": tags,
        "paths": dict(sorted(paths.items())),
        "components": _components(ops),
        "security": [{"bearerAuth": []}],
    }
    # plain JSON values only: the read-only mappings of the tables above become dicts
    plain: dict[str, Any] = json.loads(json.dumps(document, default=dict))
    return plain


def render(document: dict[str, Any]) -> str:
    """Stable text: the committed file is exactly this."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def openapi_json(app: FunctionApp) -> str:
    return render(build_openapi(app))
