"""Build ``Mailbox`` instances: msgraph-sdk pointed at ``config.graph_base_url``, one
shared httpx client (connection pool + Graph middleware) per process."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import httpx
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

from shared.config import Config
from shared.mailbox.credentials import application_credential, delegated_credential
from shared.mailbox.graph import GraphMailbox, MailboxLimiter, QueryPolicy

#: Per attempt; the RetryHandler adds up to ``max_retries`` more attempts.
HTTP_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
_CLIENTS: dict[tuple[str, float, int], httpx.AsyncClient] = {}


def shared_http_client(base_url: str, retry_delay: float = 3.0, max_retries: int = 3) -> httpx.AsyncClient:
    """The process's httpx client for ``base_url`` with msgraph's default middleware
    (retry 429/503/504 honouring ``Retry-After``, redirects, url replace, telemetry)."""
    key = (base_url, retry_delay, max_retries)
    client = _CLIENTS.get(key)
    if client is None or client.is_closed:
        options = dict(graph_options)
        options[RetryHandlerOption.get_key()] = RetryHandlerOption(delay=retry_delay, max_retries=max_retries)
        client = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(
                base_url=base_url,
                timeout=HTTP_TIMEOUT,
                limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
            ),
            options=options,
        )
        _CLIENTS[key] = client
    return client


async def close_shared_clients() -> None:
    """Close every shared client (process shutdown, test teardown)."""
    clients = list(_CLIENTS.values())
    _CLIENTS.clear()
    for client in clients:
        await client.aclose()


def graph_client(
    credential: Any, base_url: str, *, retry_delay: float = 3.0, max_retries: int = 3
) -> GraphServiceClient:
    """A GraphServiceClient using ``credential`` against ``base_url`` (no trailing slash)."""
    base_url = base_url.rstrip("/")
    parsed = urlparse(base_url)
    host = (parsed.hostname or "").lower()
    auth = AzureIdentityAuthenticationProvider(
        credential,
        scopes=[f"{parsed.scheme}://{host}/.default"] if parsed.scheme == "https" else ["local/.default"],
        allowed_hosts=[host],
    )
    adapter = GraphRequestAdapter(auth, client=shared_http_client(base_url, retry_delay, max_retries))
    adapter.base_url = base_url
    return GraphServiceClient(request_adapter=adapter)


def _mailbox(
    credential: Any,
    config: Config,
    *,
    policy: QueryPolicy | None,
    limiter: MailboxLimiter | None,
    retry_delay: float,
    max_retries: int,
) -> GraphMailbox:
    client = graph_client(credential, config.graph_base_url, retry_delay=retry_delay, max_retries=max_retries)

    async def close() -> None:
        await credential.close()

    return GraphMailbox(client, policy=policy, limiter=limiter, on_close=close)


def delegated_mailbox(
    config: Config,
    user_token: str,
    *,
    policy: QueryPolicy | None = None,
    limiter: MailboxLimiter | None = None,
    retry_delay: float = 3.0,
    max_retries: int = 3,
) -> GraphMailbox:
    """The signed-in user's mailbox (delegated permissions); close it after the request."""
    credential = delegated_credential(config, user_token)
    return _mailbox(
        credential, config, policy=policy, limiter=limiter, retry_delay=retry_delay, max_retries=max_retries
    )


def application_mailbox(
    config: Config,
    *,
    policy: QueryPolicy | None = None,
    limiter: MailboxLimiter | None = None,
    retry_delay: float = 3.0,
    max_retries: int = 3,
) -> GraphMailbox:
    """Any user's mailbox with the app's own permissions (the track job); long-lived."""
    return _mailbox(
        application_credential(config),
        config,
        policy=policy,
        limiter=limiter,
        retry_delay=retry_delay,
        max_retries=max_retries,
    )
