"""The admin dry run of the rule table: a record's address resolution, no mailbox content."""

from __future__ import annotations

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.endpoints import Call, Endpoints
from shared.api.operation import Answer, Operation
from shared.api.parse import route_record
from shared.api.serialize_explain import dry_run
from shared.http import Reply
from shared.runtime import RuntimeProvider

RULES_DRY_RUN = Operation(
    "dryRunRules",
    "The record's address resolution by rule and what the rules left out (AutoCapture.Admin)",
    "admin",
    {200: Answer("The resolution, without any mailbox content", s.RulesDryRunResponse, examples.DRY_RUN)},
    problems=(403, 404),
    description="To check the rules after an import. 403 without the Admin role, whatever the record.",
)


def blueprint(runtime: RuntimeProvider) -> func.Blueprint:
    bp = func.Blueprint()
    api = Endpoints(bp, runtime)

    @api.route("api/admin/rules/{entityType}/{recordId}", "GET", RULES_DRY_RUN)
    async def dry_run_rules(call: Call) -> Reply:
        ref = route_record(call.req)
        return Reply(dry_run(await call.app.explainer.dry_run(call.principal, ref)))

    return bp
