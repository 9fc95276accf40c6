"""The local-only routes: ``POST /dev/token`` (mint a user token), ``GET /dev/jwks``,
``GET /dev/directory`` (the demo users and records, for the web page's switcher), and
the process's Cosmos DB operation counts for ``make bench`` (``GET /dev/stats``,
``POST /dev/stats/reset``).

There is no module-level blueprint: the routes exist only through ``make_blueprint``,
which ``function_app.py`` calls in local mode only. They answer through the same
``handle`` and ``Operation`` table as the API (tagged ``local-only`` in the document).
See docs/auth.md.
"""

from __future__ import annotations

import logging

import azure.functions as func
from pydantic import BaseModel

from localdev.devtools import schemas as d
from localdev.devtools.directory import find_user, list_records, list_users
from localdev.devtools.schemas import parse_token_request
from localdev.devtools.tokens import DEV_TENANT_ID, jwks, mint_user_token
from localdev.opcount import OpCounter
from shared.api.links import RESPONSE, to_timeline
from shared.api.operation import Answer, Operation
from shared.config import Config
from shared.exceptions import AutoCaptureError
from shared.http import Reply, handle, read_json

logger = logging.getLogger(__name__)

TOKEN_LIFETIME = 3600
MAX_BODY_BYTES = 4096
_TOKEN_EXAMPLE = {"user": "alice@autocapture.dev", "roles": ["Sales.Person"], "groups": ["t-east"]}
_DIRECTORY_EXAMPLE = {
    "users": [
        {
            "userPrincipalName": "alice@autocapture.dev",
            "displayName": "Alice Kim",
            "roles": ["Sales.Person"],
            "groups": ["t-east"],
        }
    ],
    "records": [{"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"}],
}
_STATS_EXAMPLE = {"cosmos": {"records": 12, "activities": 3}, "cosmosTotal": 15}


def _local(
    operation_id: str,
    summary: str,
    answer: Answer,
    request: type[BaseModel] | None = None,
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
    "Mint a development token for a mailbox user (roles and groups default to the directory's)",
    Answer("A signed token", d.DevTokenResponse),
    d.DevTokenRequest,
    _TOKEN_EXAMPLE,
)
DEV_JWKS = _local(
    "devJwks", "The public key that verifies development tokens", Answer("A JWKS document", d.JwksResponse)
)
DEV_DIRECTORY = _local(
    "devDirectory",
    "The local users with their roles and groups, and the records loaded at start",
    Answer(
        "The local directory",
        d.DirectoryResponse,
        _DIRECTORY_EXAMPLE,
        {"GetTimeline": to_timeline(f"{RESPONSE}/records/0/entityType", f"{RESPONSE}/records/0/id")},
    ),
)
DEV_STATS = _local(
    "devStats",
    "Cosmos DB operations this process made since start or the last reset (make bench)",
    Answer("Operation counts", d.DevStatsResponse, _STATS_EXAMPLE),
)
DEV_STATS_RESET = _local(
    "devStatsReset",
    "Reset the Cosmos DB operation counts",
    Answer("The counts after the reset", d.DevStatsResponse, {"cosmos": {}, "cosmosTotal": 0}),
)


def _signing_key(config: Config) -> str:
    if not (config.dev_signing_key and config.auth_issuer and config.auth_audience):
        raise AutoCaptureError("Local mode needs AUTOCAPTURE_DEV_KEY, AUTH_ISSUER and AUTH_AUDIENCE")
    return config.dev_signing_key


def _token(config: Config, req: func.HttpRequest) -> d.DevTokenResponse:
    key = _signing_key(config)
    request = parse_token_request(read_json(req, MAX_BODY_BYTES))
    user = find_user(config.local_mailbox, request.user)
    token = mint_user_token(
        key,
        config.auth_issuer,
        config.auth_audience,
        upn=user.upn,
        oid=user.oid,
        roles=user.roles if request.roles is None else request.roles,
        groups=user.groups if request.groups is None else request.groups,
        name=user.name,
        tenant_id=config.auth_tenant_id or DEV_TENANT_ID,
        lifetime=TOKEN_LIFETIME,
    )
    logger.info("dev token minted for oid %s", user.oid)
    return d.DevTokenResponse(token=token, tokenType="Bearer", expiresIn=TOKEN_LIFETIME)


def _directory(config: Config) -> d.DirectoryResponse:
    users = [
        {"userPrincipalName": u.upn, "displayName": u.name, "roles": list(u.roles), "groups": list(u.groups)}
        for u in list_users(config.local_mailbox)
    ]
    records = [
        {"entityType": r.entity_type, "id": r.id, "name": r.name} for r in list_records(config.local_records)
    ]
    return d.DirectoryResponse.model_validate({"users": users, "records": records})


def _stats(counter: OpCounter) -> d.DevStatsResponse:
    return d.DevStatsResponse(cosmos=dict(counter.by_container), cosmosTotal=counter.total)


def make_blueprint(config: Config, operations: OpCounter | None = None) -> func.Blueprint:
    """The dev routes, bound to ``config`` (key, issuer, audience, mailbox and records files)
    and to the counter ``/dev/stats`` reports (a new one if not given)."""
    counter = operations if operations is not None else OpCounter()
    bp = func.Blueprint()

    @bp.function_name("dev_token")
    @bp.route(route="dev/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(DEV_TOKEN)
    async def dev_token(req: func.HttpRequest) -> Reply:
        return Reply(_token(config, req))

    @bp.function_name("dev_jwks")
    @bp.route(route="dev/jwks", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(DEV_JWKS)
    async def dev_jwks(req: func.HttpRequest) -> Reply:
        return Reply(d.JwksResponse.model_validate(jwks(_signing_key(config))))

    @bp.function_name("dev_directory")
    @bp.route(route="dev/directory", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(DEV_DIRECTORY)
    async def dev_directory(req: func.HttpRequest) -> Reply:
        """The mailbox users with their roles and groups, and the records loaded at start."""
        return Reply(_directory(config))

    @bp.function_name("dev_stats")
    @bp.route(route="dev/stats", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(DEV_STATS)
    async def dev_stats(req: func.HttpRequest) -> Reply:
        """Cosmos DB operations this process has made since start (or the last reset), by container."""
        return Reply(_stats(counter))

    @bp.function_name("dev_stats_reset")
    @bp.route(route="dev/stats/reset", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    @handle(DEV_STATS_RESET)
    async def dev_stats_reset(req: func.HttpRequest) -> Reply:
        counter.reset()
        return Reply(_stats(counter))

    return bp


def register(app: func.FunctionApp, config: Config, operations: OpCounter | None = None) -> bool:
    """Add the dev routes to ``app`` in local mode only; return whether they were added."""
    if not config.local:
        return False
    app.register_functions(make_blueprint(config, operations))
    return True
