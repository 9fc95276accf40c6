"""Operational endpoints: health (no token) and the OpenAPI document."""

from __future__ import annotations

import azure.functions as func

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
