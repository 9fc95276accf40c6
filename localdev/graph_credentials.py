"""Microsoft Graph locally (``GRAPH_AUTH=local``), with the same credential classes as Azure.

``local_connector(config)`` is the ``GraphConnector`` the composition root uses in local
mode: ``OnBehalfOfCredential`` and ``ClientAssertionCredential`` exactly as in Azure,
pointed at the local issuer (``localdev.devtools.issuer``) by their azure-core
transport, with ``LocalManagedIdentity`` signing the client assertion. The local issuer
grants only what the local directory (``localdev.devtools.apps``) grants, which mirrors
infra, so a permission infra does not grant fails locally too. ``shared/`` never
imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from localdev.devtools.apps import DEV_API_CLIENT_ID
from localdev.devtools.issuer import LocalIssuer, LocalManagedIdentity, local_credential_options
from localdev.devtools.tokens import DEV_TENANT_ID
from shared.config import Config
from shared.mailbox.connector import GraphConnector


def local_issuer(config: Config, policies: Mapping[str, str] | None = None) -> LocalIssuer:
    """The local token endpoint for ``config`` (development key and issuer)."""
    return LocalIssuer(
        config.dev_signing_key,
        config.auth_issuer,
        tenant_id=config.auth_tenant_id or DEV_TENANT_ID,
        policies=policies,
    )


def local_connector(config: Config, *, issuer: LocalIssuer | None = None, **options: Any) -> GraphConnector:
    """A ``GraphConnector`` for the local Graph server through the local issuer; ``options``
    go to ``GraphConnector`` (policy, retries, ...)."""
    issuer = issuer or local_issuer(config)
    local = replace(
        config,
        auth_tenant_id=config.auth_tenant_id or DEV_TENANT_ID,
        auth_client_id=config.auth_client_id or DEV_API_CLIENT_ID,
    )
    return GraphConnector(
        local,
        identity=lambda: LocalManagedIdentity(issuer),
        credential_options=lambda: local_credential_options(issuer),
        **options,
    )
