"""Erasure, the HTTP side: accept an Admin's erasure request, answer its receipt, preview it.

``ErasureService.request`` validates the address, writes a ``running`` receipt that names
the address only by its keyed hash, and queues an ``ErasureJob`` for
``shared.services.erasure_worker.ErasureWorker``. ``preview`` lists what an erasure would
remove (GDPR Art. 15 access requests), without removing anything. Admin only.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.auth.access import require_admin
from shared.auth.principal import Principal
from shared.erasure_job import ErasureJob
from shared.exceptions import NotFoundError, StoreUnavailableError
from shared.logging import log_event
from shared.model import Activity, ErasureReceipt
from shared.queue import Message
from shared.rules.erasure import address_hash, finished, validate_address
from shared.services.base import StoreService

log = logging.getLogger(__name__)


class MessageQueue(Protocol):
    """Where the HTTP side puts erasure jobs (``shared.queue.TrackQueue`` named for them)."""

    async def send(self, job: Message, delay: int = 0) -> datetime | None: ...


def address_key_or_unavailable(key: str) -> str:
    """The keyed hash's key; StoreUnavailableError when the deployment has none configured."""
    if not key:
        raise StoreUnavailableError("ADDRESS_HASH_KEY is not configured")
    return key


@dataclass(frozen=True)
class Preview:
    """What erasing ``address`` would remove now."""

    address: str
    activities: list[Activity]


@dataclass(frozen=True)
class ErasureService(StoreService):
    """The HTTP side of erasure (Admin only)."""

    queue: MessageQueue
    address_key: str

    async def request(self, principal: Principal, address: str) -> ErasureReceipt:
        require_admin(principal)
        normalized = validate_address(address)
        hashed = address_hash(address_key_or_unavailable(self.address_key), normalized)
        receipt = ErasureReceipt(
            id=f"ers-{uuid.uuid4().hex}",
            address_hash=hashed,
            state="running",
            requested_by=principal.oid,
            requested_at=self.clock(),
        )
        await self.stores.erasures.create_receipt(receipt)
        try:
            await self.queue.send(ErasureJob.of(receipt.id, normalized))
        except StoreUnavailableError:
            await self.stores.erasures.save_receipt(finished(receipt, self.clock(), "failed"))
            raise
        log_event(log, "erasure.requested", erasureId=receipt.id, actor=principal.oid, addressHash=hashed)
        return receipt

    async def status(self, principal: Principal, erasure_id: str) -> ErasureReceipt:
        require_admin(principal)
        try:
            return await self.stores.erasures.get_receipt(erasure_id)
        except NotFoundError as exc:
            raise NotFoundError("no such erasure") from exc

    async def preview(self, principal: Principal, address: str) -> Preview:
        require_admin(principal)
        normalized = validate_address(address)
        found = await self.stores.activities.list_involving(normalized)
        found.sort(key=lambda a: a.occurred_at, reverse=True)
        hashed = address_hash(address_key_or_unavailable(self.address_key), normalized)
        log_event(log, "erasure.previewed", actor=principal.oid, addressHash=hashed, activities=len(found))
        return Preview(normalized, found)
