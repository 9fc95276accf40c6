"""Conditional access on the on-behalf-of exchange, as the timeline answers it.

The real azure-identity ``OnBehalfOfCredential`` asks the local issuer (in process), which
answers as Entra ID does for a user under a conditional-access policy: AADSTS50076 with a
``claims`` challenge (a step-up sign-in fixes it), or AADSTS53003 (nothing does).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import azure.functions as func

from functions import get_timeline
from localdev.devtools import tokens
from localdev.graph_credentials import local_connector, local_issuer
from shared.auth.jwks import StaticJwksFetcher
from shared.auth.tokens import TokenValidator
from shared.model import CrmRecord, RecordRef
from shared.runtime import Runtime, RuntimeProvider
from shared.services.timeline import NOTICES
from shared.store.stores import memory_stores
from tests.builders import mail_item, tracked_copy
from tests.functional.auth_helpers import AUDIENCE, ISSUER, http_functions, local_config

KEY = tokens.generate_signing_key()
USER = "5e1f0000-0000-4000-8000-000000000001"
REF = RecordRef("account", "a-step-up")
NOW = datetime.now(UTC) - timedelta(hours=1)


class NoQueue:
    async def send(self, job: object) -> None:
        raise AssertionError("a timeline queues nothing")

    async def close(self) -> None:
        return None


async def timeline_for(policy: str | None) -> dict[str, object]:
    config = local_config(dev_signing_key=KEY, graph_auth="local", graph_base_url="http://127.0.0.1:9/v1.0")
    stores = memory_stores()
    await stores.records.upsert_record(
        CrmRecord("account", REF.id, "Step-up Ltd", emails=("info@stepup.example",), owner_id=USER)
    )
    await stores.activities.upsert_activity(
        tracked_copy(
            mail_item("tracked", NOW, key="<tracked@stepup.example>", subject="Tracked", sender=None, to=()),
            REF,
            USER,
            NOW,
        )
    )
    issuer = local_issuer(config, policies={USER: policy} if policy else None)
    runtime = Runtime.build(
        config,
        stores=stores,
        queue=NoQueue(),  # type: ignore[arg-type]
        graph=local_connector(config, issuer=issuer, max_retries=0),
        validator=TokenValidator(config, StaticJwksFetcher(tokens.jwks(KEY))),
    )
    app = func.FunctionApp()
    app.register_functions(get_timeline.blueprint(RuntimeProvider(lambda: runtime)))
    handler = http_functions(app)[("GET", "api/timeline/{entityType}/{recordId}")]
    token = tokens.mint_user_token(
        KEY, ISSUER, AUDIENCE, upn="u@contoso.com", oid=USER, roles=["Sales.Person"]
    )
    req = func.HttpRequest(
        "GET",
        f"http://localhost/api/timeline/{REF.entity_type}/{REF.id}",
        headers={"Authorization": f"Bearer {token}"},
        route_params={"entityType": REF.entity_type, "recordId": REF.id},
        body=b"",
    )
    try:
        response = await handler(req, SimpleNamespace(invocation_id="step-up"))
    finally:
        await runtime.close()
    assert response.status_code == 200, response.get_body()
    return json.loads(response.get_body())


async def test_a_user_whose_exchange_needs_mfa_gets_the_tracked_items_and_the_claims_challenge() -> None:
    body = await timeline_for("mfa")
    assert [i["state"] for i in body["items"]] == ["tracked"]  # type: ignore[union-attr]
    auto = body["autoCapture"]
    assert auto["reason"] == "CONDITIONAL_ACCESS" and auto["notice"] == NOTICES["CONDITIONAL_ACCESS"]  # type: ignore[index]
    assert "capolids" in json.loads(auto["claims"])["access_token"]  # type: ignore[index]


async def test_a_user_blocked_by_policy_gets_the_block_notice_and_no_challenge() -> None:
    body = await timeline_for("block")
    auto = body["autoCapture"]
    assert [i["state"] for i in body["items"]] == ["tracked"]  # type: ignore[union-attr]
    assert auto == {  # no claims: no sign-in helps
        "active": False,
        "notice": NOTICES["BLOCKED_BY_POLICY"],
        "reason": "BLOCKED_BY_POLICY",
    }
    assert "administrator" in NOTICES["BLOCKED_BY_POLICY"]


async def test_without_a_policy_the_exchange_succeeds_and_only_graph_is_missing() -> None:
    body = await timeline_for(None)  # Graph is unreachable here: the token exchange passed
    assert body["autoCapture"]["reason"] == "TEMPORARY"  # type: ignore[index]
