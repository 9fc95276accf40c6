"""Local mode only: a token endpoint that answers as Entra ID's v2 endpoint does.

The app's real azure-identity credentials (``ClientAssertionCredential``,
``OnBehalfOfCredential``) run locally unchanged: ``IssuerTransport`` is the azure-core
transport they are given, and it hands their token requests to ``LocalIssuer`` in
process (azure-identity accepts only https authorities; the issuer needs no socket).
``LocalManagedIdentity`` stands for the Function App's managed identity (what IMDS
gives it in Azure).

The issuer grants only what the local directory (``localdev.devtools.apps``) grants:

* client credentials with a client assertion: the assertion must be a token of a
  managed identity the client's federated credential trusts, for
  ``api://AzureADTokenExchange``; the Graph token carries the client's application
  roles, and none when it holds none (Entra ID issues it all the same; Graph refuses);
* on-behalf-of: the same client authentication, plus a user token for the client's own
  API; the Graph token carries the consented delegated scopes. ``policies`` simulates
  conditional access per user object id: ``"mfa"`` answers ``interaction_required``
  (AADSTS50076) with a ``claims`` challenge until the user token carries ``amr: mfa``;
  ``"block"`` answers AADSTS53003, which no sign-in fixes.

Errors have Entra ID's shape: ``error``, ``error_description`` (``AADSTS<code>: ...``),
``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id`` (and ``claims``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import jwt
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.core.pipeline.transport import AsyncHttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl_async import AsyncHttpResponseImpl

from localdev.devtools.apps import CLIENTS, DEV_MANAGED_IDENTITY_ID, LocalClient
from localdev.devtools.tokens import DEV_TENANT_ID, envelope, public_key, sign_claims
from shared.mailbox.permissions import GRAPH_APP_ID, TOKEN_EXCHANGE_AUDIENCE

GRAPH_AUDIENCE = "https://graph.microsoft.com"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: The local authority the credentials are pointed at (any https URL: nothing listens).
LOCAL_AUTHORITY = "https://login.autocapture.local"
LIFETIME = 3600
#: Resources a ``.default`` scope may name, and the audience of the token for each.
RESOURCES = {
    GRAPH_AUDIENCE: GRAPH_AUDIENCE,
    "local": GRAPH_AUDIENCE,  # shared.mailbox.connector.graph_scope over plain http
    GRAPH_APP_ID: GRAPH_AUDIENCE,
    TOKEN_EXCHANGE_AUDIENCE: TOKEN_EXCHANGE_AUDIENCE,
}


class EntraError(Exception):
    """A token error answer, shaped as Entra ID shapes it."""

    def __init__(self, status: int, error: str, code: int, message: str, claims: str | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.code, self.message, self.claims = status, error, code, message, claims

    def body(self) -> dict[str, Any]:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body: dict[str, Any] = {
            "error": self.error,
            "error_description": f"AADSTS{self.code}: {self.message} Trace ID: {trace} "
            f"Correlation ID: {correlation} Timestamp: {stamp}",
            "error_codes": [self.code],
            "timestamp": stamp,
            "trace_id": trace,
            "correlation_id": correlation,
        }
        if self.claims is not None:
            body["claims"] = self.claims
        return body


def step_up_claims(policy_id: str) -> str:
    """The ``claims`` challenge of a conditional-access policy (Entra ID's form)."""
    return json.dumps({"access_token": {"capolids": {"essential": True, "values": [policy_id]}}})


class LocalIssuer:
    """Entra ID's token endpoint for the local directory (``answer`` one token request)."""

    def __init__(
        self,
        key_pem: str,
        issuer: str,
        *,
        tenant_id: str = DEV_TENANT_ID,
        clients: Mapping[str, LocalClient] = CLIENTS,
        policies: Mapping[str, str] | None = None,
    ) -> None:
        self._key, self.issuer, self.tenant_id = key_pem, issuer, tenant_id
        self._clients = clients
        self.policies: dict[str, str] = dict(policies or {})

    # --- the endpoint -----------------------------------------------------------------------

    def answer(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body Entra ID answers to the token request ``form``."""
        try:
            if not self._key:
                raise EntraError(500, "server_error", 90000, "The development signing key is not configured.")
            client = self._client(form.get("client_id", ""))
            self._authenticate(client, form)
            audience = self._audience(form.get("scope", ""))
            grant = form.get("grant_type", "")
            if grant == "client_credentials":
                return 200, self._token(self._app_claims(client, audience))
            if grant == JWT_BEARER and form.get("requested_token_use") == "on_behalf_of":
                return 200, self._token(self._on_behalf_of(client, form.get("assertion", ""), audience))
            raise EntraError(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )
        except EntraError as error:
            return error.status, error.body()

    def managed_identity_token(self, principal_id: str, scope: str) -> AccessToken:
        """What IMDS gives the managed identity ``principal_id`` for ``scope``."""
        audience = self._audience(scope)
        identity = self._clients.get(principal_id) or LocalClient(principal_id, "managed identity")
        claims = self._app_claims(identity, audience)
        return AccessToken(sign_claims(self._key, claims), int(claims["exp"]))

    # --- steps ------------------------------------------------------------------------------

    def _client(self, client_id: str) -> LocalClient:
        client = self._clients.get(client_id)
        if client is None:
            raise EntraError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.tenant_id}'.",
            )
        return client

    def _authenticate(self, client: LocalClient, form: Mapping[str, str]) -> None:
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise EntraError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain 'client_assertion' or 'client_secret'.",
            )
        claims = self._verify(form["client_assertion"], TOKEN_EXCHANGE_AUDIENCE, 700024)
        subject = str(claims.get("sub", ""))
        if subject not in client.federated_subjects:
            raise EntraError(
                401,
                "invalid_client",
                700213,
                f"No matching federated identity record found for presented assertion subject '{subject}'.",
            )

    def _audience(self, scope: str) -> str:
        scopes = scope.split()
        resource = scopes[0].removesuffix("/.default") if len(scopes) == 1 else ""
        if not scopes or not scopes[0].endswith("/.default") or resource not in RESOURCES:
            raise EntraError(
                400, "invalid_scope", 70011, f"The provided value for scope '{scope}' is not valid."
            )
        return RESOURCES[resource]

    def _verify(self, token: str, audience: str | frozenset[str], expired_code: int) -> dict[str, Any]:
        audiences = [audience] if isinstance(audience, str) else sorted(audience)
        try:
            return jwt.decode(
                token,
                public_key(self._key),
                algorithms=["RS256"],
                audience=audiences,
                issuer=self.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=60,
            )
        except jwt.ExpiredSignatureError as exc:
            raise EntraError(
                400, "invalid_grant", expired_code, "The provided assertion has expired."
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise EntraError(
                400,
                "invalid_grant",
                500131,
                "Assertion audience does not match the Client app presenting the assertion.",
            ) from exc
        except jwt.PyJWTError as exc:
            raise EntraError(400, "invalid_grant", 50013, "Assertion failed signature validation.") from exc

    def _on_behalf_of(self, client: LocalClient, assertion: str, audience: str) -> dict[str, Any]:
        user = self._verify(assertion, client.api_audiences, 500133)
        if user.get("idtyp") == "app" or not user.get("scp") or not user.get("oid"):
            raise EntraError(400, "invalid_grant", 50013, "The assertion is not a delegated user token.")
        self._conditional_access(user)
        if not client.delegated_scopes:
            raise EntraError(
                400,
                "invalid_grant",
                65001,
                "The user or administrator has not consented to use the application with ID "
                f"'{client.client_id}'.",
            )
        return {
            **envelope(self.issuer, audience, "user", str(user.get("tid") or self.tenant_id), LIFETIME),
            "oid": user["oid"],
            "sub": user.get("sub", user["oid"]),
            "preferred_username": user.get("preferred_username", ""),
            "name": user.get("name", ""),
            "azp": client.client_id,
            "appid": client.client_id,
            "scp": " ".join(sorted(client.delegated_scopes)),
        }

    def _conditional_access(self, user: Mapping[str, Any]) -> None:
        policy = self.policies.get(str(user["oid"]))
        if policy == "block":
            raise EntraError(
                400,
                "invalid_grant",
                53003,
                "Access has been blocked by Conditional Access policies. "
                "The access policy does not allow token issuance.",
            )
        if policy == "mfa" and "mfa" not in (user.get("amr") or ()):
            raise EntraError(
                400,
                "interaction_required",
                50076,
                "Due to a configuration change made by your administrator, or because you moved to a new "
                f"location, you must use multi-factor authentication to access '{GRAPH_APP_ID}'.",
                claims=step_up_claims("local-mfa-policy"),
            )

    def _app_claims(self, client: LocalClient, audience: str) -> dict[str, Any]:
        claims: dict[str, Any] = {
            **envelope(self.issuer, audience, "app", self.tenant_id, LIFETIME),
            "oid": client.client_id,
            "sub": client.client_id,
            "azp": client.client_id,
            "appid": client.client_id,
        }
        if audience == GRAPH_AUDIENCE and client.application_roles:
            claims["roles"] = sorted(client.application_roles)
        return claims

    def _token(self, claims: dict[str, Any]) -> dict[str, Any]:
        token = sign_claims(self._key, claims)
        return {
            "token_type": "Bearer",
            "expires_in": LIFETIME,
            "ext_expires_in": LIFETIME,
            "access_token": token,
        }


class IssuerTransport(AsyncHttpTransport):
    """The azure-core transport of the local credentials: token requests go to ``issuer``."""

    def __init__(self, issuer: LocalIssuer) -> None:
        self._issuer = issuer

    async def send(self, request: HttpRequest, **kwargs: Any) -> AsyncHttpResponseImpl:  # type: ignore[override]
        content = request.content
        if isinstance(content, bytes | str):
            text = content.decode() if isinstance(content, bytes) else content
            form: Mapping[str, str] = dict(parse_qsl(text))
        else:
            form = {str(k): str(v) for k, v in dict(content or {}).items()}
        if request.method != "POST" or not request.url.split("?")[0].endswith("/oauth2/v2.0/token"):
            status, body = (
                404,
                {"error": "invalid_request", "error_description": "AADSTS90011: not a token endpoint"},
            )
        else:
            status, body = self._issuer.answer(form)
        response = AsyncHttpResponseImpl(
            request=request,
            internal_response=None,
            status_code=status,
            reason="OK" if status == 200 else "Bad Request",
            content_type="application/json; charset=utf-8",
            headers={"Content-Type": "application/json; charset=utf-8"},
            stream_download_generator=None,
        )
        response._content = json.dumps(body).encode()
        return response

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> IssuerTransport:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None


class LocalManagedIdentity:
    """The Function App's managed identity locally (``ManagedIdentityCredential``'s part)."""

    def __init__(self, issuer: LocalIssuer, principal_id: str = DEV_MANAGED_IDENTITY_ID) -> None:
        self._issuer, self._principal_id = issuer, principal_id

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        try:
            return self._issuer.managed_identity_token(self._principal_id, " ".join(scopes))
        except EntraError as exc:
            raise ClientAuthenticationError(message=f"AADSTS{exc.code}: {exc.message}") from exc

    async def close(self) -> None:
        return None


def local_credential_options(issuer: LocalIssuer) -> dict[str, Any]:
    """The azure-identity options that point a credential at ``issuer``."""
    return {"authority": LOCAL_AUTHORITY, "transport": IssuerTransport(issuer)}
