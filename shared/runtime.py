"""The composition root: one set of long-lived clients per process, built lazily.

``function_app.py`` makes one ``RuntimeProvider`` and hands it to every blueprint; the
first invocation builds the ``Runtime`` (clients, caches, limiters, services) and every
later one reuses it (connection pooling, as Azure Functions recommends). Every client is
injected: ``Runtime.build(config)`` picks the Azure ones (Cosmos DB, Storage queues,
Microsoft Graph through Entra ID), and the local stack or a test passes its own
(``localdev.composition``, ``memory_stores()``). Nothing here is module-level state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta

import azure.functions as func

from shared.auth.principal import Principal
from shared.auth.tokens import TokenValidator
from shared.config import Config
from shared.mailbox.base import Mailbox
from shared.mailbox.connector import GraphConnector
from shared.queue import TrackQueue
from shared.services.content import ContentService
from shared.services.erased import ErasedAddresses
from shared.services.erasure import ErasureService
from shared.services.erasure_worker import ErasureWorker
from shared.services.explain import ExplainService
from shared.services.retention import RetentionService
from shared.services.settings import SettingsService
from shared.services.timeline import TimelineService
from shared.services.track_requests import TrackingService
from shared.services.track_sweeper import TrackingSweeper
from shared.services.track_worker import TrackingWorker
from shared.store.stores import Stores, cosmos_stores


@dataclass
class Runtime:
    """Long-lived clients and the services built on them, for one process."""

    config: Config
    stores: Stores
    queue: TrackQueue
    graph: GraphConnector
    validator: TokenValidator
    erasure_queue: TrackQueue
    settings: SettingsService = field(init=False)
    erased: ErasedAddresses = field(init=False)
    tracker: TrackingService = field(init=False)
    timelines: TimelineService = field(init=False)
    erasure: ErasureService = field(init=False)
    erasure_worker: ErasureWorker = field(init=False)
    retention: RetentionService = field(init=False)
    content: ContentService = field(init=False)
    explainer: ExplainService = field(init=False)
    _worker: TrackingWorker | None = field(init=False, default=None)
    sweeper: TrackingSweeper = field(init=False)

    @classmethod
    def build(
        cls,
        config: Config,
        *,
        stores: Stores | None = None,
        queue: TrackQueue | None = None,
        graph: GraphConnector | None = None,
        validator: TokenValidator | None = None,
        erasure_queue: TrackQueue | None = None,
    ) -> Runtime:
        """The runtime of ``config``, with the Azure client for every part not given."""
        return cls(
            config,
            stores=stores or cosmos_stores(config),
            queue=queue or TrackQueue(config),
            graph=graph or GraphConnector(config),
            validator=validator or TokenValidator(config),
            erasure_queue=erasure_queue or TrackQueue(config, name=config.erasure_queue),
        )

    def __post_init__(self) -> None:
        s, key = self.stores, self.config.address_key
        self.settings = SettingsService(s.settings, self.config.settings_cache_seconds, address_key=key)
        self.erased = ErasedAddresses(self.settings, key)
        self.tracker = TrackingService(s, self.queue, erased=self.erased)
        self.timelines = TimelineService(s, self.settings, self.user_mailbox, erased=self.erased)
        self.erasure = ErasureService(s, self.erasure_queue, key)
        self.erasure_worker = ErasureWorker(s, self.settings, key)
        self.retention = RetentionService(s.activities, self.settings)
        self.sweeper = TrackingSweeper(
            s.tracking, self.queue, stale_after=timedelta(seconds=self.config.track_stale_seconds)
        )
        self.content = ContentService(s)
        self.explainer = ExplainService(s, self.settings, self.user_mailbox)

    @property
    def worker(self) -> TrackingWorker:
        """The track job's worker, reading mailboxes with the app identity (built on first use),
        without the SDK's retries: a throttled job waits in the queue, not in the handler."""
        if self._worker is None:
            mailbox = self.graph.application(policy=replace(self.graph.policy, sdk_retries=False))
            self._worker = TrackingWorker(self.stores, mailbox, self.queue, erased=self.erased)
        return self._worker

    @asynccontextmanager
    async def user_mailbox(self, principal: Principal) -> AsyncIterator[Mailbox]:
        """The caller's own mailbox, on behalf of their token, for one request."""
        mailbox = self.graph.delegated(principal.token)
        try:
            yield mailbox
        finally:
            await mailbox.aclose()

    async def authenticate(self, req: func.HttpRequest) -> Principal:
        """The caller, from the request's bearer token (AuthenticationError otherwise)."""
        return await self.validator.validate(req.headers.get("authorization"))

    async def close(self) -> None:
        await asyncio.gather(
            self.stores.close(), self.queue.close(), self.erasure_queue.close(), self.graph.aclose()
        )


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
