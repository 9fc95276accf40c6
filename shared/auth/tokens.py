"""Bearer token validation: Entra ID access tokens in Azure, development tokens locally.

Order of checks: the header is parsed; the JWT header must say ``RS256`` and carry a
``kid`` (anything else is refused before any key is touched); the key comes from the
issuer's JWKS (cached, refreshed when stale or, at most once per ``refresh_interval``,
on an unknown ``kid``); then signature, issuer, audience, ``exp``/``nbf``/``iat`` with
60 s leeway, required claims, and finally the claims that make a Principal.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt

from shared.auth.jwks import HttpJwksFetcher, JwksFetcher
from shared.auth.principal import Principal
from shared.config import Config
from shared.exceptions import AuthenticationError, AuthUnavailableError, AutoCaptureError

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
LEEWAY_SECONDS = 60
REQUIRED_CLAIMS = ("exp", "nbf", "iat", "iss", "aud", "sub", "oid", "tid")
MAX_HEADER_LENGTH = 16 * 1024
_BEARER = re.compile(r"Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)", re.IGNORECASE)
_CLAIM_ERRORS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "The token has expired"),
    (jwt.ImmatureSignatureError, "The token is not valid yet"),
    (jwt.InvalidAudienceError, "The token is not meant for this API"),
    (jwt.InvalidIssuerError, "The token was not issued by the expected issuer"),
    (jwt.InvalidSignatureError, "The token signature is invalid"),
)


def entra_issuer(tenant_id: str) -> str:
    return f"https://login.microsoftonline.com/{tenant_id}/v2.0"


def entra_jwks_url(tenant_id: str) -> str:
    return f"https://login.microsoftonline.com/{tenant_id}/discovery/v2.0/keys"


def bearer_token(authorization_header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header, or AuthenticationError."""
    if authorization_header is None or not authorization_header.strip():
        raise AuthenticationError("A bearer token is required", error=None)
    match = _BEARER.fullmatch(authorization_header.strip())
    if len(authorization_header) > MAX_HEADER_LENGTH or match is None:
        raise AuthenticationError("The Authorization header must be 'Bearer <JWT>'", error="invalid_request")
    return match.group(1)


