"""Erasure receipts in the ``erasures`` container (partition key ``/id``).

One document per erasure, ``id = erasureId``: its state, who asked and when, the keyed
hash of the address (never the address), and the ids of what it removed. Point reads
only; the job upserts it after every step (docs/design.md, data governance).
"""

from __future__ import annotations

from shared.model import ErasureReceipt, ErasureState
from shared.store.base import Database
from shared.store.codec import Doc, decode_one, iso, one_of, parse_time

CONTAINER = "erasures"
WHAT = "erasure"


def receipt_doc(receipt: ErasureReceipt) -> Doc:
    return {
        "id": receipt.id,
        "addressHash": receipt.address_hash,
        "state": receipt.state,
        "requestedBy": receipt.requested_by,
        "requestedAt": iso(receipt.requested_at),
        "finishedAt": iso(receipt.finished_at) if receipt.finished_at else None,
        "activities": [{"id": aid, "attachments": n} for aid, n in receipt.removed_activities],
        "trackingRequests": list(receipt.tracking_requests),
        "exclusionLists": list(receipt.exclusion_lists),
    }


def receipt_from_doc(doc: Doc) -> ErasureReceipt:
    state = one_of(doc["state"], ErasureState, "bad erasure state")
    finished = doc.get("finishedAt")
    return ErasureReceipt(
        id=str(doc["id"]),
        address_hash=str(doc["addressHash"]),
        state=state,
        requested_by=str(doc["requestedBy"]),
        requested_at=parse_time(doc["requestedAt"]),
        finished_at=parse_time(finished) if finished else None,
        removed_activities=tuple((str(a["id"]), int(a["attachments"])) for a in doc.get("activities") or []),
        tracking_requests=tuple(str(t) for t in doc.get("trackingRequests") or []),
        exclusion_lists=tuple(str(s) for s in doc.get("exclusionLists") or []),
    )


class ErasureRepository:
    """``ErasureStore`` over a document database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def create_receipt(self, receipt: ErasureReceipt) -> None:
        await self._db.create_item(CONTAINER, receipt_doc(receipt), WHAT)

    async def get_receipt(self, erasure_id: str) -> ErasureReceipt:
        doc = await self._db.read_item(CONTAINER, erasure_id, erasure_id, WHAT)
        return decode_one(doc, receipt_from_doc, WHAT)

    async def save_receipt(self, receipt: ErasureReceipt) -> None:
        await self._db.upsert_item(CONTAINER, receipt_doc(receipt), WHAT)
