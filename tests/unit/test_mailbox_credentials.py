"""The on-behalf-of client assertion: fetched from the async managed identity ahead of the
token request (azure-identity reads it synchronously), cached until near its expiry."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.identity import CredentialUnavailableError

from shared.config import Config
from shared.mailbox.credentials import TOKEN_EXCHANGE_SCOPE, ClientAssertion, app_only, on_behalf_of

TENANT = "11111111-2222-3333-4444-555555555555"
CONFIG = Config.from_env({}, auth_tenant_id=TENANT, auth_client_id="api-client-id")
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class FakeIdentity:
    """An async managed identity: token ``mi-<n>`` for the n-th request, valid ``lifetime`` s."""

    def __init__(self, clock: list[float], lifetime: float = 3600, delay: float = 0.0) -> None:
        self.clock, self.lifetime, self.delay = clock, lifetime, delay
        self.scopes: list[tuple[str, ...]] = []
        self.closed = False

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        await asyncio.sleep(self.delay)
        return AccessToken(f"mi-{len(self.scopes)}", int(self.clock[0] + self.lifetime))

    async def close(self) -> None:
        self.closed = True


class Answer:
    """The bits of an azure-core HTTP response azure-identity reads."""

    status_code, reason = 200, "OK"
    content_type = "application/json"

    def __init__(self, request: Any, body: dict[str, Any]) -> None:
        self.request, self.headers = request, {"content-type": "application/json"}
        self._body = json.dumps(body).encode()

    def body(self) -> bytes:
        return self._body

    def text(self, encoding: str | None = None) -> str:
        return self._body.decode()

    async def load_body(self) -> None:
        return None


class FakeEntra(AsyncHttpTransport):
    """Entra's token endpoint: records each token request's form and answers a token."""

    def __init__(self) -> None:
        self.forms: list[dict[str, str]] = []

    async def send(self, request: Any, **kwargs: Any) -> Any:
        self.forms.append(dict(request.data))
        token = {"access_token": f"graph-{len(self.forms)}", "expires_in": 3600, "token_type": "Bearer"}
        return Answer(request, token)

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> FakeEntra:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None


def assertion_of(identity: FakeIdentity, clock: list[float]) -> ClientAssertion:
    return ClientAssertion(identity, margin=300, clock=lambda: clock[0])


async def test_the_token_request_carries_the_managed_identity_token_fetched_ahead() -> None:
    clock = [1_000_000.0]
    identity, entra = FakeIdentity(clock), FakeEntra()
    user = on_behalf_of(CONFIG, assertion_of(identity, clock), "user-token", transport=entra)
    token = await user.get_token(GRAPH_SCOPE)
    await user.close()
    assert token.token == "graph-1"
    assert identity.scopes == [(TOKEN_EXCHANGE_SCOPE,)]
    form = entra.forms[0]
    assert form["client_assertion"] == "mi-1" and form["assertion"] == "user-token"
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"


async def test_app_only_tokens_are_the_app_registrations_with_the_same_assertion() -> None:
    clock = [1_000_000.0]
    identity, entra = FakeIdentity(clock), FakeEntra()
    assertion = assertion_of(identity, clock)
    app = app_only(CONFIG, assertion, transport=entra)
    user = on_behalf_of(CONFIG, assertion, "user-token", transport=FakeEntra())
    await app.get_token(GRAPH_SCOPE)
    await user.get_token(GRAPH_SCOPE)
    await app.close()
    await user.close()
    form = entra.forms[0]
    # client credentials for the app registration, proven by the managed identity's token:
    # the managed identity's own token is never the Graph token
    assert form["grant_type"] == "client_credentials" and form["client_id"] == "api-client-id"
    assert form["client_assertion"] == "mi-1" and form["scope"] == GRAPH_SCOPE
    assert identity.scopes == [(TOKEN_EXCHANGE_SCOPE,)], "one assertion serves both flows"


async def test_one_assertion_serves_every_user_until_five_minutes_before_it_expires() -> None:
    clock = [1_000_000.0]
    identity, entra = FakeIdentity(clock), FakeEntra()
    assertion = assertion_of(identity, clock)
    for user_token in ("alice-token", "bob-token"):
        await on_behalf_of(CONFIG, assertion, user_token, transport=entra).get_token(GRAPH_SCOPE)
    clock[0] += 3600 - 301  # still fresh
    await on_behalf_of(CONFIG, assertion, "carol-token", transport=entra).get_token(GRAPH_SCOPE)
    clock[0] += 2  # within the margin
    await on_behalf_of(CONFIG, assertion, "dave-token", transport=entra).get_token(GRAPH_SCOPE)
    assert [f["client_assertion"] for f in entra.forms] == ["mi-1", "mi-1", "mi-1", "mi-2"]
    assert len(identity.scopes) == 2


async def test_concurrent_requests_fetch_the_assertion_once() -> None:
    clock = [1_000_000.0]
    identity = FakeIdentity(clock, delay=0.01)
    assertion = assertion_of(identity, clock)
    await asyncio.gather(*(assertion.refresh() for _ in range(10)))
    assert len(identity.scopes) == 1 and assertion() == "mi-1"


def test_an_assertion_never_fetched_is_refused_not_fetched_synchronously() -> None:
    clock = [1_000_000.0]
    identity = FakeIdentity(clock)
    with pytest.raises(CredentialUnavailableError):
        assertion_of(identity, clock)()
    assert identity.scopes == []
