"""Local-mode dev routes (/dev/token, /dev/jwks) and the token round trip over real HTTP."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import azure.functions as func
import httpx
import jwt
import pytest
from aiohttp import web
from auth_helpers import AUDIENCE, ISSUER, http_functions, local_config, serve

from functions.devtools import make_blueprint, register
from localdev.opcount import OpCounter
from shared.auth import MANAGER, SALES_PERSON, TokenValidator
from shared.auth.devtokens import derive_user_oid, generate_signing_key, jwks
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
    response: func.HttpResponse = user_function(
        func.HttpRequest(method, f"http://127.0.0.1:7071/{route}", headers={}, body=body)
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
    stats = get(func.HttpRequest("GET", "http://127.0.0.1:7071/dev/stats", headers={}, body=b""))
    assert json.loads(stats.get_body()) == {"cosmos": {"records": 2, "settings": 1}, "cosmosTotal": 3}
    after = reset(func.HttpRequest("POST", "http://127.0.0.1:7071/dev/stats/reset", headers={}, body=b""))
    assert json.loads(after.get_body()) == {"cosmos": {}, "cosmosTotal": 0}
    assert ops.total == 0
