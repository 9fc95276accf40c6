"""The admin dry run of the rule table: a record's address resolution, no mailbox content."""

from __future__ import annotations

import azure.functions as func

from shared.api import examples
from shared.api import schemas as s
from shared.api.operation import Answer, Operation
from shared.api.parse import route_record
from shared.api.serialize_explain import dry_run
from shared.http import Reply, handle
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

    @bp.route(route="api/admin/rules/{entityType}/{recordId}", methods=["GET"])
    @handle(RULES_DRY_RUN)
    async def dry_run_rules(req: func.HttpRequest) -> Reply:
        app, principal = await runtime.authenticated(req)
        ref = route_record(req)
        return Reply(dry_run(await app.explainer.dry_run(principal, ref)))

    return bp
