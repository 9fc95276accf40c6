"""Tracking requests in the ``tracking`` container (partition key ``/userId``).

A request belongs to the user who clicked Track: status reads and "my pending items for
this record" are single-partition. Documents expire after the container's TTL (30 days).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from shared.exceptions import AlreadyExistsError, NotFoundError
from shared.model import RecordRef, TrackingRequest
from shared.store.base import Database, Query
from shared.store.codec import decode_all, decode_one, tracking_doc, tracking_from_doc

CONTAINER = "tracking"
WHAT = "tracking request"


class TrackingRepository:
    """``TrackingStore`` over a document database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_request(self, request: TrackingRequest) -> tuple[TrackingRequest, bool]:
        """Create if absent. Returns (the stored request, whether this call created it)."""
        body = tracking_doc(request)
        try:
            await self._db.create_item(CONTAINER, body, WHAT)
            return request, True
        except AlreadyExistsError:
            return await self.get_request(request.user_id, request.id), False

    async def get_request(self, user_id: str, tracking_id: str) -> TrackingRequest:
        """The request, or NotFoundError (also when it belongs to another user)."""
        doc = await self._db.read_item(CONTAINER, tracking_id, user_id, WHAT)
        return decode_one(doc, tracking_from_doc, WHAT)

    async def find_request(self, user_id: str, tracking_id: str) -> TrackingRequest | None:
        """The request, or None (also when it belongs to another user)."""
        try:
            return await self.get_request(user_id, tracking_id)
        except NotFoundError:
            return None

    async def save_request(self, request: TrackingRequest) -> None:
        body = tracking_doc(request)
        await self._db.upsert_item(CONTAINER, body, WHAT)

    async def list_oldest_pending(self, limit: int) -> list[TrackingRequest]:
        """Every user's pending requests, least recently updated first, at most ``limit``
        (the sweeper's one cross-partition query)."""
        query = Query({"state": "pending"}, order_by="updatedAt", top=int(limit))
        docs = await self._db.query(CONTAINER, query, WHAT)
        return decode_all(docs, tracking_from_doc, WHAT)

    async def list_pending(self, user_id: str, regarding: RecordRef) -> list[TrackingRequest]:
        where = {"userId": user_id, "regardingKey": regarding.key, "state": "pending"}
        docs = await self._db.query(CONTAINER, Query(where, partition_key=user_id), WHAT)
        return decode_all(docs, tracking_from_doc, "tracking request")

    async def list_for_items(self, keys: Iterable[str]) -> list[TrackingRequest]:
        """Every user's requests for these items, any state (one cross-partition query)."""
        wanted = tuple(sorted(set(keys)))
        if not wanted:
            return []
        docs = await self._db.query(CONTAINER, Query(within=("key", wanted)), WHAT)
        return decode_all(docs, tracking_from_doc, WHAT)

    async def delete_request(self, user_id: str, tracking_id: str) -> None:
        with contextlib.suppress(NotFoundError):
            await self._db.delete_item(CONTAINER, tracking_id, user_id, WHAT)
