"""GraphConnector: one owner for the mailbox boundary's long-lived parts; what it builds it
closes, what it is given it leaves open; nothing is shared through module state."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
from azure.core.credentials import AccessToken

from shared.config import Config
from shared.mailbox import GraphConnector

ROOT = Path(__file__).resolve().parents[2]
MAILBOX_FILES = sorted((ROOT / "shared" / "mailbox").glob("*.py"))
CONFIG = Config.from_env(
    {}, auth_tenant_id="11111111-2222-3333-4444-555555555555", auth_client_id="api-client-id"
)


class FakeCredential:
    def __init__(self, name: str) -> None:
        self.name, self.closed = name, 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self.name, 2**31)

    async def close(self) -> None:
        self.closed += 1


class Built:
    """A credential factory remembering what it built."""

    def __init__(self, name: str) -> None:
        self.name, self.made = name, []

    def __call__(self, *args: str) -> FakeCredential:
        credential = FakeCredential(f"{self.name}{args}")
        self.made.append(credential)
        return credential


async def test_closing_the_connector_closes_what_it_built_and_leaves_an_injected_client_open() -> None:
    http, identity, app = httpx.AsyncClient(), Built("identity"), Built("app")
    connector = GraphConnector(CONFIG, http_client=http, identity=identity, application_credential=app)
    connector.application()
    connector.delegated("user-token")
    await connector.aclose()
    assert [c.closed for c in app.made] == [1] and [c.closed for c in identity.made] == [1]
    assert not http.is_closed
    await http.aclose()


async def test_a_delegated_mailbox_closes_its_users_credential_only() -> None:
    app, users = Built("app"), Built("user")
    connector = GraphConnector(
        CONFIG, http_client=httpx.AsyncClient(), application_credential=app, delegated_credential=users
    )
    connector.application()
    async with connector.delegated("alice-token"):
        pass
    assert [(c.name, c.closed) for c in users.made] == [("user('alice-token',)", 1)]
    assert [c.closed for c in app.made] == [0]
    await connector.aclose()


async def test_the_managed_identity_is_built_once_for_app_calls_and_every_users_assertion() -> None:
    identity = Built("identity")
    connector = GraphConnector(CONFIG, http_client=httpx.AsyncClient(), identity=identity)
    assert connector.application() is connector.application()
    for token in ("alice-token", "bob-token", "carol-token"):
        await connector.delegated(token).aclose()
    assert len(identity.made) == 1
    await connector.aclose()


def test_every_mailbox_of_a_connector_shares_its_limiter_and_two_connectors_share_nothing() -> None:
    first = GraphConnector(CONFIG, http_client=httpx.AsyncClient(), delegated_credential=Built("u"))
    second = GraphConnector(CONFIG, http_client=httpx.AsyncClient(), delegated_credential=Built("u"))
    assert first.application()._limiter is first.delegated("t")._limiter is first.limiter
    assert first.limiter is not second.limiter
    assert first.limiter.get("owner") is not second.limiter.get("owner")


def test_the_mailbox_package_never_imports_local_development_code() -> None:
    imported = {
        f"{path.name}: {node.module}"
        for path in MAILBOX_FILES
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module
        if node.module.startswith(("localdev", "shared.auth.devtokens"))
    }
    assert not imported
