"""Settings: the org flag (Admin), the personal option, exclusion lists."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.operation import Answer, Operation
from shared.api.parse import parse_body
from shared.http import Reply, handle
from shared.runtime import RuntimeProvider

_CHANGED = {200: Answer("The settings after the change", s.SettingsResponse, examples.SETTINGS)}

GET_SETTINGS = Operation(
    "getSettings",
    "The org settings and, while auto capture is on, the caller's own",
    "settings",
    {200: Answer("The settings", s.SettingsResponse, examples.SETTINGS)},
)
PUT_ORG = Operation(
    "putOrgSettings",
    "Change the org settings (AutoCapture.Admin)",
    "settings",
    _CHANGED,
    problems=(403,),
    request=s.OrgSettingsUpdate,
    request_example={"autoCaptureEnabled": True},
    description="Give at least one field; the others keep their value. `retentionDays: null` keeps tracked"
    " activities forever.",
)
PUT_USER = Operation(
    "putUserSettings",
    "Change the caller's own setting (offered only while auto capture is on)",
    "settings",
    _CHANGED,
    problems=(409,),
    request=s.UserSettingsUpdate,
    request_example={"showUntrackedEmail": False},
)
ORG_EXCLUSIONS = Operation(
    "changeOrgExclusions",
    "Add or remove org-wide exclusions: addresses or @domains (AutoCapture.Admin)",
    "settings",
    _CHANGED,
    problems=(403,),
    request=s.ExclusionsChange,
    request_example=examples.EXCLUSIONS,
)
USER_EXCLUSIONS = Operation(
    "changeUserExclusions",
    "Add or remove the caller's own exclusions (offered only while auto capture is on)",
    "settings",
    _CHANGED,
    problems=(409,),
    request=s.ExclusionsChange,
    request_example=examples.EXCLUSIONS,
)


def _settings(view: dict[str, Any]) -> Reply:
    return Reply(s.SettingsResponse.model_validate(view))


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()

    @bp.route(route="api/settings", methods=["GET"])
    @handle(GET_SETTINGS)
    async def get_settings(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        return _settings(await app.settings.view(principal))

    @bp.route(route="api/settings/org", methods=["PUT"])
    @handle(PUT_ORG)
    async def put_org_settings(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        body = parse_body(req, s.OrgSettingsUpdate)
        return _settings(
            await app.settings.update_org(principal, body.model_dump(include=body.model_fields_set))
        )

    @bp.route(route="api/settings/user", methods=["PUT"])
    @handle(PUT_USER)
    async def put_user_settings(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        body = parse_body(req, s.UserSettingsUpdate)
        return _settings(await app.settings.update_user(principal, body.showUntrackedEmail))

    @bp.route(route="api/settings/org/exclusions", methods=["POST"])
    @handle(ORG_EXCLUSIONS)
    async def change_org_exclusions(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        body = parse_body(req, s.ExclusionsChange)
        return _settings(await app.settings.change_org_exclusions(principal, body.add, body.remove))

    @bp.route(route="api/settings/user/exclusions", methods=["POST"])
    @handle(USER_EXCLUSIONS)
    async def change_user_exclusions(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        body = parse_body(req, s.ExclusionsChange)
        return _settings(await app.settings.change_user_exclusions(principal, body.add, body.remove))

    return bp
