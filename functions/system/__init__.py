"""Operational endpoints: health and the OpenAPI document (neither needs a token)."""

from __future__ import annotations

import azure.functions as func

from shared.api.openapi import openapi_json
from shared.health import check_dependencies
from shared.http import handle, json_response
from shared.runtime import get_runtime

bp = func.Blueprint()


@bp.route(route="api/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@handle
async def health(req: func.HttpRequest) -> func.HttpResponse:
    """200 when Cosmos DB, the queue and Graph all answer; 503 naming the one that does not."""
    checks = await check_dependencies(get_runtime())
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "degraded", "checks": checks}
    return json_response(body, 200 if healthy else 503, headers={} if healthy else {"Retry-After": "5"})


@bp.route(route="api/openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@handle
async def openapi(req: func.HttpRequest) -> func.HttpResponse:
    """The OpenAPI 3.1 document of the routes this process registers (``/dev/*`` only locally)."""
    return func.HttpResponse(
        openapi_json(local=get_runtime().config.local),
        status_code=200,
        mimetype="application/json",
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )
