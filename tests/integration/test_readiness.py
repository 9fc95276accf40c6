"""The Admin self-test names each failure mode and how to fix it, against the local issuer
(Entra ID's answers) and the local Graph server (Graph's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
import pytest_asyncio
from azure.identity import CredentialUnavailableError

from localdev.devtools.apps import CLIENTS, DEV_API_CLIENT_ID
from localdev.devtools.issuer import LocalIssuer, LocalManagedIdentity, local_credential_options
from localdev.graph_credentials import local_connector, local_issuer
from shared.auth.principal import ADMIN, SALES_PERSON, Principal
from shared.exceptions import ForbiddenError, StoreUnavailableError
from shared.mailbox import GraphConnector
from shared.services.readiness import FIXES, Readiness, ReadinessService
from tests.integration.graph_fixtures import JANE, NOW, GraphServer, event, inbox_user, serving, user_token

ALICE, GHOST = "a11ce000-0000-4000-8000-0000000000aa", "9h057000-0000-4000-8000-0000000000bb"


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def graph() -> AsyncIterator[GraphServer]:
    events = [event(1, NOW, "alice@contoso.com", [JANE])]
    async with serving(inbox_user(ALICE, "alice@contoso.com", events=events)) as server:
        yield server


def admin(oid: str = ALICE, roles: frozenset[str] = frozenset({ADMIN})) -> Principal:
    return Principal(oid, "alice@contoso.com", "Alice", "tid", roles, token=user_token(oid))


async def fine() -> None:
    return None


async def down() -> None:
    raise StoreUnavailableError("the backend cannot be reached")


async def run(
    connector: GraphConnector,
    principal: Principal | None = None,
    cosmos: Callable[[], Awaitable[None]] = fine,
    queue: Callable[[], Awaitable[None]] = fine,
) -> dict[str, Any]:
    try:
        result: Readiness = await ReadinessService(connector, cosmos, queue).run(principal or admin())
    finally:
        await connector.aclose()
    return {c.name: c for c in result.checks} | {"ready": result.ready}


def connector_with(graph: GraphServer, identity: Callable[[], Any], issuer: LocalIssuer) -> GraphConnector:
    """The app's connector with another managed identity (same registration, same issuer)."""
    return GraphConnector(
        graph.config(auth_tenant_id="local", auth_client_id=DEV_API_CLIENT_ID),
        identity=identity,
        credential_options=lambda: local_credential_options(issuer),
    )


def with_client(graph: GraphServer, **changes: Any) -> GraphConnector:
    clients = {**CLIENTS, DEV_API_CLIENT_ID: replace(CLIENTS[DEV_API_CLIENT_ID], **changes)}
    issuer = LocalIssuer(graph.config().dev_signing_key, graph.config().auth_issuer, clients=clients)
    return local_connector(graph.config(), issuer=issuer, max_retries=0)


async def test_a_working_deployment_is_ready(graph: GraphServer) -> None:
    checks = await run(graph.connector())
    assert checks.pop("ready") is True
    assert {name: c.status for name, c in checks.items()} == dict.fromkeys(
        ("graphAppToken", "graphAppRead", "graphOnBehalfOf", "cosmos", "queue"), "ok"
    )


async def test_only_an_admin_may_run_it(graph: GraphServer) -> None:
    with pytest.raises(ForbiddenError):
        await run(graph.connector(), admin(roles=frozenset({SALES_PERSON})))


async def test_an_untrusted_managed_identity_names_the_federated_credential(graph: GraphServer) -> None:
    issuer = local_issuer(graph.config())
    stranger = "00000000-0000-4000-8000-0000000057a7"  # trusted by no federated credential
    checks = await run(connector_with(graph, lambda: LocalManagedIdentity(issuer, stranger), issuer))
    token = checks["graphAppToken"]
    assert token.status == "failed" and "AADSTS700213" in token.detail
    assert "federated identity credential" in token.fix
    assert checks["graphAppRead"].status == "skipped" and checks["ready"] is False


async def test_a_missing_managed_identity_names_azure_client_id(graph: GraphServer) -> None:
    class NoIdentity:
        async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise CredentialUnavailableError(
                message="ManagedIdentityCredential: no managed identity endpoint"
            )

        async def close(self) -> None:
            return None

    checks = await run(connector_with(graph, NoIdentity, local_issuer(graph.config())))
    assert checks["graphAppToken"].fix == FIXES["graphAppToken.unavailable"]


async def test_an_app_without_its_roles_names_the_roles_and_exchange_scoping(graph: GraphServer) -> None:
    checks = await run(with_client(graph, application_roles=frozenset()))
    read = checks["graphAppRead"]
    assert checks["graphAppToken"].status == "ok" and read.status == "failed"
    assert "403" in read.detail and read.fix == FIXES["graphAppRead.denied"]
    assert "Mail.Read" in read.fix and "Calendars.Read" in read.fix and "RBAC for Applications" in read.fix


async def test_a_caller_without_a_mailbox_is_told_so(graph: GraphServer) -> None:
    checks = await run(graph.connector(max_retries=0), admin(GHOST))
    assert checks["graphAppRead"].fix == FIXES["graphAppRead.missing"]


async def test_missing_consent_for_the_delegated_scopes_names_them(graph: GraphServer) -> None:
    checks = await run(with_client(graph, delegated_scopes=frozenset()))
    obo = checks["graphOnBehalfOf"]
    assert obo.status == "failed" and "AADSTS65001" in obo.detail
    assert all(scope in obo.fix for scope in ("Mail.Read", "Calendars.Read", "User.Read"))


@pytest.mark.parametrize(
    ("policy", "fix"), [("mfa", "graphOnBehalfOf.interaction"), ("block", "graphOnBehalfOf.blocked")]
)
async def test_conditional_access_on_the_exchange_is_named(graph: GraphServer, policy: str, fix: str) -> None:
    issuer = local_issuer(graph.config(), policies={ALICE: policy})
    checks = await run(local_connector(graph.config(), issuer=issuer))
    assert checks["graphOnBehalfOf"].fix == FIXES[fix]
    assert checks["graphAppRead"].status == "ok"  # app-only is not subject to the user's policy


async def test_an_unreachable_graph_is_named(graph: GraphServer) -> None:
    checks = await run(local_connector(graph.config(graph_base_url="http://127.0.0.1:9/v1.0"), max_retries=0))
    assert checks["graphAppToken"].status == "ok"
    assert checks["graphAppRead"].fix == FIXES["graph"]


async def test_cosmos_and_the_queue_down_are_named_each(graph: GraphServer) -> None:
    checks = await run(graph.connector(), cosmos=down, queue=down)
    assert (checks["cosmos"].fix, checks["queue"].fix) == (FIXES["cosmos"], FIXES["queue"])
    assert "Cosmos DB Built-in Data Contributor" in checks["cosmos"].fix
    assert "Storage Queue Data Contributor" in checks["queue"].fix
