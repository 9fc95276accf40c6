"""Erasure, the queue side: remove everything stored about one address, resumably.

``ErasureWorker.process`` (queue trigger on ``erasure-requests``) runs one job:

1. the message is decoded (a malformed one is logged and consumed); the receipt is
   read; one that is not ``running`` makes the delivery a duplicate, and a job whose
   address does not hash to the receipt's is dropped;
2. the address's keyed hash goes on the org's erased list first, so from then on no
   timeline suggests and no Track copies mail with that address (``involves_erased``);
3. every activity the address takes part in, on any record, is found; the receipt
   records their ids and attachment counts, then their users' tracking requests are
   deleted and each activity goes through ``remove_activity`` (the path untrack uses);
4. the exclusion lists naming the address (org, users) are recorded, then cleaned;
5. the receipt is marked ``done``.

Every step is idempotent and the receipt is written before each removal, so a crash
anywhere is resumed by the next delivery and still counts everything once. After the
last delivery fails the message goes to ``erasure-requests-poison`` and ``poisoned``
marks the receipt ``failed`` (an Admin asks again: a new erasure resumes the work).
Every log line carries the erasureId (the correlation id too), never the address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

from shared.erasure_job import ErasureJob
from shared.exceptions import NotFoundError
from shared.job_message import decode_or_log
from shared.logging import correlation, log_event, ms_since
from shared.model import ErasureReceipt
from shared.rules.erasure import address_hash, finished, with_activities, with_lists, with_requests
from shared.services.base import StoreService
from shared.services.erasure import address_key_or_unavailable
from shared.services.removal import remove_activity
from shared.services.settings import SettingsService

log = logging.getLogger(__name__)
#: Removals run at most this many at once.
CONCURRENCY = 8


@dataclass(frozen=True)
class ErasureWorker(StoreService):
    """The queue side of erasure: idempotent, resumable, logged by erasureId."""

    settings: SettingsService
    address_key: str
    _gate: asyncio.Semaphore = field(
        init=False, repr=False, compare=False, default_factory=lambda: asyncio.Semaphore(CONCURRENCY)
    )

    async def process(self, body: bytes, dequeue_count: int, message_id: str | None = None) -> str:
        """Run one delivery; returns the outcome. Raises only to ask for a retry."""
        started = time.perf_counter()
        job = decode_or_log(ErasureJob, body, log, "erasure.failed", message_id, dequeue_count)
        if job is None:
            return "invalid"
        with correlation(job.erasureId):
            receipt = await self._find(job.erasureId)
            reason = self._refusal(job, receipt)
            if reason is not None or receipt is None:
                log_event(
                    log, "erasure.failed", level=logging.WARNING, erasureId=job.erasureId, reason=reason
                )
                return "unknown"
            if receipt.state != "running":
                log_event(log, "erasure.skipped", erasureId=receipt.id, state=receipt.state)
                return receipt.state
            log_event(log, "erasure.started", erasureId=receipt.id, dequeueCount=dequeue_count)
            done = await self._run(receipt, job.address)
            log_event(
                log,
                "erasure.done",
                erasureId=done.id,
                activities=len(done.removed_activities),
                attachments=done.attachments,
                trackingRequests=len(done.tracking_requests),
                exclusionEntries=len(done.exclusion_lists),
                dequeueCount=dequeue_count,
                durationMs=ms_since(started),
            )
            return done.state

    async def _find(self, erasure_id: str) -> ErasureReceipt | None:
        try:
            return await self.stores.erasures.get_receipt(erasure_id)
        except NotFoundError:
            return None

    def _refusal(self, job: ErasureJob, receipt: ErasureReceipt | None) -> str | None:
        if receipt is None:
            return "no such erasure"
        if address_hash(address_key_or_unavailable(self.address_key), job.address) != receipt.address_hash:
            return "the message's address is not the receipt's"
        return None

    async def _run(self, receipt: ErasureReceipt, address: str) -> ErasureReceipt:
        await self.settings.add_erased(receipt.address_hash)
        found = await self.stores.activities.list_involving(address)
        # a request's key is its item's identity, the id of the activity it became
        requests = await self.stores.tracking.list_for_items({a.id for a in found})
        receipt = with_requests(with_activities(receipt, found), (r.id for r in requests))
        await self.stores.erasures.save_receipt(receipt)
        await asyncio.gather(
            *(self._limited(self.stores.tracking.delete_request(r.user_id, r.id)) for r in requests)
        )
        await asyncio.gather(*(self._limited(remove_activity(self.stores.activities, a)) for a in found))
        scopes = await self.settings.lists_naming(address)
        receipt = with_lists(receipt, scopes)
        await self.stores.erasures.save_receipt(receipt)
        await self.settings.remove_everywhere(address, scopes)
        receipt = finished(receipt, self.clock())
        await self.stores.erasures.save_receipt(receipt)
        return receipt

    async def _limited[T](self, step: Awaitable[T]) -> T:
        async with self._gate:
            return await step

    async def poisoned(self, body: bytes, dequeue_count: int = 1, message_id: str | None = None) -> None:
        """The job failed every delivery: its receipt shows ``failed``."""
        job = decode_or_log(ErasureJob, body, log, "erasure.poisoned", message_id)
        if job is None:
            return
        receipt = await self._find(job.erasureId)
        if receipt is not None:
            receipt = finished(receipt, self.clock(), "failed")
            await self.stores.erasures.save_receipt(receipt)
        log_event(
            log,
            "erasure.poisoned",
            level=logging.ERROR,
            erasureId=job.erasureId,
            state=receipt.state if receipt else None,
            messageId=message_id,
            dequeueCount=dequeue_count,
        )
