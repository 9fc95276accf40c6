"""The composition root: one set of long-lived clients per process, built lazily.

Function handlers call ``get_runtime()``; tests build a ``Runtime`` from an explicit
``Config``. Clients are reused across invocations (connection pooling), as Azure
Functions recommends.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import azure.functions as func

from shared.auth.principal import Principal
from shared.auth.tokens import TokenValidator
from shared.config import Config
from shared.queue import TrackQueue
from shared.services.settings import SettingsService
from shared.store.activities import ActivityRepository
from shared.store.cosmos import CosmosDatabase
from shared.store.records import RecordRepository
from shared.store.settings import SettingsRepository
from shared.store.tracking import TrackingRepository


@dataclass
class Runtime:
    """Long-lived clients and repositories for one process."""

    config: Config
    database: CosmosDatabase = field(init=False)
    records: RecordRepository = field(init=False)
    activities: ActivityRepository = field(init=False)
    tracking: TrackingRepository = field(init=False)
    queue: TrackQueue = field(init=False)
    validator: TokenValidator = field(init=False)
    settings: SettingsService = field(init=False)

    def __post_init__(self) -> None:
        self.database = CosmosDatabase(self.config)
        self.records = RecordRepository(self.database)
        self.activities = ActivityRepository(self.database)
        self.tracking = TrackingRepository(self.database)
        self.queue = TrackQueue(self.config)
        self.validator = TokenValidator(self.config)
        self.settings = SettingsService(SettingsRepository(self.database), self.config.settings_cache_seconds)

    async def authenticate(self, req: func.HttpRequest) -> Principal:
        """The caller, from the request's bearer token (AuthenticationError otherwise)."""
        return await self.validator.validate(req.headers.get("authorization"))

    async def close(self) -> None:
        await asyncio.gather(self.database.close(), self.queue.close())


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The process-wide runtime, configured from the environment on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Config.from_env())
    return _runtime
