"""The composition root: one set of long-lived clients per process, built lazily.

Function handlers call ``get_runtime()``; tests build a ``Runtime`` from an explicit
``Config``. Clients are reused across invocations (connection pooling), as Azure
Functions recommends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import azure.functions as func

from shared.auth.principal import Principal
from shared.auth.tokens import TokenValidator
from shared.config import Config
from shared.mailbox.base import Mailbox
from shared.mailbox.connector import GraphConnector
from shared.queue import TrackQueue
from shared.services.settings import SettingsService
from shared.services.timeline import TimelineService
from shared.services.tracking import TrackingService, TrackingWorker
from shared.store.activities import ActivityRepository
from shared.store.cosmos import CosmosDatabase
from shared.store.records import RecordRepository
from shared.store.settings import SettingsRepository
from shared.store.tracking import TrackingRepository


def _graph_connector(config: Config) -> GraphConnector:
    """The Graph connector: Entra ID credentials, or the local Graph server's."""
    if config.graph_auth == "local":
        # Local only (localdev/ is not deployed): dev credentials for the local Graph server.
        from localdev.graph_credentials import local_connector

        return local_connector(config)
    return GraphConnector(config)


@dataclass
class Runtime:
    """Long-lived clients and repositories for one process."""

    config: Config
    database: CosmosDatabase = field(init=False)
    records: RecordRepository = field(init=False)
    activities: ActivityRepository = field(init=False)
    tracking: TrackingRepository = field(init=False)
    queue: TrackQueue = field(init=False)
    graph: GraphConnector = field(init=False)
    validator: TokenValidator = field(init=False)
    settings: SettingsService = field(init=False)
    tracker: TrackingService = field(init=False)
    timelines: TimelineService = field(init=False)
    _worker: TrackingWorker | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.database = CosmosDatabase(self.config)
        self.records = RecordRepository(self.database)
        self.activities = ActivityRepository(self.database)
        self.tracking = TrackingRepository(self.database)
        self.queue = TrackQueue(self.config)
        self.graph = _graph_connector(self.config)
        self.validator = TokenValidator(self.config)
        self.settings = SettingsService(SettingsRepository(self.database), self.config.settings_cache_seconds)
        self.tracker = TrackingService(self.records, self.activities, self.tracking, self.queue)
        self.timelines = TimelineService(
            self.records, self.activities, self.tracking, self.settings, self.user_mailbox
        )

    @property
    def worker(self) -> TrackingWorker:
        """The track job's worker, reading mailboxes with the app identity (built on first use)."""
        if self._worker is None:
            self._worker = TrackingWorker(self.activities, self.tracking, self.graph.application())
        return self._worker

    @asynccontextmanager
    async def user_mailbox(self, principal: Principal) -> AsyncIterator[Mailbox]:
        """The caller's own mailbox, on behalf of their token, for one request."""
        async with self.graph.delegated(principal.token) as mailbox:
            yield mailbox

    async def authenticate(self, req: func.HttpRequest) -> Principal:
        """The caller, from the request's bearer token (AuthenticationError otherwise)."""
        return await self.validator.validate(req.headers.get("authorization"))

    async def close(self) -> None:
        await asyncio.gather(self.database.close(), self.queue.close(), self.graph.aclose())


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The process-wide runtime, configured from the environment on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Config.from_env())
    return _runtime


async def authenticated(req: func.HttpRequest) -> tuple[Runtime, Principal]:
    """The process runtime and the caller of ``req`` (AuthenticationError without a valid token)."""
    runtime = get_runtime()
    return runtime, await runtime.authenticate(req)
