"""Development tokens for local mode only: a local RSA key, its JWKS, and minted tokens.

``make run`` generates a key at start (``generate_signing_key``) and hands it to the
app as ``AUTOCAPTURE_DEV_KEY``; ``/dev/token`` mints user tokens with it and
``/dev/jwks`` publishes its public half, so the API validates them exactly as it
validates Entra ID tokens (``shared.auth.tokens``). This package is never deployed
(``.funcignore`` excludes ``localdev/``) and never imported in Azure mode.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ALGORITHM = "RS256"
#: Tenant id of local tokens when no AUTH_TENANT_ID is configured.
DEV_TENANT_ID = "00000000-0000-4000-8000-000000000001"
#: Object id of the local "app" that reads mailboxes (the app-only Graph credential).
DEV_APP_ID = "00000000-0000-4000-8000-00000000a991"
#: Delegated scope a local user token carries (what a client asks Entra ID for).
DEV_SCOPE = "access_as_user"
#: Namespace of ``derive_user_oid`` (uuid5); fixed, so derived ids are stable across runs.
_OID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://autocapture.local/dev/users")


def generate_signing_key() -> str:
    """A fresh 2048-bit RSA private key, PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


@functools.lru_cache(maxsize=8)
def _private_key(key_pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(key_pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the development signing key must be an RSA private key")
    return key


def public_key(key_pem: str) -> rsa.RSAPublicKey:
    """The public half of the development key (verifies what it signed)."""
    return _private_key(key_pem).public_key()


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_jwk(key_pem: str) -> dict[str, str]:
    """The public half of the key as a JWK, ``kid`` = its RFC 7638 SHA-256 thumbprint."""
    return dict(_public_jwk(key_pem))


@functools.lru_cache(maxsize=8)
def _public_jwk(key_pem: str) -> tuple[tuple[str, str], ...]:
    numbers = _private_key(key_pem).public_key().public_numbers()
    members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
    kid = jwk_thumbprint(members)
    return (*members.items(), ("kid", kid), ("use", "sig"), ("alg", ALGORITHM))


def jwk_thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint of an RSA JWK (its ``e``, ``kty``, ``n`` members)."""
    members = {name: jwk[name] for name in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode("ascii")


def jwks(key_pem: str) -> dict[str, list[dict[str, str]]]:
    """The JWKS document ``/dev/jwks`` serves: ``{"keys": [<public JWK>]}``."""
    return {"keys": [public_jwk(key_pem)]}


def derive_user_oid(upn: str) -> str:
    """A stable object id for a user missing from the local mailbox directory."""
    return str(uuid.uuid5(_OID_NAMESPACE, upn.strip().lower()))


def _sign(key_pem: str, claims: dict[str, Any]) -> str:
    headers = {"kid": dict(_public_jwk(key_pem))["kid"], "typ": "JWT"}
    return jwt.encode(claims, _private_key(key_pem), algorithm=ALGORITHM, headers=headers)


def _times(lifetime: int, now: float | None) -> dict[str, int]:
    issued = int(time.time() if now is None else now)
    return {"iat": issued, "nbf": issued, "exp": issued + lifetime}


def _envelope(
    issuer: str, audience: str, idtyp: str, tenant_id: str, lifetime: int, now: float | None
) -> dict[str, Any]:
    """The claims every Entra ID v2 access token carries, user or app."""
    return {
        "iss": issuer,
        "aud": audience,
        **_times(lifetime, now),
        "ver": "2.0",
        "idtyp": idtyp,
        "tid": tenant_id,
    }


def mint_user_token(
    key_pem: str,
    issuer: str,
    audience: str,
    *,
    upn: str,
    oid: str,
    roles: Iterable[str] = (),
    groups: Iterable[str] = (),
    name: str = "",
    tenant_id: str = DEV_TENANT_ID,
    lifetime: int = 3600,
    now: float | None = None,
) -> str:
    """A delegated (user) access token shaped like an Entra ID v2 token."""
    claims: dict[str, Any] = {
        **_envelope(issuer, audience, "user", tenant_id, lifetime, now),
        "oid": oid,
        "sub": derive_user_oid(f"{audience}|{oid}"),  # pairwise, as Entra's sub is
        "preferred_username": upn,
        "name": name or upn,
        "scp": DEV_SCOPE,
        "azp": DEV_APP_ID,
    }
    if roles := sorted(set(roles)):
        claims["roles"] = roles
    if groups := sorted(set(groups)):
        claims["groups"] = groups
    return _sign(key_pem, claims)


def sign_claims(key_pem: str, claims: dict[str, Any]) -> str:
    """Any token the local issuer mints (``localdev.devtools.issuer``), signed like the others."""
    return _sign(key_pem, claims)


def envelope(
    issuer: str, audience: str, idtyp: str, tenant_id: str = DEV_TENANT_ID, lifetime: int = 3600
) -> dict[str, Any]:
    """The claims every Entra ID access token carries (``iss``, ``aud``, times, ``tid``...)."""
    return _envelope(issuer, audience, idtyp, tenant_id, lifetime, None)


def mint_app_token(
    key_pem: str,
    issuer: str,
    audience: str,
    roles: Iterable[str],
    *,
    app_id: str = DEV_APP_ID,
    tenant_id: str = DEV_TENANT_ID,
    lifetime: int = 3600,
    now: float | None = None,
) -> str:
    """An app-only access token (client credentials), e.g. roles ``Mail.Read``, ``Calendars.Read``."""
    claims: dict[str, Any] = {
        **_envelope(issuer, audience, "app", tenant_id, lifetime, now),
        "oid": app_id,
        "sub": app_id,
        "azp": app_id,
        "roles": sorted(set(roles)),
    }
    return _sign(key_pem, claims)
