"""The local-only routes: ``POST /dev/token`` (mint a user token), ``GET /dev/jwks``,
``GET /dev/directory`` (the demo users and records, for the web page's switcher), and
the process's Cosmos DB operation counts for ``make bench`` (``GET /dev/stats``,
``POST /dev/stats/reset``).

There is no module-level blueprint: the routes exist only through ``make_blueprint``,
which ``function_app.py`` calls in local mode only. See docs/auth.md.
"""

from __future__ import annotations

import logging

import azure.functions as func

from localdev.devtools.directory import find_user, list_records, list_users
from localdev.devtools.schemas import parse_token_request
from localdev.devtools.tokens import DEV_TENANT_ID, jwks, mint_user_token
from shared.config import Config
from shared.exceptions import AutoCaptureError
from shared.http import error_response, json_response, read_json
from shared.runtime import get_runtime

logger = logging.getLogger(__name__)

TOKEN_LIFETIME = 3600
MAX_BODY_BYTES = 4096


def _signing_key(config: Config) -> str:
    if not (config.dev_signing_key and config.auth_issuer and config.auth_audience):
        raise AutoCaptureError("Local mode needs AUTOCAPTURE_DEV_KEY, AUTH_ISSUER and AUTH_AUDIENCE")
    return config.dev_signing_key


def _token(config: Config, req: func.HttpRequest) -> dict[str, object]:
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
    return {"token": token, "tokenType": "Bearer", "expiresIn": TOKEN_LIFETIME}


def _directory(config: Config) -> dict[str, object]:
    users = [
        {"userPrincipalName": u.upn, "displayName": u.name, "roles": list(u.roles), "groups": list(u.groups)}
        for u in list_users(config.local_mailbox)
    ]
    records = [
        {"entityType": r.entity_type, "id": r.id, "name": r.name} for r in list_records(config.local_records)
    ]
    return {"users": users, "records": records}


def _stats() -> dict[str, object]:
    ops = get_runtime().database.ops
    return {"cosmos": dict(ops.by_container), "cosmosTotal": ops.total}


def make_blueprint(config: Config) -> func.Blueprint:
    """The dev routes, bound to ``config`` (key, issuer, audience, mailbox and records files)."""
    bp = func.Blueprint()

    @bp.function_name("dev_token")
    @bp.route(route="dev/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    def dev_token(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return json_response(_token(config, req))
        except AutoCaptureError as exc:
            return error_response(exc)

    @bp.function_name("dev_jwks")
    @bp.route(route="dev/jwks", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def dev_jwks(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return json_response(jwks(_signing_key(config)))
        except AutoCaptureError as exc:
            return error_response(exc)

    @bp.function_name("dev_directory")
    @bp.route(route="dev/directory", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def dev_directory(req: func.HttpRequest) -> func.HttpResponse:
        """The mailbox users with their roles and groups, and the records loaded at start."""
        try:
            return json_response(_directory(config))
        except AutoCaptureError as exc:
            return error_response(exc)

    @bp.function_name("dev_stats")
    @bp.route(route="dev/stats", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def dev_stats(req: func.HttpRequest) -> func.HttpResponse:
        """Cosmos DB operations this process has made since start (or the last reset), by container."""
        return json_response(_stats())

    @bp.function_name("dev_stats_reset")
    @bp.route(route="dev/stats/reset", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
    def dev_stats_reset(req: func.HttpRequest) -> func.HttpResponse:
        get_runtime().database.ops.reset()
        return json_response(_stats())

    return bp


def register(app: func.FunctionApp, config: Config) -> bool:
    """Add the dev routes to ``app`` in local mode only; return whether they were added."""
    if not config.local:
        return False
    app.register_functions(make_blueprint(config))
    return True
