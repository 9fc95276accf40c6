"""CRM records in the ``records`` container (partition key ``/pk``).

Partitioning, so a timeline read is a few single-partition operations at any org size:
- every record is one document with ``pk = id = "<entityType>:<recordId>"``: a point read;
- a contact with a parent account is also projected, as ``child:<contact key>``, into its
  account's partition (``pk = "account:<id>"``). "The top 50 contacts of this account,
  most recently modified first" is then ONE single-partition query with ``TOP 50 ...
  ORDER BY``, whether the account has 10 contacts or 10,000.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence

from shared.exceptions import NotFoundError
from shared.model import CrmRecord, RecordRef
from shared.store.base import CHILD_LIMIT, Database, Query
from shared.store.codec import Doc, decode_all, decode_one, iso, record_doc, record_from_doc

CONTAINER = "records"
_NO_DATE = "0000-00-00T00:00:00.000000Z"  # sorts after every real date in DESC order


def _child_id(contact: CrmRecord) -> str:
    return f"child:{contact.ref.key}"


def _record_document(record: CrmRecord) -> Doc:
    key = record.ref.key
    return {"id": key, "pk": key, "type": "record", **record_doc(record)}


def _child_document(contact: CrmRecord, account_id: str) -> Doc:
    sort_on = iso(contact.modified_on) if contact.modified_on else _NO_DATE
    return {
        "id": _child_id(contact),
        "pk": RecordRef("account", account_id).key,
        "type": "child",
        "sortOn": sort_on,
        **record_doc(contact),
    }


class RecordRepository:
    """``RecordStore`` over a document database: point reads and single-partition queries only."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get_record(self, ref: RecordRef) -> CrmRecord:
        """The record, or NotFoundError."""
        doc = await self._db.read_item(CONTAINER, ref.key, ref.key, "record")
        return decode_one(doc, record_from_doc, "record")

    async def find_records(self, refs: Iterable[RecordRef]) -> dict[RecordRef, CrmRecord]:
        """Concurrent point reads; references that do not exist are left out."""
        unique = sorted(set(refs))

        async def one(ref: RecordRef) -> CrmRecord | None:
            try:
                return await self.get_record(ref)
            except NotFoundError:
                return None

        found = await asyncio.gather(*(one(ref) for ref in unique))
        return {ref: rec for ref, rec in zip(unique, found, strict=True) if rec is not None}

    async def list_child_contacts(self, account_id: str, limit: int = CHILD_LIMIT) -> tuple[CrmRecord, ...]:
        """The account's contacts, most recently modified first, at most ``limit``."""
        pk = RecordRef("account", account_id).key
        query = Query({"type": "child"}, partition_key=pk, order_by="sortOn", descending=True, top=int(limit))
        docs = await self._db.query(CONTAINER, query, "record")
        return tuple(decode_all(docs, record_from_doc, "record"))

    async def upsert_record(self, record: CrmRecord) -> None:
        """Write a record (and its child projection), moving the projection if the parent changed."""
        key = record.ref.key
        previous: CrmRecord | None = None
        if record.entity_type == "contact":
            try:
                previous = await self.get_record(record.ref)
            except NotFoundError:
                previous = None
        body = _record_document(record)
        await self._db.upsert_item(CONTAINER, body, "record")
        if record.entity_type != "contact":
            return
        old_parent = previous.parent_account_id if previous else None
        if old_parent and old_parent != record.parent_account_id:
            old_pk = RecordRef("account", old_parent).key
            with contextlib.suppress(NotFoundError):
                await self._db.delete_item(CONTAINER, f"child:{key}", old_pk, "record")
        if record.parent_account_id:
            child = _child_document(record, record.parent_account_id)
            await self._db.upsert_item(CONTAINER, child, "record")

    async def upsert_records(self, records: Sequence[CrmRecord], concurrency: int = 16) -> int:
        """Write many records with bounded concurrency; returns how many were written."""
        gate = asyncio.Semaphore(concurrency)

        async def one(record: CrmRecord) -> None:
            async with gate:
                await self.upsert_record(record)

        await asyncio.gather(*(one(r) for r in records))
        return len(records)
