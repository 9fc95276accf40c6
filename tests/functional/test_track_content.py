"""Content in process: the document split, the timeline's projection, a store refusal that
fails at once and leaves no claim, untrack removing the blobs, what is not copied and why."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from functions.activities import content_disposition
from shared.exceptions import ItemTooLargeError, MailboxItemNotFoundError
from shared.model import (
    Attachment,
    AttachmentFile,
    ItemKind,
    MailItem,
    MailItemDetail,
    RecordRef,
    TrackingRequest,
)
from shared.queue import TrackJob
from shared.rules.content import (
    BODY_INLINE_BYTES,
    DOCUMENT_BUDGET_BYTES,
    MAX_ATTACHMENT_BYTES,
    REASON_ITEM,
    REASON_REFERENCE,
    REASON_TOO_LARGE,
)
from shared.rules.identity import claim_key
from shared.rules.track import new_request
from shared.sanitize import sanitize_html
from shared.services.track_worker import TrackingWorker
from shared.store.base import Query
from shared.store.blobs import MemoryBlobStore
from shared.store.memory import MemoryDatabase
from shared.store.stores import Stores, memory_stores, stores_over
from tests.builders import mail_item
from tests.functional.track_fakes import NOW, FakeQueue


@dataclass
class Mailbox:
    """One owner's items and files, in memory."""

    items: dict[str, MailItemDetail] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, body: str, attachments: Sequence[Attachment] = (), subject: str = "Quote") -> MailItem:
        tag = uuid.uuid4().hex[:10]
        item = mail_item(
            f"AAMk{tag}",
            NOW - timedelta(hours=1),
            key=f"<{tag}@customer.example>",
            subject=subject,
            preview="preview",
            sender="buyer@customer.example",
            to=("me@org.example",),
        )
        self.items[item.id] = MailItemDetail(item, body, "html", tuple(attachments))
        return item

    async def get_item(self, owner_id: str, kind: ItemKind, item_id: str, **_: Any) -> MailItemDetail:
        return self.items[item_id]

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        return ("me@org.example",)

    async def get_attachment(
        self, owner_id: str, kind: ItemKind, item_id: str, att_id: str
    ) -> AttachmentFile:
        if att_id not in self.files:
            raise MailboxItemNotFoundError("gone")
        return AttachmentFile(self.files[att_id], "application/octet-stream", "cid-" + att_id)