def _checked_kid(token: str) -> str:
    """The ``kid`` of a token whose header is acceptable (RS256, a kid, no ``crit``)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthenticationError("The token is malformed") from exc
    if header.get("alg") != ALGORITHM:
        raise AuthenticationError("The token must be signed with RS256")
    if "crit" in header:
        raise AuthenticationError("The token uses unsupported header extensions")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= 256:
        raise AuthenticationError("The token does not name its signing key")
    return kid


def _parse_jwks(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """The usable RS256 signing keys of a JWKS document, by ``kid``; others are skipped."""
    keys: dict[str, jwt.PyJWK] = {}
    entries = document.get("keys")
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
            continue
        kid = entry.get("kid")
        try:
            key = jwt.PyJWK(entry, algorithm=ALGORITHM)
        except jwt.PyJWTError:
            logger.warning("skipping an unreadable JWKS key %r", kid)
            continue
        if isinstance(kid, str) and kid and getattr(key.key, "key_size", 0) >= 2048:
            keys[kid] = key
    return keys


def _text_claim(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name, "")
    if not isinstance(value, str) or len(value) > 512:
        raise AuthenticationError(f"The token's {name} claim is malformed")
    return value


def _set_claim(claims: Mapping[str, Any], name: str) -> frozenset[str]:
    value = claims.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AuthenticationError(f"The token's {name} claim is malformed")
    return frozenset(value)


def principal_from_claims(claims: Mapping[str, Any], token: str, tenant_id: str = "") -> Principal:
    """The Principal of a verified *user* token; app-only tokens are refused."""
    if claims.get("idtyp") == "app" or not claims.get("scp"):
        raise AuthenticationError("A user's delegated token is required")
    oid = _text_claim(claims, "oid")
    tid = _text_claim(claims, "tid")
    if not oid or not tid:
        raise AuthenticationError("The token does not identify a user")
    if tenant_id and tid.lower() != tenant_id.lower():
        raise AuthenticationError("The token is from another tenant")
    return Principal(
        oid=oid,
        upn=_text_claim(claims, "preferred_username") or _text_claim(claims, "upn"),
        name=_text_claim(claims, "name"),
        tenant_id=tid,
        roles=_set_claim(claims, "roles"),
        groups=_set_claim(claims, "groups"),
        token=token,
    )


class TokenValidator:
    """Validates bearer tokens against the configured issuer, audience and JWKS.

    Defaults from ``config``: issuer ``AUTH_ISSUER`` (else the Entra v2 issuer of
    ``AUTH_TENANT_ID``); accepted audiences ``AUTH_AUDIENCE`` and ``AUTH_CLIENT_ID``
    (an Entra v2 token's ``aud`` is the API's client id; ``api://...`` is the App ID
    URI); JWKS from ``AUTH_JWKS_URL`` (else the tenant's Entra keys URL). One instance
    per process: it holds the key cache.
    """

    def __init__(
        self,
        config: Config,
        jwks_fetcher: JwksFetcher | None = None,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_interval: float = 60.0,
        retry_interval: float = 5.0,
        cache_seconds: float = 24 * 3600.0,
    ) -> None:
        tenant = config.auth_tenant_id
        self.issuer = issuer or config.auth_issuer or (entra_issuer(tenant) if tenant else "")
        given = (audience,) if audience else (config.auth_audience, config.auth_client_id)
        self.audiences = tuple(dict.fromkeys(a for a in given if a))
        self._tenant_id = tenant
        jwks_url = config.auth_jwks_url or (entra_jwks_url(tenant) if tenant else "")
        self._fetcher = jwks_fetcher or (HttpJwksFetcher(jwks_url) if jwks_url else None)
        self._clock = clock
        self._refresh_interval = refresh_interval
        self._retry_interval = retry_interval
        self._cache_seconds = cache_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()

    async def validate(self, authorization_header: str | None) -> Principal:
        """The caller of an ``Authorization`` header value; AuthenticationError (401) otherwise."""
        token = bearer_token(authorization_header)
        claims = await self.decode(token)
        principal = principal_from_claims(claims, token, self._tenant_id)
        logger.debug("token accepted for oid %s", principal.oid)
        return principal

    async def decode(self, token: str) -> dict[str, Any]:
        """The verified claims of a token (any token type); AuthenticationError otherwise."""
        if not (self.issuer and self.audiences and self._fetcher):
            raise AutoCaptureError("Token validation is not configured")
        key = await self._signing_key(_checked_kid(token))
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=[ALGORITHM],
                audience=list(self.audiences),
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise AuthenticationError(f"The token lacks the {exc.claim} claim") from exc
        except jwt.PyJWTError as exc:
            detail = next((d for kind, d in _CLAIM_ERRORS if isinstance(exc, kind)), "The token is invalid")
            logger.info("token rejected: %s", detail)
            raise AuthenticationError(detail) from exc

    async def _signing_key(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is None or self._stale():
            async with self._lock:  # one fetch for all the requests waiting on it
                key = self._keys.get(kid)
                if (key is None or self._stale()) and self._may_fetch():
                    await self._load()
                    key = self._keys.get(kid)
        if key is None:
            if not self._keys:
                raise AuthUnavailableError("The token signing keys are not available yet")
            raise AuthenticationError("The token is signed by an unknown key")
        return key

    def _stale(self) -> bool:
        return self._loaded_at is None or self._clock() - self._loaded_at >= self._cache_seconds

    def _may_fetch(self) -> bool:
        """Rate limit: an unknown ``kid`` cannot force more than one fetch per interval."""
        if self._attempted_at is None:
            return True
        interval = self._refresh_interval if self._keys else self._retry_interval
        return self._clock() - self._attempted_at >= interval

    async def _load(self) -> None:
        assert self._fetcher is not None
        self._attempted_at = self._clock()
        try:
            keys = _parse_jwks(await self._fetcher.get_jwks())
            if not keys:
                raise AuthUnavailableError("The issuer publishes no usable RS256 signing key")
        except AuthUnavailableError:
            if not self._keys:
                raise
            logger.warning("JWKS refresh failed; keeping the %d cached keys", len(self._keys))
            return
        self._keys = keys
        self._loaded_at = self._clock()
        logger.info("loaded %d token signing keys", len(keys))
