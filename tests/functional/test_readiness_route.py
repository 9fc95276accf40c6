"""GET /api/admin/readiness over the app's own function: Admin only; a failure names its fix."""

from __future__ import annotations

import json
from types import SimpleNamespace

import azure.functions as func

from functions import admin
from localdev.devtools import tokens
from localdev.graph_credentials import local_connector
from shared.auth.jwks import StaticJwksFetcher
from shared.auth.tokens import TokenValidator
from shared.runtime import Runtime, RuntimeProvider
from shared.services.readiness import FIXES
from shared.store.stores import memory_stores
from tests.functional.auth_helpers import AUDIENCE, ISSUER, http_functions, local_config

KEY = tokens.generate_signing_key()
OID = "ad000000-0000-4000-8000-000000000001"


class Queue:
    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


async def call(roles: list[str]) -> tuple[int, dict[str, object]]:
    config = local_config(dev_signing_key=KEY, graph_auth="local", graph_base_url="http://127.0.0.1:9/v1.0")
    runtime = Runtime.build(
        config,
        stores=memory_stores(),
        queue=Queue(),  # type: ignore[arg-type]
        graph=local_connector(config, max_retries=0),
        validator=TokenValidator(config, StaticJwksFetcher(tokens.jwks(KEY))),
    )
    app = func.FunctionApp()
    app.register_functions(admin.blueprint(RuntimeProvider(lambda: runtime)))
    handler = http_functions(app)[("GET", "api/admin/readiness")]
    token = tokens.mint_user_token(KEY, ISSUER, AUDIENCE, upn="admin@contoso.com", oid=OID, roles=roles)
    req = func.HttpRequest(
        "GET", "http://localhost/api/admin/readiness", headers={"Authorization": f"Bearer {token}"}, body=b""
    )
    try:
        response = await handler(req, SimpleNamespace(invocation_id="readiness"))
    finally:
        await runtime.close()
    return response.status_code, json.loads(response.get_body())


async def test_a_failing_check_says_what_failed_and_how_to_fix_it() -> None:
    status, body = await call(["AutoCapture.Admin"])
    assert status == 200 and body["status"] == "notReady"
    checks = {c["name"]: c for c in body["checks"]}  # type: ignore[union-attr]
    assert [checks[n]["status"] for n in ("graphAppToken", "graphOnBehalfOf", "cosmos", "queue")] == [
        "ok"
    ] * 4
    assert checks["graphAppRead"]["status"] == "failed" and checks["graphAppRead"]["fix"] == FIXES["graph"]


async def test_anyone_but_an_admin_gets_403() -> None:
    status, body = await call(["Sales.Manager"])
    assert status == 403 and "AutoCapture.Admin" in str(body["detail"])
