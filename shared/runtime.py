"""The composition root: one set of long-lived clients per process, built lazily.

Function handlers call ``get_runtime()``; tests build a ``Runtime`` from an explicit
``Config``. Clients are reused across invocations (connection pooling), as Azure
Functions recommends.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import InitVar, dataclass, field

import azure.functions as func

from shared.auth.principal import Principal
from shared.auth.tokens import TokenValidator
from shared.config import Config
from shared.mailbox.base import Mailbox
from shared.mailbox.factory import application_mailbox, close_shared_clients, delegated_mailbox
from shared.queue import TrackQueue
from shared.services.settings import SettingsService
from shared.services.timeline import TimelineService
from shared.services.tracking import TrackingService, TrackingWorker
from shared.store.base import ActivityStore, RecordStore, TrackingStore
from shared.store.stores import Stores, cosmos_stores


@dataclass
class Runtime:
    """Long-lived clients and repositories for one process."""

    config: Config
    #: The stores to use instead of Cosmos DB per ``config`` (tests: ``memory_stores()``).
    given_stores: InitVar[Stores | None] = None
    stores: Stores = field(init=False)
    records: RecordStore = field(init=False)
    activities: ActivityStore = field(init=False)
    tracking: TrackingStore = field(init=False)
    queue: TrackQueue = field(init=False)
    validator: TokenValidator = field(init=False)
    settings: SettingsService = field(init=False)
    tracker: TrackingService = field(init=False)
    timelines: TimelineService = field(init=False)
    _worker: TrackingWorker | None = field(init=False, default=None)

    def __post_init__(self, given_stores: Stores | None) -> None:
        self.stores = given_stores or cosmos_stores(self.config)
        self.records = self.stores.records
        self.activities = self.stores.activities
        self.tracking = self.stores.tracking
        self.queue = TrackQueue(self.config)
        self.validator = TokenValidator(self.config)
        self.settings = SettingsService(self.stores.settings, self.config.settings_cache_seconds)
        self.tracker = TrackingService(self.records, self.activities, self.tracking, self.queue)
        self.timelines = TimelineService(
            self.records, self.activities, self.tracking, self.settings, self.user_mailbox
        )

    @property
    def worker(self) -> TrackingWorker:
        """The track job's worker, reading mailboxes with the app identity (built on first use)."""
        if self._worker is None:
            self._worker = TrackingWorker(self.activities, self.tracking, application_mailbox(self.config))
        return self._worker

    @asynccontextmanager
    async def user_mailbox(self, principal: Principal) -> AsyncIterator[Mailbox]:
        """The caller's own mailbox, on behalf of their token, for one request."""
        mailbox = delegated_mailbox(self.config, principal.token)
        try:
            yield mailbox
        finally:
            await mailbox.aclose()

    async def authenticate(self, req: func.HttpRequest) -> Principal:
        """The caller, from the request's bearer token (AuthenticationError otherwise)."""
        return await self.validator.validate(req.headers.get("authorization"))

    async def close(self) -> None:
        await asyncio.gather(self.stores.close(), self.queue.close(), close_shared_clients())


_runtime: Runtime | None = None


def get_runtime() -> Runtime:
    """The process-wide runtime, configured from the environment on first use."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Config.from_env())
    return _runtime


def use_runtime(runtime: Runtime) -> None:
    """Make ``runtime`` the process-wide one (local mode: the dev host's, counting Cosmos requests)."""
    global _runtime
    _runtime = runtime


async def authenticated(req: func.HttpRequest) -> tuple[Runtime, Principal]:
    """The process runtime and the caller of ``req`` (AuthenticationError without a valid token)."""
    runtime = get_runtime()
    return runtime, await runtime.authenticate(req)
