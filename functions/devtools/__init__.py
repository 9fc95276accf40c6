"""Local mode only: ``POST /dev/token`` (mint a user token), ``GET /dev/jwks``, and the
process's Cosmos DB operation counts for ``make bench`` (``GET /dev/stats``,
``POST /dev/stats/reset``).

There is deliberately no module-level blueprint: the routes exist only through
``register(app, config)``, which adds them when ``config.local`` is true, so an Azure
deployment cannot expose a token mint by importing this module. See docs/auth.md.
In local mode ``register`` also makes the process runtime one whose Cosmos backend
reports every request to the counter behind ``/dev/stats`` (``localdev/opcount.py``,
imported only then: ``localdev/`` is not deployed).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import azure.functions as func

from shared.api import schemas as s
from shared.api.operation import Answer, Operation, declares
from shared.auth.devtokens import DEV_TENANT_ID, jwks, mint_user_token
from shared.auth.devusers import find_user, parse_token_request
from shared.config import Config
from shared.exceptions import AutoCaptureError
from shared.http import read_json

if TYPE_CHECKING:
    from localdev.opcount import OpCounter

logger = logging.getLogger(__name__)

TOKEN_LIFETIME = 3600
MAX_BODY_BYTES = 4096


def _json(payload: object, status: int = 200, mimetype: str = "application/json") -> func.HttpResponse:
    return func.HttpResponse(json.dumps(payload), status_code=status, mimetype=mimetype)


def _problem(error: AutoCaptureError) -> func.HttpResponse:
    # Minimal RFC 9457 answer; the lead's shared HTTP layer replaces this.
    body = {"type": "about:blank", "title": error.title, "status": error.status, "detail": error.detail}
    return _json(body, error.status, "application/problem+json")


def _body(req: func.HttpRequest) -> Any:
    return read_json(req, MAX_BODY_BYTES)


def _signing_key(config: Config) -> str:
    if not (config.dev_signing_key and config.auth_issuer and config.auth_audience):
        raise AutoCaptureError("Local mode needs AUTOCAPTURE_DEV_KEY, AUTH_ISSUER and AUTH_AUDIENCE")
    return config.dev_signing_key


def _local(
    operation_id: str,
    summary: str,
    answer: Answer,
    request: type[s.BaseModel] | None = None,
    example: object = None,
) -> Operation:
    return Operation(
        operation_id,
        summary,
        "dev",
        {200: answer},
        request=request,
        request_example=example,
        secured=False,
        local_only=True,
    )


DEV_TOKEN = _local(
    "devToken",
    "Mint a development token for a mailbox user",
    Answer("A signed token", s.DevTokenResponse),
    s.DevTokenRequest,
    {"user": "alice@autocapture.dev", "roles": ["Sales.Person"], "groups": ["t-east"]},
)
DEV_JWKS = _local(
    "devJwks", "The public key that verifies development tokens", Answer("A JWKS document", s.JwksResponse)
)
DEV_STATS = _local(
    "devStats",
    "Cosmos DB operations this process made since start or the last reset (make bench)",
    Answer("Operation counts", s.DevStatsResponse),
)
DEV_STATS_RESET = _local(
    "devStatsReset",
    "Reset the Cosmos DB operation counts",
    Answer("The counts after the reset", s.DevStatsResponse),
)


def make_blueprint(config: Config, operations: OpCounter | None = None) -> func.Blueprint:
    """The dev routes, bound to ``config`` (key, issuer, audience, mailbox file) and to the
    counter ``/dev/stats`` reports (a new one if not given)."""
    if operations is None:
        from localdev.opcount import OpCounter

        operations = OpCounter()
    counter = operations
    bp = func.Blueprint()

    @bp.function_name("dev_token")
    @bp.route(route="dev/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    @declares(DEV_TOKEN)
    def dev_token(req: func.HttpRequest) -> func.HttpResponse:
        try:
            key = _signing_key(config)
            request = parse_token_request(_body(req))
            user = find_user(config.local_mailbox, request.user)
            token = mint_user_token(
                key,
                config.auth_issuer,
                config.auth_audience,
                upn=user.upn,
                oid=user.oid,
                roles=request.roles,
                groups=request.groups,
                name=user.name,
                tenant_id=config.auth_tenant_id or DEV_TENANT_ID,
                lifetime=TOKEN_LIFETIME,
            )
        except AutoCaptureError as exc:
            return _problem(exc)
        logger.info("dev token minted for oid %s", user.oid)
        return _json({"token": token, "tokenType": "Bearer", "expiresIn": TOKEN_LIFETIME})

    @bp.function_name("dev_jwks")
    @bp.route(route="dev/jwks", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @declares(DEV_JWKS)
    def dev_jwks(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return _json(jwks(_signing_key(config)))
        except AutoCaptureError as exc:
            return _problem(exc)

    @bp.function_name("dev_stats")
    @bp.route(route="dev/stats", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @declares(DEV_STATS)
    def dev_stats(req: func.HttpRequest) -> func.HttpResponse:
        """Cosmos DB operations this process has made since start (or the last reset), by container."""
        return _json(_stats(counter))

    @bp.function_name("dev_stats_reset")
    @bp.route(route="dev/stats/reset", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    @declares(DEV_STATS_RESET)
    def dev_stats_reset(req: func.HttpRequest) -> func.HttpResponse:
        counter.reset()
        return _json(_stats(counter))

    return bp


def _stats(counter: OpCounter) -> dict[str, object]:
    return {"cosmos": dict(counter.by_container), "cosmosTotal": counter.total}


def register(app: func.FunctionApp, config: Config, operations: OpCounter | None = None) -> bool:
    """Add the dev routes to ``app`` in local mode only; return whether they were added."""
    if not config.local:
        return False
    app.register_functions(make_blueprint(config, operations))
    return True
