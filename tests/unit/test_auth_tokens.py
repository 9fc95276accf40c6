"""TokenValidator: every way a bearer token can be wrong answers AuthenticationError (401)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import jwt
import pytest

from localdev.devtools.tokens import generate_signing_key, jwks, mint_app_token, mint_user_token, public_jwk
from shared.auth import SALES_PERSON, StaticJwksFetcher, TokenValidator
from shared.auth.jwks import HttpJwksFetcher
from shared.auth.tokens import entra_issuer, entra_jwks_url
from shared.config import Config
from shared.exceptions import AuthenticationError, AuthUnavailableError, AutoCaptureError

ISSUER = "http://127.0.0.1:7071/dev"
AUDIENCE = "api://autocapture"
ALICE = "7d6b1c4e-0b5f-4c39-9a43-5f0b7a1e2c11"
CONFIG = Config(mode="local", auth_issuer=ISSUER, auth_audience=AUDIENCE, auth_jwks_url=f"{ISSUER}/jwks")
KEY = generate_signing_key()
OTHER_KEY = generate_signing_key()
KID = public_jwk(KEY)["kid"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_validator(
    document: Mapping[str, Any] | None = None, clock: FakeClock | None = None, config: Config = CONFIG
) -> tuple[TokenValidator, StaticJwksFetcher]:
    fetcher = StaticJwksFetcher(document or jwks(KEY))
    return TokenValidator(config, fetcher, clock=clock or FakeClock()), fetcher


async def holding_keys() -> tuple[TokenValidator, StaticJwksFetcher, FakeClock]:
    """A validator on a fake clock that checked one token: it holds the keys, fetched once."""
    clock = FakeClock()
    validator, fetcher = make_validator(clock=clock)
    await validator.validate(f"Bearer {alice_token()}")
    assert fetcher.calls == 1
    return validator, fetcher, clock


def alice_token(**kwargs: Any) -> str:
    args: dict[str, Any] = {
        "upn": "alice@contoso.com",
        "oid": ALICE,
        "roles": [SALES_PERSON],
        "groups": ["t-east"],
        "name": "Alice",
    }
    args.update(kwargs)
    return mint_user_token(KEY, ISSUER, AUDIENCE, **args)


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def resigned(
    changes: Mapping[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    key: str = KEY,
    headers: Mapping[str, Any] | None = None,
    algorithm: str = "RS256",
) -> str:
    """Alice's token with its claims changed, validly signed by ``key`` (default: ours)."""
    claims = {k: v for k, v in claims_of(alice_token()).items() if k not in drop}
    claims.update(changes or {})
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    private = load_pem_private_key(key.encode(), password=None)
    return jwt.encode(claims, private, algorithm=algorithm, headers={"kid": KID, **(headers or {})})  # type: ignore[arg-type]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: Mapping[str, Any], claims: Mapping[str, Any], signature: bytes = b"sig") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}.{b64(signature)}"


async def rejected(validator: TokenValidator, header: str | None) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        await validator.validate(header)
    error = caught.value
    assert error.status == 401
    token = (header or "").split(" ")[-1]
    if len(token) > 8:
        assert token not in str(error) and token not in error.www_authenticate
    return error


async def test_accepts_a_valid_user_token_and_builds_the_principal() -> None:
    validator, _ = make_validator()
    token = alice_token()
    principal = await validator.validate(f"Bearer {token}")
    assert principal.oid == ALICE
    assert principal.upn == "alice@contoso.com"
    assert principal.name == "Alice"
    assert principal.roles == frozenset({SALES_PERSON})
    assert principal.groups == frozenset({"t-east"})
    assert principal.token == token
    assert token not in repr(principal)


async def test_scheme_is_case_insensitive() -> None:
    validator, _ = make_validator()
    assert (await validator.validate(f"bearer {alice_token()}")).oid == ALICE


async def test_expired_token_is_rejected_beyond_the_leeway() -> None:
    validator, _ = make_validator()
    error = await rejected(validator, f"Bearer {alice_token(now=time.time() - 3600 - 120)}")
    assert error.detail == "The token has expired"
    assert 'error="invalid_token"' in error.www_authenticate


async def test_token_expired_within_the_leeway_is_accepted() -> None:
    validator, _ = make_validator()
    assert await validator.validate(f"Bearer {alice_token(now=time.time() - 3600 - 30)}")


async def test_not_yet_valid_token_is_rejected() -> None:
    validator, _ = make_validator()
    later = int(time.time()) + 300
    error = await rejected(validator, f"Bearer {resigned({'nbf': later, 'iat': later, 'exp': later + 3600})}")
    assert error.detail == "The token is not valid yet"


async def test_clock_skew_within_the_leeway_is_accepted() -> None:
    validator, _ = make_validator()
    soon = int(time.time()) + 30
    assert await validator.validate(f"Bearer {resigned({'nbf': soon, 'iat': soon})}")


