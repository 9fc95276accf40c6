"""Tracked activities in the ``activities`` container (partition key ``/pk``).

Two kinds of document, both keyed by the item's stable key hash (``activity_id``):
- the **claim**, ``pk = "item:<id>"``: created with create-if-absent, it makes an email
  or meeting tracked exactly once org-wide, whoever tracks it and however often the
  queue delivers the job. It names the record the activity is regarding.
- the **activity**, ``pk = "record:<entityType>:<id>"``: the full copy, in the partition
  of the record it is regarding, so a timeline reads a record's activities with one
  single-partition query. Written with upsert under the same id: a retry overwrites,
  never duplicates.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from shared.exceptions import AlreadyExistsError, NotFoundError
from shared.model import Activity, ItemKind, RecordRef
from shared.store.codec import activity_doc, activity_from_doc, decode_all, ref_doc
from shared.store.cosmos import CosmosDatabase

CONTAINER = "activities"
#: Tracked activities a timeline shows at most (newest first).
TIMELINE_LIMIT = 200


def activity_id(kind: ItemKind, key: str) -> str:
    """The stable id of a tracked item: a hash of its internetMessageId / iCalUId."""
    return hashlib.sha256(f"{kind}\n{key}".encode()).hexdigest()[:40]


def _record_pk(ref: RecordRef) -> str:
    return f"record:{ref.key}"


def _claim_pk(item_id: str) -> str:
    return f"item:{item_id}"


@dataclass(frozen=True)
class Claim:
    """Who first tracked an item, and which record it is regarding."""

    activity_id: str
    regarding: RecordRef
    claimed_by: str
    tracking_id: str


class ActivityRepository:
    """Claims and tracked activities."""

    def __init__(self, database: CosmosDatabase) -> None:
        self._db = database

    async def claim(self, claim: Claim) -> Claim:
        """Create the claim if absent; return the claim that holds (ours or the earlier one)."""
        body = {
            "id": claim.activity_id,
            "pk": _claim_pk(claim.activity_id),
            "type": "claim",
            "regarding": ref_doc(claim.regarding),
            "claimedBy": claim.claimed_by,
            "trackingId": claim.tracking_id,
        }
        try:
            await self._db.call(CONTAINER, "claim", lambda c: c.create_item(body))
            return claim
        except AlreadyExistsError:
            return await self.get_claim(claim.activity_id)

    async def get_claim(self, activity_id: str) -> Claim:
        pk = _claim_pk(activity_id)
        doc = await self._db.call(CONTAINER, "claim", lambda c: c.read_item(activity_id, partition_key=pk))
        reg = doc["regarding"]
        return Claim(
            activity_id, RecordRef(reg["entityType"], reg["id"]), doc["claimedBy"], doc["trackingId"]
        )

    async def upsert_activity(self, activity: Activity) -> None:
        body = {"pk": _record_pk(activity.regarding), "type": "activity", **activity_doc(activity)}
        await self._db.call(CONTAINER, "activity", lambda c: c.upsert_item(body))

    async def get_activity(self, regarding: RecordRef, activity_id: str) -> Activity:
        pk = _record_pk(regarding)
        doc = await self._db.call(CONTAINER, "activity", lambda c: c.read_item(activity_id, partition_key=pk))
        return activity_from_doc(doc)

    async def find_activity(self, activity_id: str) -> Activity | None:
        """The activity an item's claim points at, or None if the item is not tracked."""
        try:
            claim = await self.get_claim(activity_id)
            return await self.get_activity(claim.regarding, activity_id)
        except NotFoundError:
            return None

    async def list_for_record(self, ref: RecordRef, limit: int = TIMELINE_LIMIT) -> list[Activity]:
        pk = _record_pk(ref)
        docs = await self._db.query(
            CONTAINER,
            "SELECT TOP @limit * FROM c WHERE c.pk = @pk AND c.type = 'activity' ORDER BY c.occurredAt DESC",
            {"@pk": pk, "@limit": int(limit)},
            partition_key=pk,
        )
        return decode_all(docs, activity_from_doc, "activity")

    async def tracked_ids(self, activity_ids: Iterable[str]) -> set[str]:
        """Which of these items are tracked anywhere in the org (one query over claims)."""
        ids = sorted(set(activity_ids))
        if not ids:
            return set()
        docs = await self._db.query(
            CONTAINER,
            "SELECT c.id FROM c WHERE c.type = 'claim' AND ARRAY_CONTAINS(@pks, c.pk)",
            {"@pks": [_claim_pk(i) for i in ids]},
        )
        return {str(doc["id"]) for doc in docs}

    async def delete_activity(self, regarding: RecordRef, activity_id: str) -> None:
        """Untrack: remove the activity and its claim; succeeds when already gone."""
        for pk, what in ((_record_pk(regarding), "activity"), (_claim_pk(activity_id), "claim")):
            await self._delete(activity_id, pk, what)

    async def _delete(self, item_id: str, pk: str, what: str) -> None:
        with contextlib.suppress(NotFoundError):
            await self._db.call(CONTAINER, what, lambda c: c.delete_item(item_id, partition_key=pk))
