"""Settings: the org flag (Admin), the personal option, exclusion lists."""

from __future__ import annotations

from typing import Any

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.endpoints import Call, Endpoints
from shared.api.operation import Answer, Operation
from shared.http import Reply
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
    api = Endpoints(bp, runtime)

    @api.route("api/settings", "GET", GET_SETTINGS)
    async def get_settings(call: Call) -> Reply:
        return _settings(await call.app.settings.view(call.principal))

    @api.route("api/settings/org", "PUT", PUT_ORG)
    async def put_org_settings(call: Call) -> Reply:
        body = call.body(s.OrgSettingsUpdate)
        return _settings(
            await call.app.settings.update_org(call.principal, body.model_dump(include=body.model_fields_set))
        )

    @api.route("api/settings/user", "PUT", PUT_USER)
    async def put_user_settings(call: Call) -> Reply:
        body = call.body(s.UserSettingsUpdate)
        return _settings(await call.app.settings.update_user(call.principal, body.showUntrackedEmail))

    @api.route("api/settings/org/exclusions", "POST", ORG_EXCLUSIONS)
    async def change_org_exclusions(call: Call) -> Reply:
        body = call.body(s.ExclusionsChange)
        return _settings(await call.app.settings.change_org_exclusions(call.principal, body.add, body.remove))

    @api.route("api/settings/user/exclusions", "POST", USER_EXCLUSIONS)
    async def change_user_exclusions(call: Call) -> Reply:
        body = call.body(s.ExclusionsChange)
        return _settings(
            await call.app.settings.change_user_exclusions(call.principal, body.add, body.remove)
        )

    return bp
