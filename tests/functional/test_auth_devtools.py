"""Local-mode dev routes (/dev/token, /dev/jwks, /dev/directory), the token round trip over
real HTTP, and Azure mode never importing the local-only package."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import azure.functions as func
import httpx
import jwt
import pytest
from aiohttp import web
from auth_helpers import AUDIENCE, ISSUER, http_functions, invoke, local_config, serve

from localdev.devtools.routes import make_blueprint, register
from localdev.devtools.tokens import derive_user_oid, generate_signing_key, jwks
from localdev.opcount import OpCounter
from shared.auth import MANAGER, SALES_PERSON, TokenValidator
from shared.auth.jwks import HttpJwksFetcher
from shared.config import Config
from shared.exceptions import AuthenticationError, AuthUnavailableError

KEY = generate_signing_key()
ALICE_ID = "7d6b1c4e-0b5f-4c39-9a43-5f0b7a1e2c11"


@pytest.fixture
def mailbox(tmp_path: Path) -> str:
    path = tmp_path / "mailbox.json"
    user = {"id": ALICE_ID, "userPrincipalName": "alice@contoso.com", "displayName": "Alice", "messages": []}
    path.write_text(json.dumps({"users": [user]}))
    return str(path)


def local_app(**overrides: Any) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    assert register(app, local_config(dev_signing_key=KEY, **overrides))
    return app


def call(app: func.FunctionApp, method: str, route: str, body: bytes = b"") -> func.HttpResponse:
    # get_functions() may run once per app (azure-functions 1.26 raises on a second call)
    user_function = http_functions(app)[(method, route)]
    response: func.HttpResponse = invoke(
        user_function, func.HttpRequest(method, f"http://127.0.0.1:7071/{route}", headers={}, body=body)
    )
    return response


def post_token(app: func.FunctionApp, body: object) -> func.HttpResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return call(app, "POST", "dev/token", raw)


def test_azure_mode_has_no_dev_function() -> None:
    app = func.FunctionApp()
    assert not register(app, Config(mode="azure", dev_signing_key=KEY))
    assert not [
        f for f in app.get_functions() if str(getattr(f.get_trigger(), "route", "")).startswith("dev/")
    ]


def test_local_mode_registers_the_anonymous_dev_routes() -> None:
    app = local_app()
    routes = {
        (
            f.get_trigger().route,
            tuple(str(m.value) for m in f.get_trigger().methods),
        ): f.get_trigger().auth_level
        for f in app.get_functions()
    }
    assert routes == {
        ("dev/token", ("POST",)): func.AuthLevel.ANONYMOUS,
        ("dev/jwks", ("GET",)): func.AuthLevel.ANONYMOUS,
        ("dev/directory", ("GET",)): func.AuthLevel.ANONYMOUS,
        ("dev/stats", ("GET",)): func.AuthLevel.ANONYMOUS,
        ("dev/stats/reset", ("POST",)): func.AuthLevel.ANONYMOUS,
    }


def test_dev_token_carries_the_mailbox_users_graph_id_and_the_requested_roles(mailbox: str) -> None:
    app = local_app(local_mailbox=mailbox)
    response = post_token(app, {"user": "Alice@contoso.com", "roles": [SALES_PERSON], "groups": ["t-east"]})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = json.loads(response.get_body())
    assert body["expiresIn"] == 3600
    claims = jwt.decode(
        body["token"], jwt.PyJWK(jwks(KEY)["keys"][0]), algorithms=["RS256"], audience=AUDIENCE
    )
    assert claims["iss"] == ISSUER
    assert (claims["oid"], claims["preferred_username"], claims["name"]) == (
        ALICE_ID,
        "alice@contoso.com",
        "Alice",
    )
    assert claims["roles"] == [SALES_PERSON] and claims["groups"] == ["t-east"]


def test_dev_token_for_a_user_outside_the_mailbox_gets_a_derived_oid(mailbox: str) -> None:
    response = post_token(local_app(local_mailbox=mailbox), {"user": "carol@contoso.com"})
    claims = jwt.decode(json.loads(response.get_body())["token"], options={"verify_signature": False})
    assert claims["oid"] == derive_user_oid("carol@contoso.com")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        ({"user": "alice"}, 400),
        ({"user": "alice@contoso.com", "roles": ["Global.Admin"]}, 400),
        ({"user": "alice@contoso.com", "groups": ["has space"]}, 400),
        ({"user": "alice@contoso.com", "extra": True}, 400),
        (b"{" + b" " * 5000 + b"}", 413),
    ],
)
def test_bad_dev_token_requests_answer_problem_json(body: object, status: int) -> None:
    response = post_token(local_app(), body)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = json.loads(response.get_body())
    assert problem["status"] == status and problem["title"] and problem["detail"]
    assert "Traceback" not in response.get_body().decode()


def test_dev_routes_without_a_signing_key_answer_a_clear_500() -> None:
    for method, route, body in (("POST", "dev/token", b'{"user":"a@b.c"}'), ("GET", "dev/jwks", b"")):
        app = func.FunctionApp()
        register(app, local_config())
        response = call(app, method, route, body)
        assert response.status_code == 500
        assert "AUTOCAPTURE_DEV_KEY" in json.loads(response.get_body())["detail"]


def test_dev_jwks_serves_the_public_key() -> None:
    response = call(local_app(), "GET", "dev/jwks")
    assert response.status_code == 200
    assert json.loads(response.get_body()) == jwks(KEY)


async def test_round_trip_minted_token_validates_with_jwks_fetched_over_http(mailbox: str) -> None:
    app = func.FunctionApp()
    app.register_functions(make_blueprint(local_config(dev_signing_key=KEY, local_mailbox=mailbox)))
    async with serve(app) as base, httpx.AsyncClient(base_url=base, trust_env=False) as client:
        answer = await client.post("/dev/token", json={"user": "alice@contoso.com", "roles": [MANAGER]})
        assert answer.status_code == 200
        token = answer.json()["token"]
        # The validator fetches the JWKS from the server running on this same event loop.
        validator = TokenValidator(local_config(auth_jwks_url=f"{base}/dev/jwks"))
        principal = await validator.validate(f"Bearer {token}")
        assert (principal.oid, principal.upn) == (ALICE_ID, "alice@contoso.com")
        assert principal.roles == {MANAGER} and principal.has_sales_role and not principal.is_admin
        other = generate_signing_key()
        foreign = jwt.encode({"sub": "x"}, other, algorithm="RS256", headers={"kid": "foreign"})
        with pytest.raises(AuthenticationError):
            await validator.validate(f"Bearer {foreign}")


@pytest.mark.parametrize(
    "response",
    [
        web.Response(status=500, text="oops"),
        web.Response(status=200, text="<html>"),
        web.json_response({"not": "jwks"}),
        web.Response(status=200, body=b'{"keys": []' + b" " * (600 * 1024) + b"}"),
    ],
)
async def test_jwks_endpoint_failures_are_unavailable_not_unauthorized(response: web.Response) -> None:
    async with serve(func.FunctionApp(), routes={"keys": response}) as base:
        with pytest.raises(AuthUnavailableError) as caught:
            await HttpJwksFetcher(f"{base}/keys").get_jwks()
        assert caught.value.status == 503


async def test_unreachable_jwks_endpoint_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AuthUnavailableError):
        await HttpJwksFetcher(f"http://127.0.0.1:{port}/keys", timeout=2).get_jwks()


def test_dev_stats_reports_and_resets_the_processs_cosmos_operation_counts() -> None:
    ops = OpCounter()
    app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
    app.register_functions(make_blueprint(local_config(dev_signing_key=KEY), ops))
    ops.add("records")
    ops.add("records")
    ops.add("settings")
    table = http_functions(app)
    get = table[("GET", "dev/stats")]
    reset = table[("POST", "dev/stats/reset")]
    stats = invoke(get, func.HttpRequest("GET", "http://127.0.0.1:7071/dev/stats", headers={}, body=b""))
    assert json.loads(stats.get_body()) == {"cosmos": {"records": 2, "settings": 1}, "cosmosTotal": 3}
    after = invoke(
        reset, func.HttpRequest("POST", "http://127.0.0.1:7071/dev/stats/reset", headers={}, body=b"")
    )
    assert json.loads(after.get_body()) == {"cosmos": {}, "cosmosTotal": 0}
    assert ops.total == 0


def _demo_files(tmp_path: Path) -> tuple[str, str]:
    from localdev.demo import write_demo

    records, mailbox = write_demo(tmp_path / "demo")
    return str(records), str(mailbox)


def _claims(response: func.HttpResponse) -> dict[str, Any]:
    assert response.status_code == 200, response.get_body()
    return jwt.decode(json.loads(response.get_body())["token"], options={"verify_signature": False})


def test_a_dev_token_naming_no_roles_carries_the_demo_users_roles_and_groups(tmp_path: Path) -> None:
    records, mailbox = _demo_files(tmp_path)

    def token(body: dict[str, Any]) -> dict[str, Any]:
        return _claims(post_token(local_app(local_mailbox=mailbox, local_records=records), body))

    bob = token({"user": "bob@autocapture.dev"})
    assert (bob["roles"], bob["groups"]) == (["Sales.Manager"], ["t-east", "t-west"])
    carol = token({"user": "carol@autocapture.dev", "groups": []})
    assert (carol["roles"], "groups" in carol) == (["AutoCapture.Admin", "Sales.Person"], False)
    alice = token({"user": "alice@autocapture.dev", "roles": [MANAGER]})
    assert (alice["roles"], alice["groups"]) == ([MANAGER], ["t-east"])


def test_a_dev_token_for_someone_outside_the_directory_has_no_roles(tmp_path: Path) -> None:
    _, mailbox = _demo_files(tmp_path)
    claims = _claims(post_token(local_app(local_mailbox=mailbox), {"user": "eve@autocapture.dev"}))
    assert "roles" not in claims and "groups" not in claims


def test_dev_directory_lists_the_mailbox_users_with_roles_and_the_loaded_records(tmp_path: Path) -> None:
    records, mailbox = _demo_files(tmp_path)
    response = call(local_app(local_mailbox=mailbox, local_records=records), "GET", "dev/directory", b"")
    assert response.status_code == 200
    directory = json.loads(response.get_body())
    users = {u["userPrincipalName"]: u for u in directory["users"]}
    assert set(users) == {f"{k}@autocapture.dev" for k in ("alice", "bob", "carol", "dave")}
    assert users["alice@autocapture.dev"] == {
        "userPrincipalName": "alice@autocapture.dev",
        "displayName": "Alice Kim",
        "roles": ["Sales.Person"],
        "groups": ["t-east"],
    }
    assert users["dave@autocapture.dev"]["roles"] == []
    assert {"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"} in directory["records"]


def test_dev_directory_lists_at_most_200_records(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(
        "".join(
            json.dumps({"entityType": "lead", "id": f"l-{n}", "name": f"L{n}"}) + "\n" for n in range(250)
        )
    )
    response = call(local_app(local_records=str(path)), "GET", "dev/directory", b"")
    records = json.loads(response.get_body())["records"]
    assert (len(records), records[0]["id"], records[-1]["id"]) == (200, "l-0", "l-199")


def test_dev_directory_with_an_unreadable_mailbox_file_answers_a_clear_500(tmp_path: Path) -> None:
    response = call(local_app(local_mailbox=str(tmp_path / "missing.json")), "GET", "dev/directory", b"")
    assert response.status_code == 500
    assert "mailbox file cannot be read" in json.loads(response.get_body())["detail"]


_PROBE = """
import json, sys
import function_app
routes = [getattr(f.get_trigger(), "route", "") or "" for f in function_app.app.get_functions()]
print(json.dumps({
    "localdev": sorted(m for m in sys.modules if m == "localdev" or m.startswith("localdev.")),
    "dev_routes": [r for r in routes if r.startswith("dev/")],
    "routes": len(routes),
}))
"""


def _import_function_app(mode: str | None) -> dict[str, Any]:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/")}
    if mode:
        env["AUTOCAPTURE_MODE"] = mode
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode", [None, "azure"])
def test_function_app_in_azure_mode_imports_no_localdev_module_and_has_no_dev_route(mode: str | None) -> None:
    probe = _import_function_app(mode)
    assert probe["routes"] > 5
    assert (probe["localdev"], probe["dev_routes"]) == ([], [])


def test_function_app_in_local_mode_registers_the_dev_routes_from_localdev() -> None:
    probe = _import_function_app("local")
    assert "localdev.devtools" in probe["localdev"]
    assert {"dev/token", "dev/jwks", "dev/directory"} <= set(probe["dev_routes"])


def test_the_local_openapi_document_states_the_dev_token_schema_as_validated() -> None:
    from localdev.devtools.schemas import UPN_PATTERN
    from tests.app_loading import openapi_document

    schema = openapi_document("local")["components"]["schemas"]["DevTokenRequest"]
    assert schema["additionalProperties"] is False and schema["required"] == ["user"]
    assert schema["properties"]["user"]["pattern"] == UPN_PATTERN
    assert schema["properties"]["groups"]["maxItems"] == 50
    assert "DevTokenRequest" not in openapi_document("azure")["components"]["schemas"]
