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

from shared.exceptions import AlreadyExistsError, NotFoundError
from shared.model import Activity, ItemKind, RecordRef
from shared.store.base import TIMELINE_LIMIT, Claim, Database, Query
from shared.store.codec import Doc, activity_doc, activity_from_doc, decode_all, decode_one, ref_doc

CONTAINER = "activities"
__all__ = ["TIMELINE_LIMIT", "ActivityRepository", "Claim", "activity_id"]


def activity_id(kind: ItemKind, key: str) -> str:
    """The stable id of a tracked item: a hash of its internetMessageId / iCalUId."""
    return hashlib.sha256(f"{kind}\n{key}".encode()).hexdigest()[:40]


def _record_pk(ref: RecordRef) -> str:
    return f"record:{ref.key}"


def _claim_pk(item_id: str) -> str:
    return f"item:{item_id}"


def _claim_from_doc(doc: Doc) -> Claim:
    reg, by, tracking = doc["regarding"], doc["claimedBy"], doc["trackingId"]
    if not (isinstance(reg, dict) and isinstance(by, str) and isinstance(tracking, str)):
        raise ValueError("malformed claim")
    return Claim(str(doc["id"]), RecordRef(str(reg["entityType"]), str(reg["id"])), by, tracking)


class ActivityRepository:
    """``ActivityStore`` over a document database: claims and tracked activities."""

    def __init__(self, database: Database) -> None:
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
            await self._db.create_item(CONTAINER, body, "claim")
            return claim
        except AlreadyExistsError:
            return await self.get_claim(claim.activity_id)

    async def get_claim(self, activity_id: str) -> Claim:
        pk = _claim_pk(activity_id)
        doc = await self._db.read_item(CONTAINER, activity_id, pk, "claim")
        return decode_one(doc, _claim_from_doc, "claim")

    async def upsert_activity(self, activity: Activity) -> None:
        body = {"pk": _record_pk(activity.regarding), "type": "activity", **activity_doc(activity)}
        await self._db.upsert_item(CONTAINER, body, "activity")

    async def get_activity(self, regarding: RecordRef, activity_id: str) -> Activity:
        pk = _record_pk(regarding)
        doc = await self._db.read_item(CONTAINER, activity_id, pk, "activity")
        return decode_one(doc, activity_from_doc, "activity")

    async def find_activity(self, activity_id: str) -> Activity | None:
        """The activity an item's claim points at, or None if the item is not tracked."""
        try:
            claim = await self.get_claim(activity_id)
            return await self.get_activity(claim.regarding, activity_id)
        except NotFoundError:
            return None

    async def list_for_record(self, ref: RecordRef, limit: int = TIMELINE_LIMIT) -> list[Activity]:
        pk = _record_pk(ref)
        query = Query(
            {"type": "activity"}, partition_key=pk, order_by="occurredAt", descending=True, top=int(limit)
        )
        docs = await self._db.query(CONTAINER, query, "activity")
        return decode_all(docs, activity_from_doc, "activity")

    async def tracked_ids(self, activity_ids: Iterable[str]) -> set[str]:
        """Which of these items are tracked anywhere in the org (one query over claims)."""
        ids = sorted(set(activity_ids))
        if not ids:
            return set()
        query = Query({"type": "claim"}, within=("pk", tuple(_claim_pk(i) for i in ids)), fields=("id",))
        docs = await self._db.query(CONTAINER, query, "claim")
        return {str(doc["id"]) for doc in docs}

    async def tracked_regarding(self, activity_ids: Iterable[str]) -> dict[str, RecordRef]:
        """Which of these items are tracked anywhere in the org, and the record each is
        regarding (the same one query over claims; a malformed claim reads as untracked)."""
        ids = sorted(set(activity_ids))
        if not ids:
            return {}
        query = Query(
            {"type": "claim"}, within=("pk", tuple(_claim_pk(i) for i in ids)), fields=("id", "regarding")
        )
        found: dict[str, RecordRef] = {}
        for doc in await self._db.query(CONTAINER, query, "claim"):
            reg = doc.get("regarding")
            if (
                isinstance(reg, dict)
                and isinstance(reg.get("entityType"), str)
                and isinstance(reg.get("id"), str)
            ):
                found[str(doc["id"])] = RecordRef(reg["entityType"], reg["id"])
        return found

    async def delete_activity(self, regarding: RecordRef, activity_id: str) -> None:
        """Untrack: remove the activity and its claim; succeeds when already gone."""
        for pk, what in ((_record_pk(regarding), "activity"), (_claim_pk(activity_id), "claim")):
            await self._delete(activity_id, pk, what)

    async def _delete(self, item_id: str, pk: str, what: str) -> None:
        with contextlib.suppress(NotFoundError):
            await self._db.delete_item(CONTAINER, item_id, pk, what)
