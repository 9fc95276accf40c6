"""Entra ID credentials for Graph, all async and secret-free.

* delegated: on-behalf-of the signed-in user; the app proves itself with a
  managed-identity token for ``api://AzureADTokenExchange`` (federated credential on
  the app registration), so no client secret exists anywhere;
* application: the same app registration through the client-credentials grant, with
  the same client assertion (``ClientAssertionCredential``). The managed identity's own
  token is never sent to Graph: it carries none of the registration's roles
  (``shared.mailbox.permissions`` declares the whole model).

Both take ``options`` for azure-identity (``authority``, ``transport``): the local stack
passes its local issuer there, so the same credential classes run locally and in Azure.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

from azure.core.credentials import AccessToken
from azure.identity import CredentialUnavailableError
from azure.identity.aio import ClientAssertionCredential, ManagedIdentityCredential, OnBehalfOfCredential

from shared.config import Config

TOKEN_EXCHANGE_SCOPE = "api://AzureADTokenExchange/.default"  # noqa: S105 (a scope, not a secret)
#: Seconds before its expiry at which the client assertion is fetched again.
ASSERTION_REFRESH_MARGIN = 300.0


class Credential(Protocol):
    """What msgraph-sdk's auth provider needs: an async ``get_token`` and ``close``."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken: ...

    async def close(self) -> None: ...


#: Builds the credential acting as the user whose bearer token it is given.
DelegatedCredentialFactory = Callable[[str], Credential]
#: Builds a credential of the app itself (called at most once per connector).
CredentialFactory = Callable[[], Credential]


def managed_identity(config: Config) -> Credential:
    """The Function App's user-assigned managed identity (``AZURE_CLIENT_ID``), async."""
    return ManagedIdentityCredential(client_id=config.managed_identity_client_id or None)


class ClientAssertion:
    """The app's on-behalf-of client assertion: a token of ``identity`` for
    ``api://AzureADTokenExchange``, fetched asynchronously and kept until
    ``margin`` seconds before it expires.

    ``OnBehalfOfCredential`` calls its ``client_assertion_func`` synchronously, inside
    the event loop, while it builds the token request; so calling this object only reads
    the cached assertion, and ``refresh()`` is awaited before every token request.
    """

    def __init__(
        self,
        identity: Credential,
        *,
        margin: float = ASSERTION_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._identity = identity
        self._margin = margin
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._token is not None and self._token.expires_on - self._margin > self._clock()

    async def refresh(self) -> None:
        """Fetch the assertion unless the cached one is still fresh (one fetch at a time)."""
        if self._fresh():
            return
        async with self._lock:
            if not self._fresh():
                self._token = await self._identity.get_token(TOKEN_EXCHANGE_SCOPE)

    def __call__(self) -> str:
        """The cached assertion (no I/O); ``refresh()`` must have run."""
        if self._token is None:
            raise CredentialUnavailableError("the client assertion has not been fetched")
        return self._token.token


class WithAssertion:
    """A credential of the app registration (``inner``: on-behalf-of or client
    credentials, whose client assertion is ``assertion``) with the assertion refreshed,
    asynchronously, before each token."""

    def __init__(self, inner: Credential, assertion: ClientAssertion) -> None:
        self._inner = inner
        self._assertion = assertion

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        await self._assertion.refresh()
        return await self._inner.get_token(*scopes, **kwargs)

    async def close(self) -> None:
        """Close the inner credential; the assertion belongs to the connector."""
        await self._inner.close()


def on_behalf_of(
    config: Config, assertion: ClientAssertion, user_token: str, **options: Any
) -> WithAssertion:
    """The credential acting as the user whose bearer token is ``user_token``;
    ``options`` go to ``OnBehalfOfCredential`` (e.g. ``transport``)."""
    obo = OnBehalfOfCredential(
        config.auth_tenant_id,
        config.auth_client_id,
        client_assertion_func=assertion,
        user_assertion=user_token,
        **options,
    )
    return WithAssertion(obo, assertion)


def app_only(config: Config, assertion: ClientAssertion, **options: Any) -> WithAssertion:
    """The app registration's own credential (client credentials with ``assertion``):
    the identity that holds the application roles (``permissions.APPLICATION_ROLES``)."""
    credential = ClientAssertionCredential(config.auth_tenant_id, config.auth_client_id, assertion, **options)
    return WithAssertion(credential, assertion)
