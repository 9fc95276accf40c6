"""Fuzz every operation of the served OpenAPI document against the local stack (schemathesis).

Positive and negative cases per operation, each sent with the token of one of several
callers (Sales.Person, Sales.Manager, Admin, no role, no token). Criteria: no 5xx, every
response conforms to the document (status code, content type, schema), invalid input
is refused with a 4xx, and no body carries a stack trace or an internal message.
The org and user settings the fuzzer may change are restored afterwards: the stack is
shared with the other e2e modules.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from shared.http import MAX_BODY_BYTES
from tests.app_loading import openapi_document
from tests.e2e.api import Api, Caller, demo_caller

pytestmark = pytest.mark.e2e

#: Cases per operation at most (examples, positive and negative); all 16 take ~15 s here.
MAX_EXAMPLES = 100
CALLERS = {
    "person": demo_caller("alice"),
    "manager": demo_caller("bob"),
    "admin": demo_caller("carol"),
    "no-role": demo_caller("dave"),
    "no-token": None,
}
#: Org-wide settings endpoints: mostly non-admin callers, so the org setting rarely flips.
ORG_WEIGHTS = ["person", "manager", "no-role", "no-token", "person", "manager", "admin"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
NEGATIVE_STATUSES = ["400", "401", "403", "404", "405", "409", "413", "415", "422"]
LEAK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]*\", line \d+|\w*Exception\b|"
    r"CosmosHttpResponseError|HttpResponseError|ResourceNotFoundError|ResourceExistsError|ServiceRequestError|"
    r"ODataError|APIError|ClientResponseError|ClientConnectorError|azure\.core|azure\.cosmos|azure\.storage|"
    r"msgraph|kiota|aiohttp|pydantic_core|errors\.pydantic\.dev|site-packages"
)


def _no_leak(text: str) -> str | None:
    match = LEAK.search(text)
    return None if match is None else match.group(0)


@pytest.fixture(scope="module")
def schema(api: Api) -> Any:
    # from_dict, not from_url: from_url leaves out the operation that serves the document itself
    resp = api.get("/api/openapi.json")
    assert resp.status_code == 200, resp.text
    # the callers' tokens are set per case; generated Authorization headers would only add 401s
    # a negative body may also be refused for its size (413, the body cap)
    config = schemathesis.Config.from_dict(
        {
            "generation": {"with-security-parameters": False},
            "checks": {"negative_data_rejection": {"expected-statuses": NEGATIVE_STATUSES}},
        }
    )
    return schemathesis.openapi.from_dict(resp.json(), config=config)


@pytest.fixture(scope="module")
def tokens(api: Api) -> dict[str, str | None]:
    return {name: (api.token(c) if isinstance(c, Caller) else None) for name, c in CALLERS.items()}


def _snapshot(api: Api) -> dict[str, Any]:
    """The settings the fuzzer may change: the org's, and each demo caller's own."""
    admin = CALLERS["admin"]
    org_view = api.get("/api/settings", admin)
    assert org_view.status_code == 200, org_view.text
    users = {}
    for name, caller in CALLERS.items():
        if caller is not None:
            users[name] = api.get("/api/settings", caller).json().get("user")
    return {"org": org_view.json()["org"], "users": users}


def _restore(api: Api, saved: dict[str, Any]) -> None:
    admin = CALLERS["admin"]
    org = saved["org"]
    # user settings are only offered while auto capture is on: turn it on first
    put = api.put("/api/settings/org", admin, json={"autoCaptureEnabled": True})
    assert put.status_code == 200, put.text
    current = put.json()["org"]
    drop = [e for e in current["excluded"] if e not in org["excluded"]]
    add = [e for e in org["excluded"] if e not in current["excluded"]]
    if drop or add:
        resp = api.post("/api/settings/org/exclusions", admin, json={"add": add, "remove": drop})
        assert resp.status_code == 200, resp.text
    for name, user in saved["users"].items():
        if user is None:
            continue
        caller = CALLERS[name]
        now = api.get("/api/settings", caller).json()["user"]
        if now["showUntrackedEmail"] != user["showUntrackedEmail"]:
            resp = api.put(
                "/api/settings/user", caller, json={"showUntrackedEmail": user["showUntrackedEmail"]}
            )
            assert resp.status_code == 200, resp.text
        drop = [e for e in now["excluded"] if e not in user["excluded"]]
        add = [e for e in user["excluded"] if e not in now["excluded"]]
        if drop or add:
            resp = api.post("/api/settings/user/exclusions", caller, json={"add": add, "remove": drop})
            assert resp.status_code == 200, resp.text
    final = api.put(
        "/api/settings/org",
        admin,
        json={
            "autoCaptureEnabled": org["autoCaptureEnabled"],
            "hideInternalOnly": org["hideInternalOnly"],
            "internalDomains": org["internalDomains"],
        },
    )
    assert final.status_code == 200, final.text
    assert final.json()["org"] == org


def _fuzz_operation(
    operation: Any, base_url: str, tokens: dict[str, str | None], counts: Counter[str], statuses: Counter[str]
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    names = ORG_WEIGHTS if operation.path.startswith("/api/settings/org") else list(CALLERS)
    cases = st.one_of(
        # the documented examples name real demo data (account a-contoso): the happy paths
        *operation.schema.get_strategies_from_examples(operation),
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, who=st.sampled_from(names))
    def run(case: Any, who: str) -> None:
        token = tokens[who]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        counts[label] += 1
        statuses[f"{label} {response.status_code}"] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        leaked = _no_leak(response.text)
        assert leaked is None, f"{label} as {who}: the body leaks {leaked!r}: {response.text[:300]}"

    run()


def test_no_input_makes_any_operation_answer_5xx_or_break_the_contract(
    stack: Any, api: Api, schema: Any, tokens: dict[str, str | None]
) -> None:
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    failures: dict[str, str] = {}
    saved = _snapshot(api)
    started = time.monotonic()
    try:
        # the org settings last: an admin case may turn auto capture off (409 for the user's own)
        operations = sorted(
            (result.ok() for result in schema.get_all_operations()),
            key=lambda op: op.path.startswith("/api/settings/org"),
        )
        for operation in operations:
            try:
                _fuzz_operation(operation, stack.base_url, tokens, counts, statuses)
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure
                failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:3000]
    finally:
        _restore(api, saved)
    total = sum(counts.values())
    print(f"\nschemathesis: {total} generated cases in {time.monotonic() - started:.0f} s")
    for label, n in sorted(counts.items()):
        answers = ", ".join(
            f"{key.rsplit(' ', 1)[1]}: {m}"
            for key, m in sorted(statuses.items())
            if key.startswith(label + " ")
        )
        print(f"  {n:4d}  {label}  ({answers})")
    assert not failures, "\n\n".join(f"== {label}\n{text}" for label, text in failures.items())
    assert len(counts) == sum(len(ops) for ops in openapi_document("local")["paths"].values())


# --- the served document and the limits, over HTTP ------------------------------------------


def test_the_served_document_is_the_generated_one_with_the_local_routes(api: Api) -> None:
    resp = api.get("/api/openapi.json")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == json.loads(json.dumps(openapi_document("local")))


def test_a_body_over_the_cap_answers_413_problem_json(api: Api) -> None:
    body = json.dumps({"add": ["x@example.com"] * (MAX_BODY_BYTES // 10)})
    resp = api.post(
        "/api/settings/user/exclusions",
        demo_caller("alice"),
        content=body,
        headers={"content-type": "application/json"},
    )
    assert resp.status_code == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["status"] == 413


def test_more_than_50_bulk_items_answers_400_naming_items(api: Api) -> None:
    item = {"itemId": "AAMk", "kind": "email", "regarding": {"entityType": "account", "id": "a-contoso"}}
    resp = api.post("/api/track/bulk", demo_caller("alice"), json={"items": [item] * 51})
    assert resp.status_code == 400
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["field"] == "items"


@pytest.mark.parametrize(
    ("path", "content", "ctype", "field"),
    [
        (
            "/api/track",
            b'{"itemId": "A", "kind": "email", "regarding": {"entityType": "account"',
            None,
            "body",
        ),
        ("/api/track", b"[" * 50_000, None, "body"),
        ("/api/settings/user", b'{"showUntrackedEmail": NaN}', None, "body"),
        ("/api/settings/user", b'{"showUntrackedEmail": "yes"}', None, "showUntrackedEmail"),
        ("/api/settings/user", b'{"showUntrackedEmail": true, "admin": true}', None, "admin"),
        ("/api/settings/user", b'{"showUntrackedEmail": true}', "text/plain", "body"),
    ],
)
def test_bad_bodies_answer_400_problem_json_naming_the_field(
    api: Api, path: str, content: bytes, ctype: str | None, field: str
) -> None:
    method = "PUT" if path.startswith("/api/settings") else "POST"
    headers = {"content-type": ctype or "application/json"}
    resp = api.call(method, path, demo_caller("alice"), content=content, headers=headers)
    assert resp.status_code == 400, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["field"] == field


@pytest.mark.parametrize("record_id", ["a-contoso%0A", "-a", "a%20b", "x" * 129])
def test_bad_route_ids_answer_400_naming_the_parameter(api: Api, record_id: str) -> None:
    resp = api.get(f"/api/timeline/account/{record_id}", demo_caller("alice"))
    assert resp.status_code == 400, resp.text
    assert resp.json()["field"] == "recordId"


def test_unsupported_method_answers_405_with_allow(api: Api) -> None:
    resp = api.call("PATCH", "/api/settings/org", demo_caller("carol"), json={})
    assert resp.status_code == 405
    assert "PUT" in resp.headers["allow"]
    assert resp.headers["content-type"].startswith("application/problem+json")
