"""The Cosmos DB backend: one async client per process, limits, error translation.

``CosmosDatabase`` implements ``shared.store.base.Database`` over ``azure.cosmos.aio``:
- every item is checked against Cosmos DB's limits before it is sent
  (``shared.store.limits``; the emulator checks none of them);
- azure-cosmos / azure-core exceptions become our error types (``shared.exceptions``);
- each request is reported to ``on_operation`` (the container's name), if given: the
  local host counts them for ``make bench`` (``localdev/opcount.py``);
- every call has a deadline (``REQUEST_TIMEOUT``, the SDK's retries included): a stalled
  account is a ``StoreUnavailableError`` (503) within seconds, never a hanging request.

Locally the containers are created at start-up (``COSMOS_CREATE_CONTAINERS``); in Azure
they come from ``infra/main.bicep`` and the managed identity has data-plane rights only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import AzureError
from azure.cosmos import PartitionKey
from azure.cosmos import exceptions as cosmos_errors
from azure.cosmos.aio import ContainerProxy, CosmosClient, DatabaseProxy

from shared.config import CONTAINERS, Config
from shared.exceptions import (
    AlreadyExistsError,
    ItemTooLargeError,
    NotFoundError,
    PreconditionFailedError,
    StoreRejectedError,
    StoreUnavailableError,
)
from shared.store.base import Doc, Query
from shared.store.limits import addressable, check_item
from shared.store.query import to_sql

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Seconds one Cosmos DB call (opening the database, an item operation, a query) may take.
REQUEST_TIMEOUT = 3.0
_REQUEST_ENTITY_TOO_LARGE = 413
_BAD_REQUEST = 400


def _translate(exc: Exception, what: str) -> Exception:
    if isinstance(exc, cosmos_errors.CosmosResourceNotFoundError):
        return NotFoundError(f"{what} not found")
    if isinstance(exc, cosmos_errors.CosmosResourceExistsError):
        return AlreadyExistsError(f"{what} already exists")
    if isinstance(exc, cosmos_errors.CosmosAccessConditionFailedError):
        return PreconditionFailedError(f"{what} changed concurrently")
    if isinstance(exc, cosmos_errors.CosmosHttpResponseError):
        if exc.status_code == _REQUEST_ENTITY_TOO_LARGE:
            return ItemTooLargeError(f"{what} is too large for the data store")
        if exc.status_code == _BAD_REQUEST:
            return StoreRejectedError(f"the data store refused the {what} request as invalid")
        retry_after = 5
        headers = getattr(exc, "headers", None) or {}
        ms = headers.get("x-ms-retry-after-ms") if hasattr(headers, "get") else None
        if ms:
            retry_after = max(1, int(float(ms) / 1000 + 0.999))
        return StoreUnavailableError(f"the data store refused the request ({exc.status_code})", retry_after)
    return StoreUnavailableError("the data store cannot be reached")


class CosmosDatabase:
    """The database and its containers, behind our error types and Cosmos DB's limits."""

    def __init__(
        self,
        config: Config,
        client: CosmosClient | None = None,
        on_operation: Callable[[str], None] | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._config = config
        self._timeout = request_timeout
        self._client = client
        self._on_operation = on_operation
        self._database: DatabaseProxy | None = None
        self._containers: dict[str, ContainerProxy] = {}
        self._ready = asyncio.Lock()

    def _make_client(self) -> CosmosClient:
        cfg = self._config
        if not cfg.cosmos_endpoint:
            raise StoreUnavailableError("COSMOS_ACCOUNT_ENDPOINT is not configured")
        credential: Any
        if cfg.cosmos_key:
            credential = cfg.cosmos_key
        else:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential(
                managed_identity_client_id=cfg.managed_identity_client_id or None
            )
        return CosmosClient(
            cfg.cosmos_endpoint,
            credential=credential,
            connection_verify=cfg.cosmos_verify_tls,
            connection_timeout=10,
            retry_total=3,
        )

    async def _open(self) -> DatabaseProxy:
        if self._database is not None:
            return self._database
        async with self._ready:
            if self._database is None:
                if self._client is None:
                    self._client = self._make_client()
                name = self._config.cosmos_database
                try:
                    async with asyncio.timeout(self._timeout):
                        database = await self._database_proxy(self._client, name)
                except (TimeoutError, AzureError, OSError) as exc:
                    raise _translate(exc, "database") from exc
                self._database = database
        return self._database

    async def _database_proxy(self, client: CosmosClient, name: str) -> DatabaseProxy:
        if not self._config.cosmos_create_containers:
            return client.get_database_client(name)
        database = await client.create_database_if_not_exists(name)
        for cname, (pk_path, ttl) in CONTAINERS.items():
            await database.create_container_if_not_exists(
                cname, partition_key=PartitionKey(pk_path), default_ttl=ttl
            )
        return database

    async def _container(self, name: str) -> ContainerProxy:
        if name not in CONTAINERS:
            raise KeyError(name)
        if name not in self._containers:
            database = await self._open()
            self._containers[name] = database.get_container_client(name)
        return self._containers[name]

    async def _call(self, container: str, what: str, op: Callable[[ContainerProxy], Awaitable[T]]) -> T:
        """Run one SDK operation on a container, reported and translated."""
        try:
            # one deadline for the whole call: waiting to open the database included, so
            # concurrent callers of a stalled account all answer within it
            async with asyncio.timeout(self._timeout):
                proxy = await self._container(container)
                if self._on_operation is not None:
                    self._on_operation(container)
                return await op(proxy)
        except (TimeoutError, AzureError, OSError) as exc:
            raise _translate(exc, what) from exc

    def _checked(self, container: str, body: Doc, what: str) -> None:
        check_item(body, CONTAINERS[container][0].lstrip("/"), what)

    async def create_item(self, container: str, body: Doc, what: str) -> Doc:
        self._checked(container, body, what)
        doc: Doc = await self._call(container, what, lambda c: c.create_item(body))
        return doc

    async def read_item(self, container: str, item_id: str, partition_key: str, what: str) -> Doc:
        if not addressable(item_id, partition_key):
            raise NotFoundError(f"{what} not found")
        doc: Doc = await self._call(
            container, what, lambda c: c.read_item(item_id, partition_key=partition_key)
        )
        return doc

    async def upsert_item(self, container: str, body: Doc, what: str) -> Doc:
        self._checked(container, body, what)
        doc: Doc = await self._call(container, what, lambda c: c.upsert_item(body))
        return doc

    async def replace_item(self, container: str, item_id: str, body: Doc, etag: str | None, what: str) -> Doc:
        self._checked(container, body, what)
        if body.get("id") != item_id:
            raise StoreRejectedError(f"{what} refused: the body's id is not the id replaced")
        condition: dict[str, Any] = {}
        if etag is not None:
            condition = {"etag": etag, "match_condition": MatchConditions.IfNotModified}
        doc: Doc = await self._call(container, what, lambda c: c.replace_item(item_id, body, **condition))
        return doc

    async def delete_item(self, container: str, item_id: str, partition_key: str, what: str) -> None:
        if not addressable(item_id, partition_key):
            raise NotFoundError(f"{what} not found")
        await self._call(container, what, lambda c: c.delete_item(item_id, partition_key=partition_key))

    async def query(self, container: str, query: Query, what: str) -> list[Doc]:
        """Cross-partition unless ``query.partition_key`` names one."""
        sql, parameters = to_sql(query)
        kwargs: dict[str, Any] = {"parameters": parameters}
        if query.partition_key is not None:
            kwargs["partition_key"] = query.partition_key

        async def collect(proxy: ContainerProxy) -> list[Doc]:
            return [doc async for doc in proxy.query_items(sql, **kwargs)]

        return await self._call(container, what, collect)

    async def ping(self) -> None:
        """Raise StoreUnavailableError unless the account answers."""
        try:
            async with asyncio.timeout(self._timeout):
                database = await self._open()
                await database.read()
        except (TimeoutError, AzureError, OSError) as exc:
            raise _translate(exc, "database") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = None
        self._database = None
        self._containers.clear()
