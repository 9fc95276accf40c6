"""Settings: the org flag (Admin), the personal option, exclusion lists."""

from __future__ import annotations

import azure.functions as func

from shared.api.parse import parse_body
from shared.api.schemas import ExclusionsChange, OrgSettingsUpdate, UserSettingsUpdate
from shared.http import handle, json_response
from shared.runtime import authenticated

bp = func.Blueprint()


@bp.route(route="api/settings", methods=["GET"])
@handle
async def get_settings(req: func.HttpRequest) -> func.HttpResponse:
    runtime, principal = await authenticated(req)
    return json_response(await runtime.settings.view(principal))


@bp.route(route="api/settings/org", methods=["PUT"])
@handle
async def put_org_settings(req: func.HttpRequest) -> func.HttpResponse:
    runtime, principal = await authenticated(req)
    body = parse_body(req, OrgSettingsUpdate)
    return json_response(await runtime.settings.update_org(principal, body.model_dump(exclude_none=True)))


@bp.route(route="api/settings/user", methods=["PUT"])
@handle
async def put_user_settings(req: func.HttpRequest) -> func.HttpResponse:
    runtime, principal = await authenticated(req)
    body = parse_body(req, UserSettingsUpdate)
    return json_response(await runtime.settings.update_user(principal, body.showUntrackedEmail))


@bp.route(route="api/settings/org/exclusions", methods=["POST"])
@handle
async def change_org_exclusions(req: func.HttpRequest) -> func.HttpResponse:
    runtime, principal = await authenticated(req)
    body = parse_body(req, ExclusionsChange)
    return json_response(await runtime.settings.change_org_exclusions(principal, body.add, body.remove))


@bp.route(route="api/settings/user/exclusions", methods=["POST"])
@handle
async def change_user_exclusions(req: func.HttpRequest) -> func.HttpResponse:
    runtime, principal = await authenticated(req)
    body = parse_body(req, ExclusionsChange)
    return json_response(await runtime.settings.change_user_exclusions(principal, body.add, body.remove))
