"""Operational endpoints: health and the OpenAPI document (neither needs a token)."""

from __future__ import annotations

from collections.abc import Callable

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.operation import Answer, Operation
from shared.health import check_dependencies
from shared.http import SECURITY_HEADERS, Reply, handle
from shared.runtime import RuntimeProvider

GET_HEALTH = Operation(
    "getHealth",
    "Whether every dependency answers (no token needed)",
    "system",
    {
        200: Answer("Every dependency answers", s.HealthResponse, examples.HEALTHY),
        503: Answer("A dependency does not answer", s.HealthResponse, examples.DEGRADED),
    },
    secured=False,
)
GET_OPENAPI = Operation(
    "getOpenApi",
    "This document (no token needed)",
    "system",
    {200: Answer("The OpenAPI 3.1 document")},
    secured=False,
)


def blueprint(runtime: RuntimeProvider, document: Callable[[], str]) -> func.Blueprint:
    """``document`` gives the OpenAPI text of the app these routes are registered on."""
    bp = func.Blueprint()

    @bp.route(route="api/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(GET_HEALTH)
    async def health(req: func.HttpRequest) -> Reply:
        """200 when Cosmos DB, the queue, the file store and Graph all answer; 503 naming the
        one that does not."""
        checks = await check_dependencies(runtime())
        healthy = all(v == "ok" for v in checks.values())
        body = s.HealthResponse(status="ok" if healthy else "degraded", checks=checks)
        return Reply(body, 200 if healthy else 503, {} if healthy else {"Retry-After": "5"})

    @bp.route(route="api/openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(GET_OPENAPI)
    async def openapi(req: func.HttpRequest) -> func.HttpResponse:
        """The OpenAPI 3.1 document of the routes this process registers (``/dev/*`` only locally)."""
        return func.HttpResponse(
            document(),
            status_code=200,
            mimetype="application/json",
            charset="utf-8",
            headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=300"},
        )

    return bp
