"""One identity model: every Graph call the code makes needs exactly one declared permission,
granted where ``shared/mailbox/permissions.py`` says - the Bicep, the local directory and
docs/deploy.md grant exactly those, no more (no tenant-wide ``User.Read.All``)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from localdev import graph_json
from localdev.devtools.apps import CLIENTS, DEV_API_CLIENT_ID, DEV_MANAGED_IDENTITY_ID
from localdev.graph_server.auth import rule_for
from shared.mailbox import QueryPolicy
from shared.mailbox.permissions import (
    APPLICATION_IDS,
    APPLICATION_ROLES,
    DELEGATED_IDS,
    DELEGATED_SCOPES,
    GRAPH_CALLS,
    call_for,
)
from tests.integration.graph_fixtures import NOW, event, message, serving, user_token

ROOT = Path(__file__).resolve().parents[2]
ENTRA = (ROOT / "infra" / "app" / "entra.bicep").read_text(encoding="utf-8")
MAIN = (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8")
DEPLOY = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
ALICE = "a11ce000-0000-4000-8000-0000000000cc"
PDF = {"id": "att1", "name": "q.pdf", "size": 4, "contentType": "application/pdf", "contentBytes": "JVBE"}
USER_READ_ALL = "df021288-bdef-4463-88db-98f22de89214"


def _bicep_map(name: str) -> dict[str, str]:
    block = re.search(rf"^var {name} = \{{(.*?)^\}}", ENTRA, flags=re.MULTILINE | re.DOTALL)
    assert block, f"infra/app/entra.bicep has no var {name}"
    return dict(re.findall(r"'([\w.]+)': '([0-9a-f-]{36})'", block.group(1)))


def _paths(log: list[tuple[str, str]]) -> set[str]:
    return {path.split("?")[0].removeprefix("/v1.0") for _, path in log}


async def test_every_graph_request_the_code_sends_is_a_declared_call() -> None:
    mail = [
        message(1, NOW - timedelta(hours=1), "jane@fabrikam.com", ["alice@contoso.com"], attachments=[PDF])
    ]
    events = [
        {
            **event(1, NOW, "jane@fabrikam.com", ["alice@contoso.com"]),
            "hasAttachments": True,
            "attachments": [PDF],
        }
    ]
    sent: dict[str, set[str]] = {}
    async with serving(graph_json.mailbox_user(ALICE, "alice@contoso.com", mail, events)) as graph:
        connector = graph.connector()
        try:
            for strategy in ("search", "window"):
                policy = QueryPolicy(strategy=strategy)
                async with connector.delegated(user_token(ALICE), policy=policy) as mine:
                    await mine.list_candidates(ALICE, ["jane@fabrikam.com"], NOW)
            async with connector.delegated(user_token(ALICE)) as mine:
                await mine.get_summary(ALICE, "email", mail[0]["id"])
                await mine.get_summary(ALICE, "meeting", events[0]["id"])
                await mine.get_own_addresses(ALICE)
                await mine.get_item(ALICE, "email", mail[0]["id"])  # the owner's live item, with its files
                await mine.get_item(ALICE, "meeting", events[0]["id"])
            sent["delegated"] = _paths(graph.stats.log)
            graph.stats.reset()
            app = connector.application()
            await app.get_item(ALICE, "email", mail[0]["id"])
            await app.get_item(ALICE, "meeting", events[0]["id"])
            await app.get_attachment(ALICE, "email", mail[0]["id"], PDF["id"])  # the track job's file copy
            await app.get_attachment(ALICE, "meeting", events[0]["id"], PDF["id"])
            await connector.application_read(ALICE)
            sent["application"] = _paths(graph.stats.log)
        finally:
            await connector.aclose()
    for mode, paths in sent.items():
        undeclared = {p for p in paths if call_for(p, mode) is None}  # type: ignore[arg-type]
        assert paths and not undeclared, f"{mode} Graph requests with no declared permission: {undeclared}"
    assert any("/attachments" in p for p in sent["application"]), "the track job's attachment reads ran"
    assert any(p.endswith("/attachments") for p in sent["delegated"]), "the live item's attachment list ran"


def test_each_declared_permission_is_one_graph_grants_for_that_endpoint() -> None:
    for call in GRAPH_CALLS:
        rest = re.sub(r"^/users/\{id\}", "", call.path).replace("{id}", "AAMkX=")
        rule = rule_for(rest)
        assert rule is not None, call
        allowed = rule.application if call.mode == "application" else rule.delegated
        assert call.permission in allowed, f"{call.name} ({call.mode}) needs one of {sorted(allowed)}"


def test_the_app_reads_the_owners_profile_only_with_the_users_own_token() -> None:
    assert call_for("/users/x", "application") is None and "User.Read.All" not in APPLICATION_ROLES
    assert USER_READ_ALL not in ENTRA and "User.Read.All" not in ENTRA


def test_the_local_directory_grants_exactly_what_the_code_uses() -> None:
    api = CLIENTS[DEV_API_CLIENT_ID]
    assert api.application_roles == APPLICATION_ROLES and api.delegated_scopes == DELEGATED_SCOPES
    assert api.federated_subjects == {DEV_MANAGED_IDENTITY_ID}
    identity = CLIENTS[DEV_MANAGED_IDENTITY_ID]
    assert not identity.application_roles and not identity.delegated_scopes  # holds nothing


def test_the_bicep_grants_exactly_the_declared_permissions_by_their_graph_ids() -> None:
    assert _bicep_map("delegatedScopes") == dict(DELEGATED_IDS)
    assert set(DELEGATED_IDS) == DELEGATED_SCOPES
    assert _bicep_map("applicationRoles") == dict(APPLICATION_IDS)
    assert set(APPLICATION_IDS) == APPLICATION_ROLES
    granted = set(re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", ENTRA))
    known = {*DELEGATED_IDS.values(), *APPLICATION_IDS.values(), "00000003-0000-0000-c000-000000000000"}
    assert granted == known, f"unexpected ids in entra.bicep: {granted - known}"


def test_the_bicep_grants_app_roles_to_the_registration_and_trusts_the_managed_identity() -> None:
    assert re.search(r"principalId: servicePrincipal\.id", ENTRA), "roles go to the registration's SP"
    assert re.search(r"if \(grantsApplicationRoles\)", ENTRA), "tenant-wide roles only when chosen"
    assert "'api://AzureADTokenExchange'" in ENTRA and "subject: managedIdentityPrincipalId" in ENTRA
    assert "managedIdentityPrincipalId: identity.outputs.principalId" in MAIN
    assert (
        re.search(r"AUTH_CLIENT_ID: authClientId", MAIN)
        and "var authClientId = entra.outputs.clientId" in MAIN
    )
    assert "extension microsoftGraphV1" in ENTRA


def test_the_deploy_guide_grants_the_same_and_scopes_exchange_the_current_way() -> None:
    for call in GRAPH_CALLS:
        kind = "Delegated" if call.mode == "delegated" else "Application"
        assert re.search(rf"\| `{re.escape(call.permission)}` \| {kind} \|", DEPLOY), (call.permission, kind)
    assert "| `User.Read.All` |" not in DEPLOY
    for role in APPLICATION_ROLES:
        assert f'-Role "Application {role}"' in DEPLOY
    assert "New-ManagementScope" in DEPLOY and "Test-ServicePrincipalAuthorization" in DEPLOY
    assert DEPLOY.find("New-ManagementRoleAssignment") < DEPLOY.find("New-ApplicationAccessPolicy") or (
        "New-ApplicationAccessPolicy" not in DEPLOY
    )
