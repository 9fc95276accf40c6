"""The stores over one backend, picked by whoever composes the process.

``cosmos_stores(config)`` is what the service runs on; ``memory_stores()`` is the same
code over ``MemoryDatabase`` (functional tests, local tools). Both take an optional
``on_operation`` hook, called with the container's name for every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shared.config import Config
from shared.store.activities import ActivityRepository
from shared.store.base import (
    ActivityStore,
    Database,
    ErasureStore,
    RecordStore,
    SettingsStore,
    TrackingStore,
)
from shared.store.blobs import BlobStore, MemoryBlobStore
from shared.store.erasures import ErasureRepository
from shared.store.memory import MemoryDatabase
from shared.store.records import RecordRepository
from shared.store.settings import SettingsRepository
from shared.store.tracking import TrackingRepository

OnOperation = Callable[[str], None]


@dataclass(frozen=True)
class Stores:
    """One backend's stores, and the database they share (for health checks and closing)."""

    records: RecordStore
    activities: ActivityStore
    tracking: TrackingStore
    settings: SettingsStore
    database: Database
    erasures: ErasureStore
    blobs: BlobStore

    async def ping(self) -> None:
        """StoreUnavailableError unless the backend answers."""
        await self.database.ping()

    async def close(self) -> None:
        await self.database.close()
        await self.blobs.close()


def stores_over(database: Database, blobs: BlobStore | None = None) -> Stores:
    """The stores, all over ``database`` (and ``blobs`` for bodies and files; memory if None)."""
    blobs = blobs if blobs is not None else MemoryBlobStore()
    return Stores(
        records=RecordRepository(database),
        activities=ActivityRepository(database, blobs),
        tracking=TrackingRepository(database),
        settings=SettingsRepository(database),
        database=database,
        erasures=ErasureRepository(database),
        blobs=blobs,
    )


def cosmos_stores(
    config: Config, on_operation: OnOperation | None = None, blobs: BlobStore | None = None
) -> Stores:
    """The stores on Azure Cosmos DB and Blob Storage (the clients connect on first use)."""
    from shared.store.blobs import AzureBlobStore
    from shared.store.cosmos import CosmosDatabase

    return stores_over(CosmosDatabase(config, on_operation=on_operation), blobs or AzureBlobStore(config))


def memory_stores(on_operation: OnOperation | None = None, blobs: BlobStore | None = None) -> Stores:
    """The stores in process memory, empty."""
    return stores_over(MemoryDatabase(on_operation=on_operation), blobs)
