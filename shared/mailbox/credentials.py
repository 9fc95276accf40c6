"""Token credentials for Graph: Entra ID in Azure (no secrets), pass-through / dev-signed
tokens for the local Graph server.

* delegated, Azure: on-behalf-of the signed-in user; the app proves itself with a
  managed-identity token for ``api://AzureADTokenExchange`` (federated credential on
  the app registration), so no client secret exists anywhere;
* application, Azure: the managed identity's own app token;
* delegated, local: the caller's own (dev-signed) token goes to the local Graph server;
* application, local: an app token signed with the development key.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from azure.core.credentials import AccessToken
from azure.identity import ManagedIdentityCredential as SyncManagedIdentityCredential
from azure.identity.aio import ManagedIdentityCredential, OnBehalfOfCredential

from shared.config import Config

TOKEN_EXCHANGE_SCOPE = "api://AzureADTokenExchange/.default"  # noqa: S105 (a scope, not a secret)
#: Application roles a local app token carries (what the Function App is granted in Azure).
APP_ROLES = ("Mail.Read", "Calendars.Read", "User.Read.All")
LOCAL_GRAPH_AUDIENCE = "https://graph.microsoft.com"


class StaticTokenCredential:
    """An async credential answering with a token it was given (local delegated mode)."""

    def __init__(self, token: str) -> None:
        self._token = token
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
            expires = int(claims.get("exp", 0))
        except (jwt.PyJWTError, TypeError, ValueError):
            expires = 0
        self._expires = expires or int(time.time()) + 300

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, self._expires)

    async def close(self) -> None:
        return None


class DevAppCredential:
    """An async credential minting app tokens with the development key (local only)."""

    def __init__(self, key_pem: str, issuer: str, audience: str = LOCAL_GRAPH_AUDIENCE) -> None:
        if not key_pem:
            raise ValueError("the development signing key is not configured")
        self._key, self._issuer, self._audience = key_pem, issuer, audience
        self._cached: AccessToken | None = None

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self._cached is None or self._cached.expires_on - 60 < time.time():
            from localdev.devtools.tokens import mint_app_token  # local only, never deployed

            token = mint_app_token(self._key, self._issuer, self._audience, APP_ROLES)
            claims = jwt.decode(token, options={"verify_signature": False})
            self._cached = AccessToken(token, int(claims.get("exp", time.time() + 3600)))
        return self._cached

    async def close(self) -> None:
        return None


_ASSERTION_CREDENTIALS: dict[str, SyncManagedIdentityCredential] = {}


def managed_identity_assertion(config: Config) -> SyncManagedIdentityCredential:
    """The (sync) managed identity that signs the on-behalf-of client assertion; one per
    process, so its in-memory token cache is shared by every request."""
    key = config.managed_identity_client_id
    if key not in _ASSERTION_CREDENTIALS:
        _ASSERTION_CREDENTIALS[key] = SyncManagedIdentityCredential(client_id=key or None)
    return _ASSERTION_CREDENTIALS[key]


def delegated_credential(config: Config, user_token: str) -> Any:
    """The credential acting as the signed-in user (whose bearer token is ``user_token``)."""
    if config.graph_auth == "local":
        return StaticTokenCredential(user_token)
    assertion = managed_identity_assertion(config)

    def client_assertion() -> str:
        # azure-identity caches managed identity tokens in memory; this is one HTTP call
        # per ~24 h per process, not per request.
        return str(assertion.get_token(TOKEN_EXCHANGE_SCOPE).token)

    return OnBehalfOfCredential(
        config.auth_tenant_id,
        config.auth_client_id,
        client_assertion_func=client_assertion,
        user_assertion=user_token,
    )


def application_credential(config: Config) -> Any:
    """The app's own credential (application permissions Mail.Read, Calendars.Read)."""
    if config.graph_auth == "local":
        return DevAppCredential(config.dev_signing_key, config.auth_issuer)
    return ManagedIdentityCredential(client_id=config.managed_identity_client_id or None)
