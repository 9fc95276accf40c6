"""Tracking requests in the ``tracking`` container (partition key ``/userId``).

A request belongs to the user who clicked Track: status reads and "my pending items for
this record" are single-partition. Documents expire after the container's TTL (30 days).
"""

from __future__ import annotations

from shared.exceptions import AlreadyExistsError
from shared.model import RecordRef, TrackingRequest
from shared.store.codec import decode_all, tracking_doc, tracking_from_doc
from shared.store.cosmos import CosmosDatabase

CONTAINER = "tracking"


class TrackingRepository:
    def __init__(self, database: CosmosDatabase) -> None:
        self._db = database

    async def create_request(self, request: TrackingRequest) -> tuple[TrackingRequest, bool]:
        """Create if absent. Returns (the stored request, whether this call created it)."""
        body = tracking_doc(request)
        try:
            await self._db.call(CONTAINER, "tracking request", lambda c: c.create_item(body))
            return request, True
        except AlreadyExistsError:
            return await self.get_request(request.user_id, request.id), False

    async def get_request(self, user_id: str, tracking_id: str) -> TrackingRequest:
        """The request, or NotFoundError (also when it belongs to another user)."""
        doc = await self._db.call(
            CONTAINER, "tracking request", lambda c: c.read_item(tracking_id, partition_key=user_id)
        )
        return tracking_from_doc(doc)

    async def save_request(self, request: TrackingRequest) -> None:
        body = tracking_doc(request)
        await self._db.call(CONTAINER, "tracking request", lambda c: c.upsert_item(body))

    async def list_pending(self, user_id: str, regarding: RecordRef) -> list[TrackingRequest]:
        docs = await self._db.query(
            CONTAINER,
            "SELECT * FROM c WHERE c.userId = @user AND c.regardingKey = @reg AND c.state = 'pending'",
            {"@user": user_id, "@reg": regarding.key},
            partition_key=user_id,
        )
        return decode_all(docs, tracking_from_doc, "tracking request")
