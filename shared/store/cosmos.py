"""The Cosmos DB boundary: one async client per process, error translation, op counts.

Every SDK call goes through ``CosmosDatabase.call`` (or ``query``) so that
- azure-cosmos / azure-core exceptions become our error types (``shared.exceptions``),
- each operation is counted (benchmarks and tests assert "Cosmos requests per timeline").

Locally the containers are created at start-up (``ensure_containers``); in Azure they
come from ``infra/main.bicep`` and the managed identity has data-plane rights only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from azure.core.exceptions import AzureError
from azure.cosmos import PartitionKey
from azure.cosmos import exceptions as cosmos_errors
from azure.cosmos.aio import ContainerProxy, CosmosClient, DatabaseProxy

from shared.config import CONTAINERS, Config
from shared.exceptions import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionFailedError,
    StoreUnavailableError,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
Doc = dict[str, Any]


class OpCounter:
    """Counts Cosmos operations (point reads, writes, query calls) by container."""

    def __init__(self) -> None:
        self.by_container: dict[str, int] = {}

    def add(self, container: str) -> None:
        self.by_container[container] = self.by_container.get(container, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_container.values())

    def reset(self) -> None:
        self.by_container.clear()


def _translate(exc: Exception, what: str) -> Exception:
    if isinstance(exc, cosmos_errors.CosmosResourceNotFoundError):
        return NotFoundError(f"{what} not found")
    if isinstance(exc, cosmos_errors.CosmosResourceExistsError):
        return AlreadyExistsError(f"{what} already exists")
    if isinstance(exc, cosmos_errors.CosmosAccessConditionFailedError):
        return PreconditionFailedError(f"{what} changed concurrently")
    if isinstance(exc, cosmos_errors.CosmosHttpResponseError):
        retry_after = 5
        headers = getattr(exc, "headers", None) or {}
        ms = headers.get("x-ms-retry-after-ms") if hasattr(headers, "get") else None
        if ms:
            retry_after = max(1, int(float(ms) / 1000 + 0.999))
        return StoreUnavailableError(f"the data store refused the request ({exc.status_code})", retry_after)
    return StoreUnavailableError("the data store cannot be reached")


class CosmosDatabase:
    """The database and its containers, behind our error types."""

    def __init__(self, config: Config, client: CosmosClient | None = None) -> None:
        self._config = config
        self._client = client
        self._database: DatabaseProxy | None = None
        self._containers: dict[str, ContainerProxy] = {}
        self._ready = asyncio.Lock()
        self.ops = OpCounter()

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
                    if self._config.cosmos_create_containers:
                        database = await self._client.create_database_if_not_exists(name)
                        for cname, (pk_path, ttl) in CONTAINERS.items():
                            await database.create_container_if_not_exists(
                                cname, partition_key=PartitionKey(pk_path), default_ttl=ttl
                            )
                    else:
                        database = self._client.get_database_client(name)
                except (AzureError, OSError) as exc:
                    raise _translate(exc, "database") from exc
                self._database = database
        return self._database

    async def container(self, name: str) -> ContainerProxy:
        if name not in CONTAINERS:
            raise KeyError(name)
        if name not in self._containers:
            database = await self._open()
            self._containers[name] = database.get_container_client(name)
        return self._containers[name]

    async def call(self, container: str, what: str, op: Callable[[ContainerProxy], Awaitable[T]]) -> T:
        """Run one SDK operation on a container, counted and translated."""
        proxy = await self.container(container)
        self.ops.add(container)
        try:
            return await op(proxy)
        except (TimeoutError, AzureError, OSError) as exc:
            raise _translate(exc, what) from exc

    async def query(
        self,
        container: str,
        sql: str,
        parameters: Mapping[str, object] | None = None,
        partition_key: str | None = None,
        max_items: int | None = None,
    ) -> list[Doc]:
        """A query, single-partition when ``partition_key`` is given; ``max_items`` caps the result."""
        proxy = await self.container(container)
        self.ops.add(container)
        params = [{"name": k, "value": v} for k, v in (parameters or {}).items()]
        kwargs: dict[str, Any] = {"parameters": params}
        if partition_key is not None:
            kwargs["partition_key"] = partition_key
        out: list[Doc] = []
        try:
            async for doc in proxy.query_items(sql, **kwargs):
                out.append(doc)
                if max_items is not None and len(out) >= max_items:
                    break
        except (TimeoutError, AzureError, OSError) as exc:
            raise _translate(exc, container) from exc
        return out

    async def ping(self) -> None:
        """Raise StoreUnavailableError unless the account answers."""
        database = await self._open()
        try:
            await database.read()
        except (AzureError, OSError) as exc:
            raise _translate(exc, "database") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self._client = None
        self._database = None
        self._containers.clear()


@asynccontextmanager
async def open_database(config: Config) -> AsyncIterator[CosmosDatabase]:
    database = CosmosDatabase(config)
    try:
        yield database
    finally:
        await database.close()


__all__ = [
    "CosmosDatabase",
    "OpCounter",
    "open_database",
]
