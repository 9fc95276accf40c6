"""The OpenAPI 3.1 document of the HTTP API, generated from ``shared.api.schemas``.

Request and response bodies come from the pydantic models the handlers validate with,
so the document and the behaviour cannot drift; path parameters use the patterns of
``shared.validation``. ``build_openapi(local=True)`` adds the local-mode-only routes
(``/dev/*``, tagged ``local-only``, from ``localdev.devtools.openapi``), which exist only
when ``AUTOCAPTURE_MODE=local``. ``docs/openapi.json`` is the Azure document
(``python -m shared.api.openapi`` rewrites it; a test keeps it current).
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.api import schemas as s
from shared.http import MAX_BODY_BYTES
from shared.validation import ENTITY_TYPE_PATTERN, ID_PATTERN

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
JSON = "application/json"
LOCAL_ONLY_TAG = "local-only"
#: The committed document (the Azure one, without the local-only routes).
DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"

Method = Literal["get", "post", "put", "delete"]

_REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    s.TrackRequest,
    s.BulkTrackRequest,
    s.OrgSettingsUpdate,
    s.UserSettingsUpdate,
    s.ExclusionsChange,
)
_RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    s.Problem,
    s.TimelineResponse,
    s.TrackAccepted,
    s.BulkTrackResponse,
    s.TrackingStatus,
    s.SettingsResponse,
    s.HealthResponse,
)

_TITLES = {
    400: "Invalid request: the problem's `field` names the offending field",
    401: "Missing, malformed, expired or foreign bearer token",
    403: "The caller lacks the role this action needs",
    404: "No such resource, or not one the caller may see",
    409: "The request conflicts with the current settings",
    413: f"The body is larger than {MAX_BODY_BYTES} bytes",
    502: "Microsoft Graph answered with an unexpected error",
    503: "A dependency (Cosmos DB, the queue, Graph, the signing keys) is unavailable; retry later",
}
_PROBLEM_EXAMPLES: dict[int, dict[str, Any]] = {
    400: {
        "title": "Invalid request",
        "detail": "regarding.id: String should match pattern",
        "field": "regarding.id",
    },
    401: {"title": "Unauthorized", "detail": "A bearer token is required"},
    403: {"title": "Forbidden", "detail": "This action needs the AutoCapture.Admin role"},
    404: {"title": "Not found", "detail": "No such record"},
    409: {"title": "Conflict", "detail": "auto capture is turned off for the organisation"},
    413: {"title": "Payload too large", "detail": f"body: the body is larger than {MAX_BODY_BYTES} bytes"},
    502: {"title": "Mailbox error", "detail": "the mailbox could not be read"},
    503: {"title": "Service unavailable", "detail": "the store is unavailable; retry later"},
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "RFC 6750 bearer challenge",
            "schema": {"type": "string"},
        }
    },
    503: {
        "Retry-After": {
            "description": "seconds to wait before retrying",
            "schema": {"type": "string"},
        }
    },
}

_OBJECT: dict[str, Any] = {"type": "object"}
_RECORD = {"entityType": "account", "id": "a-contoso"}
_ITEM_ID = "AAMkAGI2TG93AAA="
_TRACK_EXAMPLE = {"itemId": _ITEM_ID, "kind": "email", "regarding": _RECORD}
_TRACKING_ID = "trk-3f2a9c0d41b84e6fa1d25c7e9b0a4411"
_ACTIVITY_ID = "act-email-5b1c2d3e4f"
_SETTINGS_EXAMPLE = {
    "org": {
        "autoCaptureEnabled": True,
        "excluded": ["@newsletter.example.com"],
        "hideInternalOnly": False,
        "internalDomains": ["autocapture.dev"],
    },
    "user": {"showUntrackedEmail": True, "excluded": []},
}
_TIMELINE_EXAMPLE = {
    "record": {"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"},
    "items": [
        {
            "id": _ITEM_ID,
            "kind": "email",
            "state": "untracked",
            "subject": "Renewal quote",
            "preview": "Hi Alice, please find the quote attached",
            "from": {"address": "jane@contoso.com", "name": "Jane Doe"},
            "to": [{"address": "alice@autocapture.dev", "name": "Alice Kim"}],
            "cc": [],
            "occurredAt": "2026-03-02T09:30:00Z",
            "matchedBy": [{"address": "jane@contoso.com", "rule": "primaryContact"}],
        }
    ],
    "autoCapture": {"active": True, "notice": None},
}


# --- pieces ------------------------------------------------------------------------------


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _content(media_type: str, model: type[BaseModel], example: Any | None) -> dict[str, Any]:
    body: dict[str, Any] = {"schema": _ref(model)}
    if example is not None:
        body["example"] = example
    return {media_type: body}


def _ok(description: str, model: type[BaseModel], example: Any | None = None) -> dict[str, Any]:
    return {"description": description, "content": _content(JSON, model, example)}


def _problem(status: int) -> dict[str, Any]:
    example = {"type": "about:blank", "status": status, **_PROBLEM_EXAMPLES[status]}
    content = _content(PROBLEM, s.Problem, example)
    response: dict[str, Any] = {"description": _TITLES[status], "content": content}
    if status in _HEADERS:
        response["headers"] = _HEADERS[status]
    return response


def _path_param(name: str, pattern: str, description: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": pattern},
        "example": example,
    }


_ENTITY_TYPE = _path_param("entityType", ENTITY_TYPE_PATTERN, "CRM entity type, lower case", "account")
_RECORD_ID = _path_param("recordId", ID_PATTERN, "the record's id", "a-contoso")
_ACTIVITY = _path_param("activityId", ID_PATTERN, "a tracked activity's id", _ACTIVITY_ID)
_TRACKING = _path_param("trackingId", ID_PATTERN, "the id POST /api/track answered", _TRACKING_ID)


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[int, dict[str, Any]],
    *,
    problems: tuple[int, ...] = (),
    parameters: tuple[dict[str, Any], ...] = (),
    body: tuple[type[BaseModel], Any] | None = None,
    secured: bool = True,
    description: str | None = None,
) -> dict[str, Any]:
    statuses = set(problems)
    if secured:
        statuses |= {401, 503}
    if body is not None or parameters:
        statuses.add(400)
    if body is not None:
        statuses.add(413)
    all_responses = {**responses, **{status: _problem(status) for status in statuses}}
    op: dict[str, Any] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = list(parameters)
    if body is not None:
        model, example = body
        op["requestBody"] = {"required": True, "content": _content(JSON, model, example)}
    op["responses"] = {str(code): all_responses[code] for code in sorted(all_responses)}
    op["security"] = [{"bearerAuth": []}] if secured else []
    return op


# --- operations ----------------------------------------------------------------------------


def _paths() -> dict[str, dict[Method, dict[str, Any]]]:
    record = (_ENTITY_TYPE, _RECORD_ID)
    settings_ok = {200: _ok("The settings after the change", s.SettingsResponse, _SETTINGS_EXAMPLE)}
    exclusions_example = {"add": ["@newsletter.example.com"], "remove": ["pat@fabrikam.com"]}
    return {
        "/api/timeline/{entityType}/{recordId}": {
            "get": _operation(
                "getTimeline",
                "The record's timeline: tracked activities plus the caller's private suggestions",
                "timeline",
                {200: _ok("The timeline, newest first", s.TimelineResponse, _TIMELINE_EXAMPLE)},
                problems=(404,),
                parameters=record,
            )
        },
        "/api/timeline/{entityType}/{recordId}/activities/{activityId}": {
            "delete": _operation(
                "untrackActivity",
                "Remove a tracked activity (its tracker, an Admin or a Sales.Manager)",
                "track",
                {204: {"description": "Removed"}},
                problems=(403, 404),
                parameters=(*record, _ACTIVITY),
            )
        },
        "/api/track": {
            "post": _operation(
                "track",
                "Track one mailbox item on a record",
                "track",
                {
                    200: _ok(
                        "Already tracked: the activity",
                        s.TrackAccepted,
                        {"trackingId": _TRACKING_ID, "state": "tracked", "activityId": _ACTIVITY_ID},
                    ),
                    202: {
                        **_ok("Accepted: the copy runs in the background", s.TrackAccepted, _accepted()),
                        "links": _STATUS_LINK,
                    },
                },
                problems=(403, 404, 502),
                body=(s.TrackRequest, _TRACK_EXAMPLE),
            )
        },
        "/api/track/bulk": {
            "post": _operation(
                "trackBulk",
                f"Track up to {s.MAX_BULK_ITEMS} items; each result carries its own status",
                "track",
                {
                    200: _ok(
                        "One result per item, in request order",
                        s.BulkTrackResponse,
                        {"results": [{"itemId": _ITEM_ID, "status": 202, **_accepted()}]},
                    )
                },
                body=(s.BulkTrackRequest, {"items": [_TRACK_EXAMPLE]}),
            )
        },
        "/api/track/{trackingId}": {
            "get": _operation(
                "getTracking",
                "The state of one of the caller's own Track requests",
                "track",
                {200: _ok("The request's state", s.TrackingStatus, _accepted())},
                problems=(404,),
                parameters=(_TRACKING,),
            )
        },
        "/api/settings": {
            "get": _operation(
                "getSettings",
                "The org settings and, while auto capture is on, the caller's own",
                "settings",
                {200: _ok("The settings", s.SettingsResponse, _SETTINGS_EXAMPLE)},
            )
        },
        "/api/settings/org": {
            "put": _operation(
                "putOrgSettings",
                "Change the org settings (AutoCapture.Admin)",
                "settings",
                settings_ok,
                problems=(403,),
                body=(s.OrgSettingsUpdate, {"autoCaptureEnabled": True}),
                description="Give at least one field; the others keep their value.",
            )
        },
        "/api/settings/user": {
            "put": _operation(
                "putUserSettings",
                "Change the caller's own setting (offered only while auto capture is on)",
                "settings",
                settings_ok,
                problems=(409,),
                body=(s.UserSettingsUpdate, {"showUntrackedEmail": False}),
            )
        },
        "/api/settings/org/exclusions": {
            "post": _operation(
                "changeOrgExclusions",
                "Add or remove org-wide exclusions: addresses or @domains (AutoCapture.Admin)",
                "settings",
                settings_ok,
                problems=(403,),
                body=(s.ExclusionsChange, exclusions_example),
            )
        },
        "/api/settings/user/exclusions": {
            "post": _operation(
                "changeUserExclusions",
                "Add or remove the caller's own exclusions (offered only while auto capture is on)",
                "settings",
                settings_ok,
                problems=(409,),
                body=(s.ExclusionsChange, exclusions_example),
            )
        },
        "/api/health": {
            "get": _operation(
                "getHealth",
                "Whether every dependency answers (no token needed)",
                "system",
                {
                    200: _ok(
                        "Every dependency answers",
                        s.HealthResponse,
                        {"status": "ok", "checks": {"cosmos": "ok", "queue": "ok", "graph": "ok"}},
                    ),
                    503: {
                        **_ok(
                            "A dependency does not answer",
                            s.HealthResponse,
                            {"status": "degraded", "checks": {"cosmos": "ok", "queue": "unavailable"}},
                        ),
                        "headers": _HEADERS[503],
                    },
                },
                secured=False,
            )
        },
        "/api/openapi.json": {
            "get": _operation(
                "getOpenApi",
                "This document (no token needed)",
                "system",
                {200: {"description": "The OpenAPI 3.1 document", "content": {JSON: {"schema": _OBJECT}}}},
                secured=False,
            )
        },
    }


#: POST /api/track -> GET /api/track/{trackingId} with the trackingId it answered.
_STATUS_LINK = {
    "GetTrackingStatus": {
        "operationId": "getTracking",
        "parameters": {"trackingId": "$response.body#/trackingId"},
        "description": "Poll the request's state until it is tracked or failed",
    }
}


def _accepted() -> dict[str, Any]:
    return {"trackingId": _TRACKING_ID, "state": "pending"}


def _components(
    requests: tuple[type[BaseModel], ...], responses: tuple[type[BaseModel], ...]
) -> dict[str, Any]:
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in requests]
    modes += [(m, "serialization") for m in responses]
    _, top = models_json_schema(modes, ref_template=REF)
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


def build_openapi(*, local: bool = False) -> dict[str, Any]:
    """The whole document; ``local`` adds the ``/dev/*`` routes registered in local mode."""
    paths = _paths()
    tags: list[dict[str, Any]] = [
        {"name": "timeline", "description": "Record timelines"},
        {"name": "track", "description": "Tracking mailbox items on records"},
        {"name": "settings", "description": "Org and personal settings"},
        {"name": "system", "description": "Health and this document"},
    ]
    requests, responses = _REQUEST_MODELS, _RESPONSE_MODELS
    if local:  # local mode only: localdev/ is never deployed nor imported in Azure
        from localdev.devtools import openapi as dev

        paths.update(dev.local_paths())
        requests, responses = requests + dev.REQUEST_MODELS, responses + dev.RESPONSE_MODELS
        tags.append({"name": LOCAL_ONLY_TAG, "description": "Local development only", "x-local-only": True})
    return {
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
        "paths": paths,
        "components": _components(requests, responses),
        "security": [{"bearerAuth": []}],
    }


@functools.cache
def openapi_json(*, local: bool = False) -> str:
    """The document serialized once per process (the handler serves this string)."""
    return render(build_openapi(local=local))


def render(document: dict[str, Any]) -> str:
    """Stable text: the committed file is exactly this."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    """Rewrite docs/openapi.json (``python -m shared.api.openapi``)."""
    DOCUMENT_PATH.write_text(render(build_openapi()), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCUMENT_PATH}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