async def test_the_app_id_uri_and_the_client_id_are_both_accepted_audiences() -> None:
    config = Config(mode="local", auth_issuer=ISSUER, auth_audience=AUDIENCE, auth_client_id="client-guid")
    validator, _ = make_validator(config=config)
    for audience in (AUDIENCE, "client-guid"):
        assert await validator.validate(f"Bearer {resigned({'aud': audience})}")


@pytest.mark.parametrize(
    ("changes", "key", "detail"),
    [
        pytest.param({"aud": "api://someone-else"}, KEY, "The token is not meant for this API", id="aud"),
        pytest.param(
            {"iss": "https://evil.example/v2.0"},
            KEY,
            "The token was not issued by the expected issuer",
            id="iss",
        ),
        pytest.param({}, OTHER_KEY, "The token signature is invalid", id="another-key-under-our-kid"),
    ],
)
async def test_a_wrong_audience_issuer_or_signing_key_is_rejected(
    changes: dict[str, str], key: str, detail: str
) -> None:
    validator, _ = make_validator()
    error = await rejected(validator, f"Bearer {resigned(changes, key=key)}")
    assert error.detail == detail


async def test_tampered_claims_are_rejected() -> None:
    validator, _ = make_validator()
    head, payload, signature = alice_token().split(".")
    claims = claims_of(alice_token())
    claims["roles"] = ["AutoCapture.Admin", "Sales.Manager"]
    forged = f"{head}.{b64(json.dumps(claims).encode())}.{signature}"
    error = await rejected(validator, f"Bearer {forged}")
    assert error.detail == "The token signature is invalid"
    assert payload not in forged


async def test_alg_none_is_rejected_before_any_key_is_fetched() -> None:
    validator, fetcher = make_validator()
    claims = claims_of(alice_token())
    unsigned = jwt.encode(claims, None, algorithm="none")  # "header.payload." (empty signature)
    await rejected(validator, f"Bearer {unsigned}")
    error = await rejected(validator, f"Bearer {hand_made({'alg': 'none', 'kid': KID}, claims)}")
    assert error.detail == "The token must be signed with RS256"
    assert fetcher.calls == 0


