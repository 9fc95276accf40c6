"""Local mode only: the local directory of clients, mirroring what infra grants in Azure.

Which client holds which Microsoft Graph application roles, which delegated scopes are
consented for it, and which managed identity its federated credential trusts. The
local issuer (``localdev.devtools.issuer``) mints tokens only as configured here, and
the local Graph server refuses what these grants do not allow, exactly as Entra ID and
Graph would. ``tests/infra/test_permissions.py`` checks that this directory grants
exactly ``shared.mailbox.permissions`` and ``infra/app/entra.bicep`` grant, no more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from localdev.devtools.tokens import DEV_APP_ID

#: The API's app registration (client id) locally: ``AUTH_CLIENT_ID`` in Azure.
DEV_API_CLIENT_ID = DEV_APP_ID
#: Object (principal) id of the Function App's user-assigned managed identity locally.
DEV_MANAGED_IDENTITY_ID = "00000000-0000-4000-8000-00000000f1c0"
#: Audiences the API's own tokens carry locally (``AUTH_AUDIENCE``; the client id in Azure).
DEV_API_AUDIENCES = frozenset({"api://autocapture", DEV_API_CLIENT_ID})


@dataclass(frozen=True)
class LocalClient:
    """One client (app registration or managed identity) as Entra ID knows it."""

    client_id: str
    name: str
    #: Graph application roles assigned to its service principal (``appRoleAssignedTo``).
    application_roles: frozenset[str] = frozenset()
    #: Graph delegated scopes consented for it (``oauth2PermissionGrants``).
    delegated_scopes: frozenset[str] = frozenset()
    #: Managed identities its federated identity credentials trust (their object ids).
    federated_subjects: frozenset[str] = frozenset()
    #: The audiences of its own API (user assertions it may exchange on-behalf-of).
    api_audiences: frozenset[str] = frozenset()


#: What infra/app/entra.bicep declares: the API's registration holds the roles and the
#: consented scopes and trusts the managed identity; the managed identity holds nothing.
CLIENTS: Mapping[str, LocalClient] = MappingProxyType(
    {
        DEV_API_CLIENT_ID: LocalClient(
            DEV_API_CLIENT_ID,
            "Auto capture API",
            application_roles=frozenset({"Mail.Read", "Calendars.Read"}),
            delegated_scopes=frozenset({"Mail.Read", "Calendars.Read", "User.Read"}),
            federated_subjects=frozenset({DEV_MANAGED_IDENTITY_ID}),
            api_audiences=DEV_API_AUDIENCES,
        ),
        DEV_MANAGED_IDENTITY_ID: LocalClient(DEV_MANAGED_IDENTITY_ID, "id-autocapture (managed identity)"),
    }
)
