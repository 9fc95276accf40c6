"""Cosmos bytes read per timeline, for records whose tracked mails have 1 KB and 3 MB bodies.

Each record gets ``MAILS`` tracked emails (with two attachment files each) copied by the
real track worker into the stores over a byte-counting database: every document (or
projection) a read returns is counted as the compact JSON Cosmos DB sends. A timeline is
then served by the real ``TimelineService`` (a caller without a sales role: no mailbox,
the same reads otherwise). The goal: the bytes read per timeline are the same within 10%
whatever the body size, because bodies and files live in blobs and the timeline reads a
projection. ``whole_documents_bytes`` is what reading whole documents would have cost.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.auth.principal import Principal
from shared.model import (
    Attachment,
    AttachmentFile,
    CrmRecord,
    ItemKind,
    MailItem,
    MailItemDetail,
    Participant,
    RecordRef,
    TrackingRequest,
)
from shared.queue import TrackJob
from shared.services.settings import SettingsService
from shared.services.timeline import TimelineService
from shared.services.track_worker import TrackingWorker
from shared.store.base import Query
from shared.store.memory import MemoryDatabase
from shared.store.stores import stores_over

MAILS = 20
BODIES = {"1 KB": 1024, "3 MB": 3 * 1024 * 1024}
GOAL_RATIO = 1.10
NOW = datetime.now(UTC)


class CountingDatabase(MemoryDatabase):
    """Counts the bytes of every document a read returns (what Cosmos DB would send)."""

    bytes_read = 0

    def _count(self, docs: Sequence[dict[str, Any]]) -> None:
        self.bytes_read += sum(len(json.dumps(d, separators=(",", ":")).encode()) for d in docs)

    async def read_item(self, container: str, item_id: str, partition_key: str, what: str) -> dict[str, Any]:
        doc = await super().read_item(container, item_id, partition_key, what)
        self._count([doc])
        return doc

    async def query(self, container: str, query: Query, what: str) -> list[dict[str, Any]]:
        docs = await super().query(container, query, what)
        self._count(docs)
        return docs


class BenchMailbox:
    def __init__(self, body_bytes: int) -> None:
        self.body = "<p>" + "x" * body_bytes + "</p>"
        self.items: dict[str, MailItemDetail] = {}

    def add(self, n: int) -> MailItem:
        tag = uuid.uuid4().hex[:10]
        item = MailItem(
            id=f"AAMk{tag}",
            kind="email",
            key=f"<{tag}@customer.example>",
            subject=f"Offer #{n}",
            preview="Please find the offer attached",
            sender=Participant("buyer@customer.example", "Buyer"),
            to=(Participant("seller@org.example", "Seller"),),
            cc=(),
            occurred_at=NOW - timedelta(minutes=n),
        )
        files = (
            Attachment("offer.pdf", 200_000, "application/pdf", source_id=f"{tag}-1"),
            Attachment("logo.png", 4_000, "image/png", source_id=f"{tag}-2", is_inline=True),
        )
        self.items[item.id] = MailItemDetail(item, self.body, "html", files)
        return item

    async def get_item(self, owner_id: str, kind: ItemKind, item_id: str, **_: Any) -> MailItemDetail:
        return self.items[item_id]

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        return ("seller@org.example",)

    async def get_attachment(self, owner_id: str, kind: ItemKind, item: str, att: str) -> AttachmentFile:
        return AttachmentFile(b"%" * 1000, "application/octet-stream", att)


class NoRetries:
    """The worker's queue: the bench mailbox never throttles, so no job is queued again."""

    async def send(self, job: TrackJob, delay: int = 0) -> datetime | None:
        raise AssertionError("the bench mailbox never asks for a retry")


async def _measure(label: str, body_bytes: int) -> dict[str, Any]:
    database = CountingDatabase()
    stores = stores_over(database)
    ref = RecordRef("account", f"a-{label.replace(' ', '').lower()}")
    record = CrmRecord(ref.entity_type, ref.id, label, ("x@customer.example",), owner_id="u-reader")
    await stores.records.upsert_record(record)
    mailbox = BenchMailbox(body_bytes)
    worker = TrackingWorker(stores, mailbox, NoRetries())
    for n in range(MAILS):
        item = mailbox.add(n)
        request = TrackingRequest(
            f"trk-{uuid.uuid4().hex[:16]}",
            "u-seller",
            item.id,
            "email",
            ref,
            "pending",
            NOW,
            NOW,
            item.key,
            item,
        )
        await stores.tracking.create_request(request)
        await worker.process(TrackJob.for_request(request).encode(), 1)

    @asynccontextmanager
    async def no_mailbox(_: Principal) -> AsyncIterator[Any]:
        raise AssertionError("no mailbox without a sales role")
        yield

    timelines = TimelineService(stores, SettingsService(stores.settings), no_mailbox)
    caller = Principal("u-reader", "reader@org.example", "Reader", "t")  # the owner, no sales role
    database.bytes_read = 0
    timeline = await timelines.timeline(caller, ref)
    per_timeline = database.bytes_read
    whole = await database.query(
        "activities", Query({"type": "activity"}, partition_key=f"record:{ref.key}"), "activity"
    )
    return {
        "body": label,
        "tracked": sum(1 for i in timeline.items if i.state == "tracked"),
        "cosmos_bytes_per_timeline": per_timeline,
        "whole_documents_bytes": sum(len(json.dumps(d, separators=(",", ":")).encode()) for d in whole),
    }


async def _run() -> dict[str, Any]:
    results = [await _measure(label, size) for label, size in BODIES.items()]
    small, large = (r["cosmos_bytes_per_timeline"] for r in results)
    ratio = large / small if small else float("inf")
    return {
        "mails_per_record": MAILS,
        "results": results,
        "ratio": round(ratio, 3),
        "met": ratio <= GOAL_RATIO,
    }


def run() -> dict[str, Any]:
    return asyncio.run(_run())


def lines(report: dict[str, Any] | None) -> list[str]:
    if not report or "results" not in report:
        return ["Content: not measured"]
    out = [f"Cosmos bytes read per timeline ({report['mails_per_record']} tracked mails per record)"]
    for r in report["results"]:
        out.append(
            f"  {r['body']:>5} bodies: {r['cosmos_bytes_per_timeline']:>9,} B per timeline"
            f" (whole documents would be {r['whole_documents_bytes']:,} B)"
        )
    return out


if __name__ == "__main__":
    print("\n".join(lines(run())))
