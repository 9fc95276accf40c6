"""Local dev tokens: key, JWKS, minted claims, /dev/token body validation, user directory."""

from __future__ import annotations

import json
from pathlib import Path

import jwt
import pytest

from localdev.devtools.directory import find_user
from localdev.devtools.schemas import TokenRequest, parse_token_request
from localdev.devtools.tokens import (
    DEV_SCOPE,
    derive_user_oid,
    generate_signing_key,
    jwk_thumbprint,
    jwks,
    mint_app_token,
    mint_user_token,
    public_jwk,
)
from shared.auth import KNOWN_ROLES, MANAGER, SALES_PERSON
from shared.exceptions import AutoCaptureError, ValidationError

KEY = generate_signing_key()


def test_jwk_thumbprint_matches_the_rfc_7638_example() -> None:
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY"
        "368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0f"
        "M4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    assert (
        jwk_thumbprint({"kty": "RSA", "n": n, "e": "AQAB"}) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    )


def test_jwks_publishes_the_public_key_under_its_thumbprint() -> None:
    (jwk,) = jwks(KEY)["keys"]
    assert jwk["kid"] == jwk_thumbprint(jwk)
    assert {jwk["kty"], jwk["use"], jwk["alg"]} == {"RSA", "sig", "RS256"}
    assert "d" not in jwk and "p" not in jwk  # no private member
    assert public_jwk(KEY) == jwk


def test_minted_user_token_verifies_with_the_published_key_and_looks_like_entra() -> None:
    token = mint_user_token(
        KEY,
        "iss",
        "aud",
        upn="alice@contoso.com",
        oid="o1",
        roles=[SALES_PERSON],
        groups=["t1"],
        name="Alice",
    )
    assert jwt.get_unverified_header(token)["kid"] == public_jwk(KEY)["kid"]
    key = jwt.PyJWK(public_jwk(KEY))
    claims = jwt.decode(token, key, algorithms=["RS256"], audience="aud", issuer="iss")
    assert claims["oid"] == "o1" and claims["preferred_username"] == "alice@contoso.com"
    assert claims["roles"] == [SALES_PERSON] and claims["groups"] == ["t1"]
    assert claims["scp"] == DEV_SCOPE and claims["exp"] - claims["iat"] == 3600
    assert claims["sub"] != claims["oid"]


def test_a_user_without_roles_or_groups_has_no_such_claims() -> None:
    claims = jwt.decode(
        mint_user_token(KEY, "i", "a", upn="u@x.com", oid="o"), options={"verify_signature": False}
    )
    assert "roles" not in claims and "groups" not in claims


def test_minted_app_token_is_app_only() -> None:
    token = mint_app_token(KEY, "iss", "https://graph.microsoft.com", ["Mail.Read", "Calendars.Read"])
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["idtyp"] == "app" and claims["oid"] == claims["sub"]
    assert claims["roles"] == ["Calendars.Read", "Mail.Read"] and "scp" not in claims


def test_derived_oid_is_a_stable_guid_ignoring_case() -> None:
    assert derive_user_oid("Alice@Contoso.com ") == derive_user_oid("alice@contoso.com")
    assert derive_user_oid("alice@contoso.com") != derive_user_oid("bob@contoso.com")
    assert len(derive_user_oid("x@y.z")) == 36


def test_a_valid_token_request_is_normalised() -> None:
    body = {
        "user": " alice@contoso.com ",
        "roles": [SALES_PERSON, MANAGER, SALES_PERSON],
        "groups": ["t-east"],
    }
    assert parse_token_request(body) == TokenRequest(
        "alice@contoso.com", (MANAGER, SALES_PERSON), ("t-east",)
    )
    assert parse_token_request({"user": "bob@contoso.com"}) == TokenRequest("bob@contoso.com", None, None)
    assert parse_token_request({"user": "dave@contoso.com", "roles": []}) == TokenRequest(
        "dave@contoso.com", (), None
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([], None),
        ("alice@contoso.com", None),
        ({}, "user"),
        ({"user": "alice"}, "user"),
        ({"user": 42}, "user"),
        ({"user": "a b@contoso.com"}, "user"),
        ({"user": "a" * 65 + "@contoso.com"}, "user"),
        ({"user": "a@b.c", "roles": ["Global.Admin"]}, "roles"),
        ({"user": "a@b.c", "roles": "Sales.Person"}, "roles"),
        ({"user": "a@b.c", "groups": ["ok", "not ok"]}, "groups"),
        ({"user": "a@b.c", "groups": ["x" * 65]}, "groups"),
        ({"user": "a@b.c", "groups": [str(n) for n in range(51)]}, "groups"),
        ({"user": "a@b.c", "groups": [1]}, "groups"),
        ({"user": "a@b.c", "name": "Mallory"}, None),
    ],
)
def test_a_bad_token_request_says_which_field(body: object, field: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_token_request(body)
    assert caught.value.status == 400
    assert caught.value.field == field
    assert "Global.Admin" not in caught.value.detail


def test_known_roles_are_exactly_the_three_roles() -> None:
    assert {"AutoCapture.Admin", "Sales.Manager", "Sales.Person"} == KNOWN_ROLES


def test_directory_maps_a_mailbox_user_to_its_graph_id(tmp_path: Path) -> None:
    mailbox = tmp_path / "mailbox.json"
    users = [
        {"id": "guid-alice", "userPrincipalName": "Alice@contoso.com", "mail": "alice.smith@contoso.com",
         "displayName": "Alice Smith", "messages": []},
        {"id": "guid-bob", "userPrincipalName": "bob@contoso.com"},
        {"userPrincipalName": "no-id@contoso.com"},
    ]  # fmt: skip
    mailbox.write_text(json.dumps({"users": users}))
    alice = find_user(str(mailbox), "alice@CONTOSO.com")
    assert (alice.oid, alice.upn, alice.name) == ("guid-alice", "Alice@contoso.com", "Alice Smith")
    assert find_user(str(mailbox), "alice.smith@contoso.com").oid == "guid-alice"
    assert find_user(str(mailbox), "bob@contoso.com").name == "bob@contoso.com"
    assert find_user(str(mailbox), "no-id@contoso.com").oid == derive_user_oid("no-id@contoso.com")
    assert find_user(str(mailbox), "carol@contoso.com").oid == derive_user_oid("carol@contoso.com")


def test_without_a_mailbox_file_the_oid_is_derived() -> None:
    assert find_user("", "carol@contoso.com").oid == derive_user_oid("carol@contoso.com")


def test_an_unreadable_mailbox_file_is_a_server_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    for path in (broken, tmp_path / "missing.json"):
        with pytest.raises(AutoCaptureError) as caught:
            find_user(str(path), "alice@contoso.com")
        assert caught.value.status == 500
