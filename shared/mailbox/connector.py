"""``GraphConnector``: everything long-lived the mailbox boundary needs, in one object.

Built once at start-up from ``Config`` and held by the runtime, it owns the httpx client
(connection pool + msgraph's middleware), the app's credentials and the client-assertion
cache, and the per-mailbox limiter; it hands out ``delegated(token)`` and
``application()`` mailboxes and closes what it owns in ``aclose()``. Nothing of this
lives at module level, so two connectors (two tests, two configurations) share nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlparse

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption, UrlReplaceHandlerOption
from kiota_http.observability_options import ObservabilityOptions
from msgraph.generated.users.item.events.events_request_builder import EventsRequestBuilder
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from shared.config import Config
from shared.mailbox.credentials import (
    ClientAssertion,
    Credential,
    CredentialFactory,
    DelegatedCredentialFactory,
    app_only,
    managed_identity,
    on_behalf_of,
)
from shared.mailbox.errors import TRANSLATED, translate
from shared.mailbox.graph import GraphMailbox, MailboxLimiter, QueryPolicy

#: Per attempt; the RetryHandler adds up to ``max_retries`` more attempts.
HTTP_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def graph_http_client(base_url: str, *, retry_delay: float = 3.0, max_retries: int = 3) -> httpx.AsyncClient:
    """An httpx client for ``base_url`` with msgraph's default middleware (retry
    429/503/504 honouring ``Retry-After``, redirects, telemetry). The url-replace step is
    off: every request names its user (``/users/{id}``, never ``/me``), and that handler
    writes the full URL, ``$search`` addresses included, into its tracing span."""
    options = dict(graph_options)
    options[RetryHandlerOption.get_key()] = RetryHandlerOption(delay=retry_delay, max_retries=max_retries)
    options[UrlReplaceHandlerOption.get_key()] = UrlReplaceHandlerOption(enabled=False)
    client: httpx.AsyncClient = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(
            base_url=base_url,
            timeout=HTTP_TIMEOUT,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        ),
        options=options,
    )
    return client


def graph_scope(base_url: str) -> str:
    """The ``.default`` scope of the Graph at ``base_url`` (``local/.default`` over http)."""
    parsed = urlparse(base_url)
    host = (parsed.hostname or "").lower()
    return f"https://{host}/.default" if parsed.scheme == "https" else "local/.default"


def graph_client(credential: Credential, base_url: str, http: httpx.AsyncClient) -> GraphServiceClient:
    """A GraphServiceClient using ``credential`` against ``base_url`` over ``http``.

    Tokens go to the Graph host only (``allowed_hosts``), never to a foreign
    ``@odata.nextLink``; kiota allows plain http for loopback hosts only."""
    base_url = base_url.rstrip("/")
    host = (urlparse(base_url).hostname or "").lower()
    auth = AzureIdentityAuthenticationProvider(
        # kiota only awaits ``get_token``: our ``Credential`` is all it uses of the protocol
        cast("AsyncTokenCredential", credential),
        scopes=[graph_scope(base_url)],
        allowed_hosts=[host],
    )
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = base_url
    adapter.observability_options = ObservabilityOptions(include_euii_attributes=False)  # no URLs in spans
    return GraphServiceClient(request_adapter=adapter)


class GraphConnector:
    """Mailboxes over Microsoft Graph, sharing one HTTP client, credentials and limiter.

    Every part has a default built from ``config`` on first use and can be injected:

    * ``http_client``: a ready client (Graph middleware included); the caller keeps
      ownership and closes it, the connector closes only the one it built;
    * ``identity``: the app's managed identity; its token for
      ``api://AzureADTokenExchange`` is the client assertion of the app registration,
      which calls Graph both on-behalf-of the user and app-only (the managed identity's
      own token never goes to Graph: see ``shared.mailbox.permissions``);
    * ``credential_options``: builds the azure-identity options (``authority``,
      ``transport``) of each on-behalf-of and client-assertion credential (the local
      stack points them at its local issuer);
    * ``application_credential`` / ``delegated_credential``: replace the app-only /
      per-user credential altogether (tests).
    """

    def __init__(
        self,
        config: Config,
        *,
        http_client: httpx.AsyncClient | None = None,
        identity: CredentialFactory | None = None,
        application_credential: CredentialFactory | None = None,
        delegated_credential: DelegatedCredentialFactory | None = None,
        credential_options: Callable[[], dict[str, Any]] | None = None,
        policy: QueryPolicy | None = None,
        limiter: MailboxLimiter | None = None,
        retry_delay: float = 3.0,
        max_retries: int = 3,
    ) -> None:
        self._config = config
        self._injected_http = http_client
        self._make_identity = identity or (lambda: managed_identity(config))
        self._make_application = application_credential
        self._make_delegated = delegated_credential
        self._options = credential_options or dict
        self.policy = policy or QueryPolicy()
        self.limiter = limiter or MailboxLimiter()
        self._retry = (retry_delay, max_retries)
        self._http: httpx.AsyncClient | None = None
        self._identity: Credential | None = None
        self._assertion: ClientAssertion | None = None
        self._application: Credential | None = None
        self._app_mailbox: GraphMailbox | None = None

    # --- mailboxes ------------------------------------------------------------------------

    def delegated(self, user_token: str, *, policy: QueryPolicy | None = None) -> GraphMailbox:
        """The mailbox of the user whose bearer token is ``user_token`` (delegated
        permissions); its ``aclose()`` closes the per-user credential."""
        credential = self._delegated_credential(user_token)
        return GraphMailbox(
            graph_client(credential, self._config.graph_base_url, self._http_client()),
            policy=policy or self.policy,
            limiter=self.limiter,
            on_close=credential.close,
        )

    def application(self, *, policy: QueryPolicy | None = None) -> GraphMailbox:
        """Any user's mailbox with the app's own permissions (the track job); long-lived,
        closed with the connector."""
        if policy is None and self._app_mailbox is not None:
            return self._app_mailbox
        client = graph_client(
            self._application_credential(), self._config.graph_base_url, self._http_client()
        )
        mailbox = GraphMailbox(client, policy=policy or self.policy, limiter=self.limiter)
        if policy is None:
            self._app_mailbox = mailbox
        return mailbox

    async def application_token(self) -> None:
        """Get the app-only Graph token (readiness check); MailboxError when refused."""
        await self._token(self._application_credential())

    async def application_read(self, owner_id: str) -> None:
        """One app-only read of ``owner_id``'s mail and of their calendar (readiness check):
        the roles and the Exchange scoping the track job relies on, end to end."""
        user = graph_client(
            self._application_credential(), self._config.graph_base_url, self._http_client()
        ).users.by_user_id(owner_id)
        messages = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(top=1, select=["id"])
        events = EventsRequestBuilder.EventsRequestBuilderGetQueryParameters(top=1, select=["id"])
        try:
            await user.messages.get(RequestConfiguration(query_parameters=messages))
            await user.events.get(RequestConfiguration(query_parameters=events))
        except TRANSLATED as exc:
            raise translate(exc, "the app-only read") from exc

    async def delegated_token(self, user_token: str) -> None:
        """Run the on-behalf-of exchange for ``user_token`` (readiness check)."""
        credential = self._delegated_credential(user_token)
        try:
            await self._token(credential)
        finally:
            await credential.close()

    async def _token(self, credential: Credential) -> None:
        try:
            await credential.get_token(graph_scope(self._config.graph_base_url))
        except TRANSLATED as exc:
            raise translate(exc, "the Graph token") from exc

    async def aclose(self) -> None:
        """Close the credentials and the HTTP client this connector built; a later use
        builds them again."""
        owned = [self._application, self._identity]
        http, self._http = self._http, None
        self._application = self._identity = self._assertion = self._app_mailbox = None
        closing = [c.close() for c in owned if c is not None]
        if http is not None:
            closing.append(http.aclose())
        await asyncio.gather(*closing)

    # --- owned parts, built on first use ---------------------------------------------------

    def _http_client(self) -> httpx.AsyncClient:
        if self._injected_http is not None:
            return self._injected_http
        if self._http is None:
            delay, retries = self._retry
            self._http = graph_http_client(
                self._config.graph_base_url, retry_delay=delay, max_retries=retries
            )
        return self._http

    def _managed_identity(self) -> Credential:
        if self._identity is None:
            self._identity = self._make_identity()
        return self._identity

    def _client_assertion(self) -> ClientAssertion:
        if self._assertion is None:
            self._assertion = ClientAssertion(self._managed_identity())
        return self._assertion

    def _delegated_credential(self, user_token: str) -> Credential:
        if self._make_delegated is not None:
            return self._make_delegated(user_token)
        return on_behalf_of(self._config, self._client_assertion(), user_token, **self._options())

    def _application_credential(self) -> Credential:
        if self._application is None:
            if self._make_application is not None:
                self._application = self._make_application()
            else:
                self._application = app_only(self._config, self._client_assertion(), **self._options())
        return self._application