class RefusingDatabase(MemoryDatabase):
    """Cosmos DB answering 413 to activity writes while ``refusing`` (as the backend translates it)."""

    refusing = True

    async def upsert_item(self, container: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        if self.refusing and what == "activity":
            raise ItemTooLargeError("activity is too large for the data store")
        return await super().upsert_item(container, body, what)


def _worker(stores: Stores, mailbox: Any) -> TrackingWorker:
    return TrackingWorker(stores, mailbox, FakeQueue())


async def _pending(stores: Stores, item: MailItem, ref: RecordRef) -> TrackingRequest:
    request = new_request("u-1", item, "email", ref, NOW)
    await stores.tracking.create_request(request)
    return request


def _job(request: TrackingRequest) -> bytes:
    return TrackJob.for_request(request).encode()


def _file(name: str, source: str, size: int, **extra: Any) -> Attachment:
    return Attachment(name, size, "application/pdf", source_id=source, **extra)


async def test_a_large_body_and_every_file_go_to_blobs_and_the_document_stays_small():
    blobs, mailbox = MemoryBlobStore(), Mailbox()
    stores = memory_stores(blobs=blobs)
    mailbox.files = {"g1": b"%PDF" * 1000, "g2": b"img"}
    body = "<p>" + "é" * (2 * 1024 * 1024) + "</p>"
    item = mailbox.add(body, [_file("a.pdf", "g1", 4000), _file("i.png", "g2", 3, is_inline=True)])
    ref = RecordRef("account", "a1")
    request = await _pending(stores, item, ref)

    assert await _worker(stores, mailbox).process(_job(request), 1) == "tracked"

    aid = claim_key(item)
    activity = await stores.activities.get_activity(ref, aid)
    assert activity.body_blob is not None and activity.body == ""
    assert await stores.activities.get_body(activity) == body
    [doc] = await stores.database.query("activities", Query({"id": aid, "type": "activity"}), "activity")
    assert len(json.dumps(doc, separators=(",", ":")).encode()) < DOCUMENT_BUDGET_BYTES
    assert [a.stored for a in activity.attachments] == [True, True]
    for a in activity.attachments:
        assert await stores.activities.get_attachment(aid, a.id) == mailbox.files[a.source_id]
    assert activity.attachments[1].content_id == "cid-g2"

    await stores.activities.delete_activity(ref, aid)  # untrack
    assert blobs.blobs == {}


async def test_a_small_body_stays_in_the_document_and_the_timeline_never_reads_it():
    stores, mailbox = memory_stores(), Mailbox()
    small, large = "<p>" + "x" * 900 + "</p>", "<p>" + "y" * (BODY_INLINE_BYTES * 4) + "</p>"
    ref = RecordRef("account", "a2")
    for body in (small, large):
        request = await _pending(stores, mailbox.add(body), ref)
        await _worker(stores, mailbox).process(_job(request), 1)

    [one, two] = await stores.activities.list_for_record(ref)
    assert one.body == two.body == "" and one.body_blob is None  # a projection: no body at all
    bodies = {
        await stores.activities.get_body(await stores.activities.get_activity(ref, a.id)) for a in (one, two)
    }
    assert bodies == {small, large}


async def test_a_store_refusal_fails_at_once_leaves_no_claim_and_the_item_can_be_tracked_again():
    database, mailbox = RefusingDatabase(), Mailbox()
    blobs = MemoryBlobStore()
    stores = stores_over(database, blobs)
    mailbox.files = {"g1": b"pdf"}
    item = mailbox.add("<p>hi</p>", [_file("a.pdf", "g1", 3)])
    ref = RecordRef("account", "a3")
    request = await _pending(stores, item, ref)
    worker = _worker(stores, mailbox)

    assert await worker.process(_job(request), 1) == "failed"  # no raise: nothing to retry

    failed = await stores.tracking.get_request("u-1", request.id)
    assert failed.state == "failed" and (failed.error or "").startswith("TOO_LARGE")
    aid = claim_key(item)
    assert set(await stores.activities.tracked_regarding([aid])) == set()  # offered for tracking again
    assert blobs.blobs == {}  # the file copied before the refusal is gone too

    database.refusing = False
    again = await _pending(stores, mailbox.add("<p>again</p>"), ref)
    assert await worker.process(_job(again), 1) == "tracked"


async def test_what_is_not_copied_is_listed_with_why():
    stores, mailbox = memory_stores(), Mailbox()
    attachments = [
        _file("mail.eml", "g1", 10, kind="item"),
        _file("link", "g2", 0, kind="reference"),
        _file("huge.iso", "g3", MAX_ATTACHMENT_BYTES + 1),
        _file("gone.pdf", "g4", 10),
    ]
    item = mailbox.add("<p>x</p>", attachments)
    ref = RecordRef("account", "a4")
    request = await _pending(stores, item, ref)
    await _worker(stores, mailbox).process(_job(request), 1)

    activity = await stores.activities.get_activity(ref, claim_key(item))
    reasons = {a.name: (a.stored, a.reason) for a in activity.attachments}
    assert reasons["mail.eml"] == (False, REASON_ITEM)
    assert reasons["link"] == (False, REASON_REFERENCE)
    assert reasons["huge.iso"] == (False, REASON_TOO_LARGE)
    assert reasons["gone.pdf"][0] is False and "could not be read" in (reasons["gone.pdf"][1] or "")


def test_script_in_a_body_does_not_survive_sanitizing():
    dirty = (
        '<p onclick="steal()">hi<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><iframe src="https://evil.example"></iframe>'
        '<svg onload="alert(4)"></svg><img src="cid:logo@x"></p>'
    )
    clean = sanitize_html(dirty)
    for bad in ("<script", "onclick", "onerror", "javascript:", "<iframe", "<svg", "onload"):
        assert bad not in clean
    assert 'src="cid:logo@x"' in clean


def test_a_download_name_cannot_break_the_header():
    header = content_disposition('evil"; filename=x.html\r\nSet-Cookie: a=b.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="evil_')
