"""Credentials for the local Graph server (``GRAPH_AUTH=local``), never deployed.

* delegated: the caller's own (dev-signed) token goes to the local Graph server;
* application: an app token signed with the development key (``AUTOCAPTURE_DEV_KEY``).

``local_connector(config)`` is the ``GraphConnector`` the composition root uses in local
mode; ``shared/`` never imports this module except behind that switch.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
from azure.core.credentials import AccessToken

from localdev.devtools.tokens import mint_app_token
from shared.config import Config
from shared.mailbox.connector import GraphConnector

#: Application roles a local app token carries (what the Function App is granted in Azure).
APP_ROLES = ("Mail.Read", "Calendars.Read", "User.Read.All")
LOCAL_GRAPH_AUDIENCE = "https://graph.microsoft.com"


def _expiry(token: str, default: float) -> int:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        return int(claims.get("exp", 0)) or int(default)
    except (jwt.PyJWTError, TypeError, ValueError):
        return int(default)


class StaticTokenCredential:
    """An async credential answering with the token it was given (local delegated mode)."""

    def __init__(self, token: str) -> None:
        self._token = token
        self._expires = _expiry(token, time.time() + 300)

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken(self._token, self._expires)

    async def close(self) -> None:
        return None


class DevAppCredential:
    """An async credential minting app tokens with the development key."""

    def __init__(self, key_pem: str, issuer: str, audience: str = LOCAL_GRAPH_AUDIENCE) -> None:
        if not key_pem:
            raise ValueError("the development signing key is not configured")
        self._key, self._issuer, self._audience = key_pem, issuer, audience
        self._cached: AccessToken | None = None

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        if self._cached is None or self._cached.expires_on - 60 < time.time():
            token = mint_app_token(self._key, self._issuer, self._audience, APP_ROLES)
            self._cached = AccessToken(token, _expiry(token, time.time() + 3600))
        return self._cached

    async def close(self) -> None:
        return None


def local_connector(config: Config, **options: Any) -> GraphConnector:
    """A ``GraphConnector`` for the local Graph server: pass-through delegated tokens and
    dev-signed app tokens; ``options`` go to ``GraphConnector`` (policy, retries, ...)."""
    return GraphConnector(
        config,
        delegated_credential=StaticTokenCredential,
        application_credential=lambda: DevAppCredential(config.dev_signing_key, config.auth_issuer),
        **options,
    )
