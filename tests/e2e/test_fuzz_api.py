"""Fuzz every operation of the served OpenAPI document against the local stack (schemathesis).

One run of schemathesis's own engine (``tests/e2e/schemathesis_run.py``) as an outside
tester's ``schemathesis run --checks all`` makes it: the examples, coverage, fuzzing and
stateful phases, every check (no 5xx, status codes, content types, schemas, headers, valid
data accepted, invalid data refused, ``Allow`` on 405, auth enforced, no use after free,
created resources available), a fixed seed (``AUTOCAPTURE_FUZZ_SEED=random`` or a number
for another). The stateful phase runs first and follows the document's links from the
newest tile of alice's record, tracked before the run (``walk_start``): untrack, Track,
status (polled), untrack; it must reach a 200 status and a 204 untrack. Bodies never carry
a stack trace or an internal message. The settings and tracked items the run changes are
restored afterwards.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from localdev.stack import Stack
from shared.http import MAX_BODY_BYTES
from tests.app_loading import openapi_document
from tests.conftest import demo_peers
from tests.e2e import schemathesis_run
from tests.e2e.api import Api, Caller, demo_caller

pytestmark = pytest.mark.e2e

CALLERS = {
    "person": demo_caller("alice"),
    "manager": demo_caller("bob"),
    "admin": demo_caller("carol"),
    "no-role": demo_caller("dave"),
    "no-token": None,
}
#: The stateful walk's caller: alice owns a-contoso, the directory's first record, and has mail.
WALKER = "person"
WALK_RECORD = {"entityType": "account", "id": "a-contoso"}
LEAK = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]*\", line \d+|\w*Exception\b|"
    r"CosmosHttpResponseError|HttpResponseError|ResourceNotFoundError|ResourceExistsError|ServiceRequestError|"
    r"ODataError|APIError|ClientResponseError|ClientConnectorError|azure\.core|azure\.cosmos|azure\.storage|"
    r"msgraph|kiota|aiohttp|pydantic_core|errors\.pydantic\.dev|site-packages"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of its own: the fuzz run is an Admin too (erasures of generated addresses, a
    retention setting), which must not reach the data the other tests share."""
    with demo_peers(tmp_path_factory.mktemp("fuzz-stack")) as stack:
        stack.start_host()
        yield stack


@pytest.fixture(scope="module")
def api(stack: Stack) -> Iterator[Api]:
    client = Api(stack.base_url)
    yield client
    client.http.close()


@pytest.fixture(scope="module")
def tokens(api: Api) -> dict[str, str | None]:
    return {name: (api.token(c) if isinstance(c, Caller) else None) for name, c in CALLERS.items()}


@pytest.fixture(scope="module")
def walk_start(api: Api) -> None:
    """The stateful walk starts on the newest tile of the directory's first record (Contoso,
    alice's): track it as alice and wait for the copy, so the walk meets it tracked. Its
    links then lead the walk around the item's cycle, whatever the queued copies take:
    untrack the activity (204), Track the suggestion it is again (202), its status (200),
    polled until tracked, untrack again."""
    walker = CALLERS[WALKER]
    timeline = f"/api/timeline/{WALK_RECORD['entityType']}/{WALK_RECORD['id']}"
    newest = api.get(timeline, walker).json()["items"][0]
    assert newest["state"] == "untracked", newest
    body = {"itemId": newest["id"], "kind": newest["kind"], "regarding": WALK_RECORD}
    resp = api.post("/api/track", walker, json=body)
    assert resp.status_code == 202, resp.text
    deadline, state = time.monotonic() + 60, "pending"
    while state == "pending" and time.monotonic() < deadline:
        time.sleep(0.5)
        state = api.get(f"/api/track/{resp.json()['trackingId']}", walker).json()["state"]
    assert state == "tracked", state
    assert api.get(timeline, walker).json()["items"][0]["activityId"], "the newest tile is tracked"


def _snapshot(api: Api) -> dict[str, Any]:
    """The settings the fuzzer may change: the org's, and each demo caller's own."""
    admin = CALLERS["admin"]
    org_view = api.get("/api/settings", admin)
    assert org_view.status_code == 200, org_view.text
    users = {}
    for name, caller in CALLERS.items():
        if caller is not None:
            users[name] = api.get("/api/settings", caller).json().get("user")
    return {"org": org_view.json()["org"], "users": users, "tracked": _tracked(api)}


def _tracked(api: Api) -> dict[str, set[str]]:
    """The tracked activity ids of each directory record, as the manager sees them."""
    records = api.get("/dev/directory").json()["records"]
    out = {}
    for r in records:
        path = f"/api/timeline/{r['entityType']}/{r['id']}"
        items = api.get(path, CALLERS["manager"]).json().get("items", [])
        out[path] = {i["id"] for i in items if i["state"] == "tracked"}
    return out


def _untrack_new(api: Api, before: dict[str, set[str]]) -> None:
    """Untrack what the run tracked, once the queued copies are done (at most 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = [
            i
            for path in before
            for i in api.get(path, CALLERS[WALKER]).json().get("items", [])
            if i["state"] == "pending"
        ]
        if not pending:
            break
        time.sleep(1)
    for path, ids in _tracked(api).items():
        for activity in ids - before[path]:
            resp = api.delete(f"{path}/activities/{activity}", CALLERS["manager"])
            assert resp.status_code in (204, 404), resp.text


def _restore(api: Api, saved: dict[str, Any]) -> None:
    _untrack_new(api, saved["tracked"])
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
            "retentionDays": org.get("retentionDays"),
        },
    )
    assert final.status_code == 200, final.text
    assert final.json()["org"] == org


def test_every_check_and_the_stateful_walk_pass_for_every_operation(
    stack: Any, api: Api, tokens: dict[str, str | None], walk_start: None, capsys: pytest.CaptureFixture[str]
) -> None:
    document = api.get("/api/openapi.json").json()
    saved = _snapshot(api)
    try:
        report = schemathesis_run.run(document, stack.base_url, tokens, walker=WALKER, leak=LEAK)
    finally:
        _restore(api, saved)
    with capsys.disabled():
        print("\n" + report.render())
        print(f"  stateful reach: {dict(report.reached)}")
    assert not report.failures, "\n\n".join(report.failures[:20])
    documented = {f"{m.upper()} {p}" for p, ops in document["paths"].items() for m in ops}
    assert report.operations() == documented
    # through the links, the walk read a real tracking request and untracked a real activity
    assert report.reached.get("getTracking", {}).get(200), report.reached
    assert report.reached.get("untrackActivity", {}).get(204), report.reached
    assert report.leaks == [], report.leaks[:5]


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


def test_allow_lists_exactly_the_methods_of_the_path_that_owns_the_route(api: Api) -> None:
    # /api/track/bulk also fits /api/track/{trackingId} (GET): the concrete path wins, as in OpenAPI
    resp = api.call("PUT", "/api/track/bulk", demo_caller("alice"), json={})
    assert resp.status_code == 405
    assert resp.headers["allow"] == "POST"


def test_options_answers_404_as_the_functions_host_without_cors_settings(api: Api) -> None:
    resp = api.call("OPTIONS", "/api/track/bulk")
    assert resp.status_code == 404
    assert "allow" not in resp.headers
    assert resp.headers["content-type"].startswith("application/problem+json")
