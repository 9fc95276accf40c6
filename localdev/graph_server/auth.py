"""Bearer-token checks of the local Graph server: RS256 JWTs against a JWKS.

Delegated tokens (``oid`` claim, no ``idtyp: app``) read only their own mailbox; app
tokens (``idtyp: app``) need the ``Mail.Read`` role and read any mailbox.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from localdev.graph_server.errors import GraphError

Jwks = Mapping[str, Any]
JwksProvider = Callable[[], Awaitable[Jwks]]
APP_READ_ROLES = frozenset({"Mail.Read", "Mail.ReadWrite"})


@dataclass(frozen=True)
class Principal:
    app: bool
    oid: str
    roles: frozenset[str]
    #: The calling application (``appid`` / ``azp``): Graph's per-mailbox limits are per app.
    app_id: str = ""


def static_jwks(jwks: Jwks) -> JwksProvider:
    async def provide() -> Jwks:
        return jwks

    return provide


def url_jwks(url: str, ttl: float = 300.0) -> JwksProvider:
    """A JWKS fetched from ``url`` and cached for ``ttl`` seconds."""
    cache: dict[str, Any] = {"at": 0.0, "jwks": None}

    async def provide() -> Jwks:
        if cache["jwks"] is None or time.monotonic() - cache["at"] > ttl:
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                response.raise_for_status()
                cache["jwks"] = json.loads(await response.text())
                cache["at"] = time.monotonic()
        return dict(cache["jwks"])

    return provide


def unauthorized(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


async def authenticate(header: str | None, jwks: JwksProvider, issuer: str | None) -> Principal:
    if not header or not header.lower().startswith("bearer "):
        raise unauthorized("Access token is empty.")
    token = header[7:].strip()
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise unauthorized("IDX14100: JWT is not well formed.") from exc
    keys = [k for k in (await jwks()).get("keys", []) if kid is None or k.get("kid") in (kid, None)]
    claims: dict[str, Any] | None = None
    for key in keys:
        try:
            claims = jwt.decode(
                token,
                jwt.PyJWK(key).key,
                algorithms=["RS256"],
                issuer=issuer or None,
                options={"verify_aud": False, "require": ["exp"]},
                leeway=30,
            )
            break
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("Lifetime validation failed, the token is expired.") from exc
        except jwt.PyJWTError:
            continue
    if claims is None:
        raise unauthorized("Access token validation failure. Invalid signature or issuer.")
    roles = frozenset(r for r in claims.get("roles", []) if isinstance(r, str))
    app = claims.get("idtyp") == "app"
    oid = str(claims.get("oid") or "")
    if not app and not oid:
        raise unauthorized("Access token has no oid claim.")
    app_id = str(claims.get("appid") or claims.get("azp") or "")
    return Principal(app=app, oid=oid, roles=roles, app_id=app_id)


def authorize(principal: Principal, user_id: str) -> None:
    """Raise 403 unless ``principal`` may read the mailbox of ``user_id``."""
    if principal.app:
        if principal.roles & APP_READ_ROLES:
            return
    elif principal.oid.lower() == user_id.lower():
        return
    raise GraphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
