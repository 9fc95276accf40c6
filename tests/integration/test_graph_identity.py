"""Who calls Graph, as Entra ID and Graph enforce it: the local issuer grants only what the
local directory (which mirrors infra) grants, and the local Graph server refuses the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jwt
import pytest
import pytest_asyncio

from localdev.devtools import tokens
from localdev.devtools.issuer import (
    LocalManagedIdentity,
    local_credential_options,
)
from localdev.graph_credentials import local_connector, local_issuer
from shared.exceptions import (
    MailboxBlockedByPolicyError,
    MailboxInteractionRequiredError,
    MailboxPermissionDeniedError,
)
from shared.mailbox import GraphConnector
from shared.mailbox.permissions import APPLICATION_ROLES, DELEGATED_SCOPES
from tests.integration.graph_fixtures import NOW, GraphServer, inbox_user, serving, user_token

ALICE = "a11ce000-0000-0000-0000-00000000000a"
ITEM = "AAMkMsg00001="


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    async with serving(inbox_user(ALICE, "alice@contoso.com")) as server:
        yield server


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def raw_get(graph: GraphServer, path: str, token: str) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(graph.base_url + path, headers={"Authorization": f"Bearer {token}"}) as r,
    ):
        return r.status, await r.json()


async def test_the_managed_identitys_own_token_is_refused_by_graph_with_its_403(graph: GraphServer) -> None:
    """The identity path of the first version: the managed identity's own app token."""
    issuer = local_issuer(graph.config())
    token = (await LocalManagedIdentity(issuer).get_token("https://graph.microsoft.com/.default")).token
    assert "roles" not in claims_of(token)  # the registration's roles are not the identity's
    status, body = await raw_get(graph, f"/users/{ALICE}/messages/{ITEM}", token)
    assert status == 403 and body["error"]["code"] == "ErrorAccessDenied"
    old_path = GraphConnector(graph.config(), application_credential=lambda: LocalManagedIdentity(issuer))
    try:
        with pytest.raises(MailboxPermissionDeniedError):
            await old_path.application().get_item(ALICE, "email", ITEM)
    finally:
        await old_path.aclose()


async def test_the_app_registration_holds_exactly_the_application_roles_the_code_uses(
    graph: GraphServer,
) -> None:
    issuer = local_issuer(graph.config())
    connector = local_connector(graph.config(), issuer=issuer)
    try:
        detail = await connector.application().get_item(ALICE, "email", ITEM)
        assert detail.item.id == ITEM
        credential = connector._application_credential()
        token = await credential.get_token("local/.default")
    finally:
        await connector.aclose()
    assert set(claims_of(token.token)["roles"]) == set(APPLICATION_ROLES)


async def test_on_behalf_of_tokens_carry_exactly_the_consented_delegated_scopes(graph: GraphServer) -> None:
    connector = graph.connector()
    try:
        async with connector.delegated(user_token(ALICE)) as mailbox:
            assert await mailbox.get_own_addresses(ALICE) == ("alice@contoso.com",)
        credential = connector._delegated_credential(user_token(ALICE))
        token = await credential.get_token("local/.default")
        await credential.close()
    finally:
        await connector.aclose()
    claims = claims_of(token.token)
    assert set(claims["scp"].split()) == set(DELEGATED_SCOPES) and claims["oid"] == ALICE


async def test_a_client_assertion_from_an_identity_the_registration_does_not_trust_is_refused(
    graph: GraphServer,
) -> None:
    issuer = local_issuer(graph.config())
    stranger = GraphConnector(
        graph.config(auth_tenant_id="local", auth_client_id="00000000-0000-4000-8000-00000000a991"),
        identity=lambda: LocalManagedIdentity(issuer, "00000000-0000-4000-8000-0000000057a7"),
        credential_options=lambda: local_credential_options(issuer),
    )
    try:
        with pytest.raises(MailboxPermissionDeniedError, match="AADSTS700213"):
            await stranger.application().get_item(ALICE, "email", ITEM)
    finally:
        await stranger.aclose()


async def test_a_user_token_for_another_api_is_not_exchanged(graph: GraphServer) -> None:
    connector = graph.connector()
    other_api = tokens.mint_user_token(
        graph.config().dev_signing_key, graph.config().auth_issuer, "api://someone-else", upn="a@x", oid=ALICE
    )
    try:
        with pytest.raises(MailboxPermissionDeniedError, match="AADSTS500131"):
            async with connector.delegated(other_api) as mailbox:
                await mailbox.get_own_addresses(ALICE)
        async with connector.delegated(user_token(ALICE)) as mailbox:  # the API's own: exchanged
            assert await mailbox.get_own_addresses(ALICE)
    finally:
        await connector.aclose()


@pytest.mark.parametrize(
    ("policy", "error", "code"),
    [
        ("mfa", MailboxInteractionRequiredError, "AADSTS50076"),
        ("block", MailboxBlockedByPolicyError, "AADSTS53003"),
    ],
)
async def test_conditional_access_on_the_exchange_is_told_apart(
    graph: GraphServer, policy: str, error: type[Exception], code: str
) -> None:
    issuer = local_issuer(graph.config(), policies={ALICE: policy})
    connector = local_connector(graph.config(), issuer=issuer)
    try:
        with pytest.raises(error, match=code) as raised:
            async with connector.delegated(user_token(ALICE)) as mailbox:
                await mailbox.list_candidates(ALICE, ["jane@fabrikam.com"], NOW)
    finally:
        await connector.aclose()
    if policy == "mfa":
        assert isinstance(raised.value, MailboxInteractionRequiredError)
        assert raised.value.claims and "capolids" in raised.value.claims
