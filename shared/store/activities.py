"""Tracked activities in the ``activities`` container (partition key ``/pk``).

Two kinds of document, both with the item's identity as id (``shared.rules.identity.claim_key``):
- the **claim**, ``pk = "item:<id>"``: created with create-if-absent, it makes an email
  or meeting tracked exactly once org-wide, whoever tracks it and however often the
  queue delivers the job. It names the record the activity is regarding.
- the **activity**, ``pk = "record:<entityType>:<id>"``: the full copy, in the partition
  of the record it is regarding, so a timeline reads a record's activities with one
  single-partition query. Written with upsert under the same id: a retry overwrites,
  never duplicates.

The activity's **content** is split (``shared.rules.content``): a body too large for the
document and every copied attachment file live in the blob store under
``activities/<id>/``; the document keeps their names and metadata and is measured before
it is written, never above ``DOCUMENT_BUDGET_BYTES`` (recipient lists are trimmed to fit,
with their full counts kept). A timeline reads a projection (``ACTIVITY_SUMMARY_FIELDS``),
so what it reads does not grow with the body. Untrack removes the blobs too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from shared.exceptions import AlreadyExistsError, ItemTooLargeError, NotFoundError
from shared.model import Activity, RecordRef
from shared.rules.content import (
    DOCUMENT_BUDGET_BYTES,
    attachment_blob_name,
    body_blob_name,
    body_goes_to_blob,
    content_prefix,
    serialized_bytes,
)
from shared.store.base import TIMELINE_LIMIT, Claim, Database, Query
from shared.store.blobs import BlobStore, MemoryBlobStore
from shared.store.codec import (
    ACTIVITY_SUMMARY_FIELDS,
    Doc,
    activity_doc,
    activity_from_doc,
    decode_all,
    decode_one,
    iso,
    ref_doc,
)

CONTAINER = "activities"
__all__ = ["TIMELINE_LIMIT", "ActivityRepository", "Claim"]


def _record_pk(ref: RecordRef) -> str:
    return f"record:{ref.key}"


def _claim_pk(item_id: str) -> str:
    return f"item:{item_id}"


def fit_document(body: Doc, budget: int = DOCUMENT_BUDGET_BYTES) -> Doc:
    """The document within ``budget`` bytes: recipient lists are halved until it fits
    (``toCount``/``ccCount`` keep the full counts); ItemTooLargeError if it never does."""
    doc = dict(body)
    while serialized_bytes(doc) > budget:
        to, cc = doc.get("to") or [], doc.get("cc") or []
        if len(to) <= 1 and len(cc) <= 1:
            raise ItemTooLargeError("the activity does not fit in a document")
        doc.setdefault("toCount", len(body.get("to") or []))
        doc.setdefault("ccCount", len(body.get("cc") or []))
        doc["to"], doc["cc"] = to[: max(1, len(to) // 2)], cc[: max(1, len(cc) // 2)]
    return doc


def _claim_from_doc(doc: Doc) -> Claim:
    reg, by, tracking = doc["regarding"], doc["claimedBy"], doc["trackingId"]
    if not (isinstance(reg, dict) and isinstance(by, str) and isinstance(tracking, str)):
        raise ValueError("malformed claim")
    return Claim(str(doc["id"]), RecordRef(str(reg["entityType"]), str(reg["id"])), by, tracking)


class ActivityRepository:
    """``ActivityStore`` over a document database: claims and tracked activities."""

    def __init__(self, database: Database, blobs: BlobStore | None = None) -> None:
        self._db = database
        self._blobs: BlobStore = blobs if blobs is not None else MemoryBlobStore()

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

    async def release_claim(self, activity_id: str, tracking_id: str) -> bool:
        """Delete the item's claim and its blobs if ``tracking_id`` made it and no activity
        stands under it (a failed request leaves none); whether it did."""
        try:
            claim = await self.get_claim(activity_id)
        except NotFoundError:
            return False
        if claim.tracking_id != tracking_id:
            return False
        try:
            await self.get_activity(claim.regarding, activity_id)
            return False  # the activity stands: the item is tracked
        except NotFoundError:
            pass
        await self.discard_content(activity_id)
        await self._delete(activity_id, _claim_pk(activity_id), "claim")
        return True

    async def upsert_activity(self, activity: Activity) -> None:
        """Write the document; a body too large for it goes to its blob first."""
        if activity.body and body_goes_to_blob(activity.body):
            name = body_blob_name(activity.id)
            await self._blobs.put_blob(name, activity.body.encode("utf-8"), "text/plain; charset=utf-8")
            activity = replace(activity, body="", body_blob=name)
        body = {"pk": _record_pk(activity.regarding), "type": "activity", **activity_doc(activity)}
        await self._db.upsert_item(CONTAINER, fit_document(body), "activity")

    async def get_body(self, activity: Activity) -> str:
        """The activity's full body, from its document or its blob."""
        if activity.body_blob is None:
            return activity.body
        try:
            return (await self._blobs.get_blob(activity.body_blob)).decode("utf-8")
        except NotFoundError:
            return ""

    async def put_attachment(
        self, activity_id: str, attachment_id: str, data: bytes, content_type: str
    ) -> None:
        await self._blobs.put_blob(attachment_blob_name(activity_id, attachment_id), data, content_type)

    async def get_attachment(self, activity_id: str, attachment_id: str) -> bytes:
        """The copied file, or NotFoundError."""
        return await self._blobs.get_blob(attachment_blob_name(activity_id, attachment_id))

    async def discard_content(self, activity_id: str) -> int:
        """Delete every blob of the activity; how many there were."""
        return await self._blobs.delete_prefix(content_prefix(activity_id))

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
            {"type": "activity"},
            partition_key=pk,
            order_by="occurredAt",
            descending=True,
            top=int(limit),
            fields=ACTIVITY_SUMMARY_FIELDS,
        )
        docs = await self._db.query(CONTAINER, query, "activity")
        return decode_all(docs, activity_from_doc, "activity")

    async def tracked_regarding(self, activity_ids: Iterable[str]) -> dict[str, RecordRef]:
        """Which of these items are tracked anywhere in the org, and the record each is
        regarding (one query over claims; a malformed claim reads as untracked)."""
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
        """Untrack: remove the activity, its blobs and its claim; succeeds when already gone."""
        await self._delete(activity_id, _record_pk(regarding), "activity")
        await self.discard_content(activity_id)
        await self._delete(activity_id, _claim_pk(activity_id), "claim")

    async def _delete(self, item_id: str, pk: str, what: str) -> None:
        with contextlib.suppress(NotFoundError):
            await self._db.delete_item(CONTAINER, item_id, pk, what)

    # --- data governance: queries across records (erasure, retention) ---------------------

    async def list_involving(self, address: str) -> list[Activity]:
        """Every record's activities ``address`` takes part in (from, to, cc), any case."""
        participant = (address.strip().lower(), ("from",), ("to", "cc"))
        query = Query({"type": "activity"}, participant=participant)
        return decode_all(await self._db.query(CONTAINER, query, "activity"), activity_from_doc, "activity")

    async def list_occurred_before(self, cutoff: datetime, limit: int) -> list[Activity]:
        """Activities on any record that occurred before ``cutoff``, oldest first."""
        query = Query(
            {"type": "activity"}, before=("occurredAt", iso(cutoff)), order_by="occurredAt", top=int(limit)
        )
        return decode_all(await self._db.query(CONTAINER, query, "activity"), activity_from_doc, "activity")
