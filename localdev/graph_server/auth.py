"""Bearer-token checks of the local Graph server: RS256 JWTs against a JWKS, as Graph does.

* the token must be for Graph (``aud`` ``https://graph.microsoft.com`` or Graph's app
  id), else 401 ``InvalidAuthenticationToken``, as Graph answers a token for another API;
* every endpoint needs a permission (``RULES``, from Graph's permission reference, least
  privileged first): messages and mail folders ``Mail.Read``, events and calendar views
  ``Calendars.Read``, ``/users/{id}`` ``User.Read.All`` app-only or the user's own
  ``User.Read``. App tokens (``idtyp: app``) need it among their ``roles`` and read any
  mailbox; delegated tokens need it among their ``scp`` and read only their own.
  Otherwise the answer is Graph's 403 body for that endpoint.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

from localdev.graph_server.errors import GraphError

Jwks = Mapping[str, Any]
JwksProvider = Callable[[], Awaitable[Jwks]]
#: ``aud`` values of a token for Microsoft Graph.
GRAPH_AUDIENCES = frozenset(
    {"https://graph.microsoft.com", "https://graph.microsoft.com/", "00000003-0000-0000-c000-000000000000"}
)
ACCESS_DENIED = ("ErrorAccessDenied", "Access is denied. Check credentials and try again.")
DIRECTORY_DENIED = ("Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


@dataclass(frozen=True)
class Rule:
    """Which permissions let a token read one kind of endpoint, and Graph's 403 otherwise."""

    path: re.Pattern[str]
    application: frozenset[str]
    delegated: frozenset[str]
    denied: tuple[str, str] = ACCESS_DENIED


MAIL = frozenset({"Mail.Read", "Mail.ReadWrite"})
CALENDARS = frozenset({"Calendars.Read", "Calendars.ReadWrite"})
#: Keyed by the path after ``/users/{id}`` (or ``/me``).
RULES = (
    Rule(
        re.compile(r"^/?$"),
        frozenset({"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}),
        frozenset({"User.Read", "User.ReadWrite", "User.Read.All", "Directory.Read.All"}),
        DIRECTORY_DENIED,
    ),
    Rule(re.compile(r"^/(messages|mailFolders)(/|$)", re.I), MAIL, MAIL),
    Rule(re.compile(r"^/(events|calendarView|calendar|calendars)(/|$)", re.I), CALENDARS, CALENDARS),
)


def rule_for(rest: str) -> Rule | None:
    """The permission rule of a path after ``/users/{id}``, or None (not served here)."""
    return next((rule for rule in RULES if rule.path.match(rest)), None)


@dataclass(frozen=True)
class Principal:
    app: bool
    oid: str
    roles: frozenset[str]
    #: The calling application (``appid`` / ``azp``): Graph's per-mailbox limits are per app.
    app_id: str = ""
    scopes: frozenset[str] = frozenset()


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
    if claims.get("aud") not in GRAPH_AUDIENCES:
        raise unauthorized("Access token validation failure. Invalid audience.")
    roles = frozenset(r for r in claims.get("roles", []) if isinstance(r, str))
    app = claims.get("idtyp") == "app"
    oid = str(claims.get("oid") or "")
    if not app and not oid:
        raise unauthorized("Access token has no oid claim.")
    app_id = str(claims.get("appid") or claims.get("azp") or "")
    scp = claims.get("scp")
    scopes = frozenset(scp.split()) if isinstance(scp, str) and not app else frozenset()
    return Principal(app=app, oid=oid, roles=roles, scopes=scopes, app_id=app_id)


def authorize(principal: Principal, user_id: str, rest: str = "") -> None:
    """Raise Graph's 403 unless ``principal`` may read ``rest`` (the path after
    ``/users/{id}``) of the user ``user_id``."""
    rule = rule_for(rest)
    if rule is None:
        return  # not an endpoint of this server: the router answers 400
    if principal.app:
        allowed = bool(principal.roles & rule.application)
    else:
        allowed = principal.oid.lower() == user_id.lower() and bool(principal.scopes & rule.delegated)
    if not allowed:
        raise GraphError(403, *rule.denied)