async def test_hs256_signed_with_the_public_key_is_rejected_before_any_key_is_fetched() -> None:
    validator, fetcher = make_validator()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    public_pem = (
        load_pem_private_key(KEY.encode(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": KID}).encode())
    payload = b64(json.dumps(claims_of(alice_token())).encode())
    mac = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    error = await rejected(validator, f"Bearer {header}.{payload}.{b64(mac)}")
    assert error.detail == "The token must be signed with RS256"
    assert fetcher.calls == 0


@pytest.mark.parametrize("algorithm", ["RS512", "PS256", "RS384"])
async def test_other_rsa_algorithms_are_rejected_even_with_our_key(algorithm: str) -> None:
    validator, fetcher = make_validator()
    error = await rejected(validator, f"Bearer {resigned(algorithm=algorithm)}")
    assert error.detail == "The token must be signed with RS256"
    assert fetcher.calls == 0


async def test_a_symmetric_key_published_under_our_kid_is_never_used() -> None:
    secret = b64(b"shared-secret-shared-secret-1234")
    validator, _ = make_validator({"keys": [{"kty": "oct", "kid": KID, "k": secret}]})
    with pytest.raises(AuthUnavailableError):
        await validator.validate(f"Bearer {alice_token()}")


async def test_critical_header_extensions_are_rejected() -> None:
    validator, fetcher = make_validator()
    await rejected(validator, f"Bearer {resigned(headers={'crit': ['exp'], 'exp': 1})}")
    assert fetcher.calls == 0


async def test_unknown_kid_is_rejected_after_at_most_one_refresh_per_interval() -> None:
    validator, fetcher, clock = await holding_keys()
    clock.now += 61
    error = await rejected(validator, f"Bearer {resigned(headers={'kid': 'unknown'})}")
    assert error.detail == "The token is signed by an unknown key"
    assert fetcher.calls == 2
    for n in range(20):  # an attacker cannot force a fetch per request
        await rejected(validator, f"Bearer {resigned(headers={'kid': f'unknown-{n}'})}")
    assert fetcher.calls == 2


async def test_rotated_key_with_a_new_kid_is_accepted_after_one_refresh() -> None:
    validator, fetcher, clock = await holding_keys()
    fetcher.document = {"keys": [public_jwk(OTHER_KEY), public_jwk(KEY)]}
    rotated = mint_user_token(OTHER_KEY, ISSUER, AUDIENCE, upn="alice@contoso.com", oid=ALICE)
    clock.now += 61
    assert (await validator.validate(f"Bearer {rotated}")).oid == ALICE
    assert fetcher.calls == 2
    assert (await validator.validate(f"Bearer {alice_token()}")).oid == ALICE
    assert fetcher.calls == 2


async def test_stale_keys_are_refreshed_and_kept_while_the_issuer_is_unreachable() -> None:
    validator, fetcher, clock = await holding_keys()

    class Down:
        calls = 0

        async def get_jwks(self) -> Mapping[str, Any]:
            self.calls += 1
            raise AuthUnavailableError("down")

    down = Down()
    validator._fetcher = down
    clock.now += 24 * 3600 + 1
    assert (await validator.validate(f"Bearer {alice_token()}")).oid == ALICE
    assert down.calls == 1
    assert fetcher.calls == 1


async def test_no_keys_at_all_is_unavailable_not_unauthorized() -> None:
    class Down:
        async def get_jwks(self) -> Mapping[str, Any]:
            raise AuthUnavailableError("down")

    validator = TokenValidator(CONFIG, Down(), clock=FakeClock())
    with pytest.raises(AuthUnavailableError) as caught:
        await validator.validate(f"Bearer {alice_token()}")
    assert caught.value.status == 503


async def test_concurrent_requests_share_one_jwks_fetch() -> None:
    class Slow(StaticJwksFetcher):
        async def get_jwks(self) -> Mapping[str, Any]:
            await asyncio.sleep(0.05)
            return await super().get_jwks()

    fetcher = Slow(jwks(KEY))
    validator = TokenValidator(CONFIG, fetcher)
    token = alice_token()
    principals = await asyncio.gather(*(validator.validate(f"Bearer {token}") for _ in range(20)))
    assert {p.oid for p in principals} == {ALICE}
    assert fetcher.calls == 1


@pytest.mark.parametrize("header", [None, "", "   "])
async def test_missing_token_answers_a_bare_bearer_challenge(header: str | None) -> None:
    validator, _ = make_validator()
    error = await rejected(validator, header)
    assert error.error is None
    assert error.www_authenticate == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Basic YWxpY2U6c2VjcmV0",
        "Bearer",
        "Bearer a.b",
        "Bearer a.b.c extra",
        "Bearer a.b.c.d",
        "Bearer not a token",
        "Bearer " + "a" * 20000 + ".b.c",
        "Bearer eyJ.eyJ.sig",  # right shape, not JSON
    ],
)
async def test_malformed_authorization_header_is_rejected(header: str) -> None:
    validator, fetcher = make_validator()
    await rejected(validator, header)
    assert fetcher.calls == 0


@pytest.mark.parametrize("claim", ["exp", "nbf", "iat", "iss", "aud", "sub", "oid", "tid"])
async def test_missing_required_claim_is_rejected(claim: str) -> None:
    validator, _ = make_validator()
    error = await rejected(validator, f"Bearer {resigned(drop=(claim,))}")
    assert claim in error.detail


async def test_app_only_token_is_not_a_user() -> None:
    validator, _ = make_validator()
    token = mint_app_token(KEY, ISSUER, AUDIENCE, ["AutoCapture.Admin"])
    error = await rejected(validator, f"Bearer {token}")
    assert error.detail == "A user's delegated token is required"
    assert (await validator.decode(token))["idtyp"] == "app"  # verified claims for other callers


async def test_token_from_another_tenant_is_rejected_when_a_tenant_is_configured() -> None:
    config = Config(mode="local", auth_issuer=ISSUER, auth_audience=AUDIENCE, auth_tenant_id="tenant-a")
    validator, _ = make_validator(config=config)
    assert (await validator.validate(f"Bearer {alice_token(tenant_id='TENANT-A')}")).tenant_id == "TENANT-A"
    error = await rejected(validator, f"Bearer {alice_token(tenant_id='tenant-b')}")
    assert error.detail == "The token is from another tenant"


@pytest.mark.parametrize("changes", [{"roles": "AutoCapture.Admin"}, {"groups": [1, 2]}, {"oid": 42}])
async def test_malformed_identity_claims_are_rejected(changes: dict[str, Any]) -> None:
    validator, _ = make_validator()
    await rejected(validator, f"Bearer {resigned(changes)}")


async def test_unconfigured_validator_is_a_server_error_not_a_401() -> None:
    validator = TokenValidator(Config())
    with pytest.raises(AutoCaptureError) as caught:
        await validator.validate(f"Bearer {alice_token()}")
    assert caught.value.status == 500
    assert not isinstance(caught.value, AuthenticationError)


def test_azure_defaults_come_from_the_tenant_id() -> None:
    config = Config(auth_tenant_id="tid-1", auth_client_id="client-1")
    validator = TokenValidator(config)
    assert validator.issuer == entra_issuer("tid-1") == "https://login.microsoftonline.com/tid-1/v2.0"
    assert validator.audiences == ("client-1",)
    assert isinstance(validator._fetcher, HttpJwksFetcher)
    assert validator._fetcher.url == entra_jwks_url("tid-1")


@pytest.mark.parametrize("url", ["http://login.example.com/keys", "ftp://127.0.0.1/keys", "keys.json"])
def test_jwks_must_be_fetched_over_https_except_on_loopback(url: str) -> None:
    with pytest.raises(ValueError, match="https"):
        HttpJwksFetcher(url)
    assert HttpJwksFetcher("http://127.0.0.1:7071/dev/jwks").url.startswith("http://")


def test_www_authenticate_description_is_header_safe() -> None:
    error = AuthenticationError('bad "quoted" \\ détail\n')
    assert error.www_authenticate == 'Bearer error="invalid_token", error_description="bad quoted  dtail"'
