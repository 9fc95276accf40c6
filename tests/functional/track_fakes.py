"""Fakes for the Track worker's functional tests: a mailbox, a queue, stores that crash."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.exceptions import MailboxItemNotFoundError
from shared.mailbox.base import Candidates
from shared.model import (
    Activity,
    Attachment,
    AttachmentFile,
    ItemKind,
    MailItem,
    MailItemDetail,
    Participant,
    TrackingRequest,
)
from shared.queue import TrackJob
from shared.store.activities import ActivityRepository
from shared.store.tracking import TrackingRepository

NOW = datetime.now(UTC).replace(microsecond=0)


class Crash(Exception):
    """The process died here."""


@dataclass
class FakeMailbox:
    """Mailboxes in memory: ``items[(owner, item_id)]``; ``errors[owner]`` raised on reads."""

    items: dict[tuple[str, str], MailItemDetail] = field(default_factory=dict)
    own: dict[str, tuple[str, ...]] = field(default_factory=dict)
    errors: dict[str, Exception] = field(default_factory=dict)
    reads: int = 0

    def add(self, owner: str, owner_address: str, key: str, sender: str, attachments: int = 0) -> MailItem:
        item = MailItem(
            id=f"g-{uuid.uuid4().hex[:12]}",
            kind="email",
            key=key,
            subject="Quote",
            preview="Here is the quote",
            sender=Participant(sender),
            to=(Participant("someone@customer.example"),),
            cc=(),
            occurred_at=NOW - timedelta(hours=1),
        )
        files = tuple(Attachment(f"f{i}.pdf", 100 + i, "application/pdf") for i in range(attachments))
        self.items[(owner, item.id)] = MailItemDetail(item, "<p>body</p>", "html", files)
        self.own[owner] = (owner_address,)
        return item

    async def list_candidates(self, owner_id: str, addresses: Sequence[str], now: datetime) -> Candidates:
        return Candidates([])

    async def get_summary(self, owner_id: str, kind: ItemKind, item_id: str) -> MailItem:
        return (await self.get_item(owner_id, kind, item_id)).item

    async def get_item(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItemDetail:
        self.reads += 1
        if owner_id in self.errors:
            raise self.errors[owner_id]
        try:
            return self.items[(owner_id, item_id)]
        except KeyError:
            raise MailboxItemNotFoundError("no such item") from None

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        return self.own.get(owner_id, ())

    async def get_attachment(
        self, owner_id: str, kind: ItemKind, item_id: str, attachment_id: str
    ) -> AttachmentFile:
        return AttachmentFile(b"%PDF-1.7 " + attachment_id.encode(), "application/pdf")

    async def aclose(self) -> None:
        return None


class CrashingActivities(ActivityRepository):
    """Dies once, right after the claim, before the activity is written."""

    crashes = 0

    async def upsert_activity(self, activity: Activity) -> None:
        if self.crashes:
            self.crashes -= 1
            raise Crash("after the claim")
        await super().upsert_activity(activity)


class CrashingTracking(TrackingRepository):
    """Dies once when marking a request ``tracked`` (after the activity is written)."""

    crashes = 0

    async def save_request(self, request: TrackingRequest) -> None:
        if self.crashes and request.state == "tracked":
            self.crashes -= 1
            raise Crash("after the activity")
        await super().save_request(request)


@dataclass
class FakeQueue:
    sent: list[TrackJob] = field(default_factory=list)
    delays: list[int] = field(default_factory=list)

    async def send(self, job: TrackJob, delay: int = 0) -> datetime | None:
        self.sent.append(job)
        self.delays.append(delay)
        return NOW + timedelta(seconds=delay)
