"""The composition root: one set of long-lived clients per process, built lazily.

``function_app.py`` makes one ``RuntimeProvider`` and hands it to every blueprint; the
first invocation builds the ``Runtime`` (clients, caches, limiters, services) and every
later one reuses it (connection pooling, as Azure Functions recommends). Tests build a
``Runtime`` from an explicit ``Config``. Nothing here is module-level state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
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
from shared.services.track_requests import TrackingService
from shared.services.track_worker import TrackingWorker
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


class RuntimeProvider:
    """Builds the process's ``Runtime`` on first use and hands out that same one after."""

    def __init__(self, build: Callable[[], Runtime]) -> None:
        self._build = build
        self._runtime: Runtime | None = None

    def __call__(self) -> Runtime:
        if self._runtime is None:
            self._runtime = self._build()
        return self._runtime

    async def authenticated(self, req: func.HttpRequest) -> tuple[Runtime, Principal]:
        """The runtime and the caller of ``req`` (AuthenticationError without a valid token)."""
        runtime = self()
        return runtime, await runtime.authenticate(req)

    async def close(self) -> None:
        """Close the runtime's clients if it was ever built."""
        if self._runtime is not None:
            runtime, self._runtime = self._runtime, None
            await runtime.close()
