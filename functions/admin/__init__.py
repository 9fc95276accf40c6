"""Admin: the deployment's end-to-end self-test (``GET /api/admin/readiness``)."""

from __future__ import annotations

import azure.functions as func

from shared.api import admin_schemas as a
from shared.api.endpoints import Call, Endpoints
from shared.api.operation import Answer, Operation
from shared.http import Reply
from shared.runtime import Runtime, RuntimeProvider
from shared.services.readiness import Readiness, ReadinessService

_NOT_READY = {
    "status": "notReady",
    "checks": [
        {
            "name": "graphAppToken",
            "status": "failed",
            "durationMs": 120.0,
            "detail": "token request refused for the Graph token (AADSTS700213)",
            "fix": "The app registration does not trust the Function App's managed identity: add the "
            "federated identity credential for its principal id (infra/app/entra.bicep declares it; "
            "run `azd provision`).",
        },
        {"name": "graphAppRead", "status": "skipped", "durationMs": 0.0, "detail": "no app-only token"},
    ],
}
GET_READINESS = Operation(
    "getReadiness",
    "Whether this deployment works end to end, as the caller (AutoCapture.Admin)",
    "admin",
    {
        200: Answer(
            "Each check; a failed one says what failed and how to fix it", a.ReadinessResponse, _NOT_READY
        )
    },
    problems=(403,),
    description="Gets the app-only Graph token, reads the caller's own mailbox app-only (one message, "
    "one event), runs the on-behalf-of exchange for the caller, and pings Cosmos DB and the "
    "queue. `status` is `ready` when every check passed. Nothing is stored; `GET /api/health` "
    "stays the anonymous liveness check.",
)


def readiness_service(app: Runtime) -> ReadinessService:
    return ReadinessService(app.graph, app.stores.ping, app.queue.ping)


def _body(readiness: Readiness) -> a.ReadinessResponse:
    return a.ReadinessResponse.model_validate(
        {
            "status": "ready" if readiness.ready else "notReady",
            "checks": [
                {
                    "name": c.name,
                    "status": c.status,
                    "durationMs": c.duration_ms,
                    "detail": c.detail,
                    "fix": c.fix,
                }
                for c in readiness.checks
            ],
        }
    )


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()
    api = Endpoints(bp, runtime)

    @api.route("api/admin/readiness", "GET", GET_READINESS)
    async def readiness(call: Call) -> Reply:
        """Admin only: each check's status, and for a failure what failed and how to fix it."""
        result = await readiness_service(call.app).run(call.principal)
        return Reply(_body(result))

    return bp
