"""The explain tests' world, in process: the stores over ``MemoryDatabase``, a fake mailbox
implementing ``shared.mailbox.base.Mailbox`` (including the mailbox side's ``left_out``
seam), and an account whose fixture items each stand for one reason.

Alice (Sales.Person, team t-east) owns the ``acme`` account; mail in her mailbox is
named by tag: subject ``"<tag> subject"``, key ``<tag@mail>``, Graph id ``g-<tag>``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.auth.principal import Principal
from shared.mailbox.base import Candidates, Mailbox, MailboxScan
from shared.model import (
    Activity,
    CrmRecord,
    ItemKind,
    MailItem,
    MailItemDetail,
    OrgSettings,
    Participant,
    RecordRef,
    TrackingRequest,
    UserSettings,
)
from shared.rules.explain import MailboxReason
from shared.rules.identity import claim_key
from shared.rules.windows import EMAIL_WINDOW, EXPLAIN_LOOKBACK, MEETING_WINDOW
from shared.services.explain import ExplainService
from shared.services.settings import SettingsService
from shared.services.timeline import TimelineService
from shared.store.base import Claim
from shared.store.stores import Stores, memory_stores
from tests.builders import tracked_copy

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
ALICE = Principal(
    "oid-alice", "alice@corp.example", "Alice", "tid", frozenset({"Sales.Person"}), frozenset({"t-east"})
)
BOB = Principal(
    "oid-bob", "bob@corp.example", "Bob", "tid", frozenset({"Sales.Person"}), frozenset({"t-west"})
)
ADMIN = Principal("oid-carol", "carol@corp.example", "Carol", "tid", frozenset({"AutoCapture.Admin"}))
MANAGER = Principal("oid-mgr", "mgr@corp.example", "Meg", "tid", frozenset({"Sales.Manager"}))

ACME = RecordRef("account", "acme")
JANE = "jane@acme.example"
SALES_ALIAS = "sales@corp.example"  # an account address in the org's own domain
STRANGER = "stranger@else.example"
ACCOUNT_CONTACTS = 51  # the 51st most recently modified does not count
#: Items of the 30-day scan that the timeline shows (untracked, pending, tracked, tracked elsewhere).
BULK = 52  # recent emails from Jane: with "recent", 53 suggestions, 3 over the cap of 50


def contact_id(n: int) -> str:
    return f"c{n:02d}"


def records() -> list[CrmRecord]:
    own = {"owner_id": ALICE.oid, "team_ids": ("t-east",)}
    out = [
        # the account lists the seller's own address too (an import mistake OWN_ADDRESS_ONLY explains)
        CrmRecord(
            "account",
            "acme",
            "Acme",
            ("info@acme.example", SALES_ALIAS, ALICE.upn),
            primary_contact_id="jane",
            **own,
        ),
        CrmRecord("contact", "jane", "Jane Doe", (JANE,), **own),
        CrmRecord("project", "p-readable", "Northwind rollout", custom=True, **own),
        CrmRecord("project", "p-hidden", "Secret merger", custom=True, owner_id="someone", team_ids=("t-x",)),
        CrmRecord(
            "account", "other", "Other Ltd", ("info@other.example",), owner_id="someone", team_ids=("t-x",)
        ),
    ]
    for n in range(ACCOUNT_CONTACTS):
        owner = {"owner_id": "someone", "team_ids": ()} if n == 0 else own
        out.append(
            CrmRecord(
                "contact",
                contact_id(n),
                f"Contact {n:02d}",
                (f"{contact_id(n)}@acme.example",),
                parent_account_id="acme",
                modified_on=NOW - n * H,
                **owner,  # type: ignore[arg-type]
            )
        )
    return out


def mail(
    tag: str, at: datetime, sender: str, *others: str, kind: ItemKind = "email", subject: str | None = None
) -> MailItem:
    return MailItem(
        id=f"g-{tag}",
        kind=kind,
        key=f"<{tag}@mail>",
        subject=subject or f"{tag} subject",
        preview=f"{tag} preview",
        sender=Participant(sender, sender.split("@", maxsplit=1)[0].title()),
        to=(Participant(ALICE.upn, "Alice"),),
        cc=tuple(Participant(a) for a in others),
        occurred_at=at,
    )


#: tag -> the reason it is hidden (None: the timeline shows it).
EXPECTED: dict[str, str | None] = {
    "recent": None,
    "tracked-here": None,
    "elsewhere-readable": None,
    "elsewhere-hidden": None,
    "pending": None,
    "old": "OUTSIDE_WINDOW",
    "old-meeting": "OUTSIDE_WINDOW",
    "org-excluded": "EXCLUDED_ORG",
    "user-excluded": "EXCLUDED_USER",
    "internal": "INTERNAL_ONLY",
    "in-folder": "FOLDER",
    "draft": "DRAFT",
    "cancelled": "CANCELLED",
    "private": "PRIVATE",
    "declined": "DECLINED",
    **{f"bulk-{n:02d}": ("OVER_CAP" if n >= BULK - 3 else None) for n in range(BULK)},
}


def alice_items() -> tuple[list[MailItem], list[tuple[MailItem, MailboxReason]]]:
    """Alice's mailbox: what it offers, and what its own filtering leaves out (with why)."""
    offered = [
        mail("recent", NOW - 1 * H, JANE),
        mail("tracked-here", NOW - 2 * H, JANE),
        mail("elsewhere-readable", NOW - 3 * H, JANE),
        mail("elsewhere-hidden", NOW - 4 * H, JANE, subject="My copy of the merger mail"),
        mail("pending", NOW - 5 * H, JANE),
        mail("old", NOW - 10 * D, JANE),
        mail("old-meeting", NOW - 12 * D, JANE, kind="meeting"),
        mail("too-old", NOW - 40 * D, JANE),  # beyond the 30-day look-back: never read
        mail("org-excluded", NOW - 6 * H, JANE, "news@spam.example"),
        mail("user-excluded", NOW - 7 * H, JANE, "pat@other.example"),
        mail("internal", NOW - 8 * H, SALES_ALIAS),
        mail("own-only", NOW - 9 * H, ALICE.upn, kind="meeting"),
        mail("unrelated", NOW - 1 * H, STRANGER),
        *(mail(f"bulk-{n:02d}", NOW - 10 * H - n * timedelta(minutes=10), JANE) for n in range(BULK)),
    ]
    left_out: list[tuple[MailItem, MailboxReason]] = [
        (mail("in-folder", NOW - 2 * H, JANE), "FOLDER"),
        (mail("draft", NOW - 3 * H, JANE), "DRAFT"),
        (mail("cancelled", NOW - 1 * D, JANE, kind="meeting"), "CANCELLED"),
        (mail("private", NOW - 2 * D, JANE, kind="meeting"), "PRIVATE"),
        (mail("declined", NOW - 1 * D, JANE, kind="meeting"), "DECLINED"),
    ]
    return offered, left_out


def _involves(item: MailItem, addresses: Sequence[str]) -> bool:
    wanted = {a.lower() for a in addresses}
    return any(p.address.lower() in wanted for p in item.participants())


@dataclass
class FakeMailbox:
    """``Mailbox`` over in-memory items of one owner; windows as Graph's queries apply them."""

    offered: list[MailItem] = field(default_factory=list)
    left_out: list[tuple[MailItem, MailboxReason]] = field(default_factory=list)
    scans: list[tuple[str, ...]] = field(default_factory=list)

    def _read(
        self, addresses: Sequence[str], now: datetime, since: datetime, meetings: datetime
    ) -> list[MailItem]:
        return [
            i
            for i in self.offered
            if _involves(i, addresses)
            and (since if i.kind == "email" else meetings) <= i.occurred_at <= now + MEETING_WINDOW
        ]

    async def list_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> Candidates:
        return Candidates(self._read(addresses, now, now - EMAIL_WINDOW, now - MEETING_WINDOW))

    async def scan_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> MailboxScan:
        self.scans.append(tuple(addresses))
        since = now - EXPLAIN_LOOKBACK
        left = tuple((i, r) for i, r in self.left_out if _involves(i, addresses) and i.occurred_at >= since)
        return MailboxScan(tuple(self._read(addresses, now, since, since)), left)

    async def get_summary(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItem:
        return next(i for i in self.offered if i.id == item_id)

    async def get_item(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItemDetail:
        return MailItemDetail(await self.get_summary(owner_id, kind, item_id), "", "text")

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        return (ALICE.upn,)

    async def aclose(self) -> None:
        return None


@dataclass
class ExplainWorld:
    stores: Stores
    mailbox: FakeMailbox
    timelines: TimelineService
    explainer: ExplainService


def _activity(item: MailItem, regarding: RecordRef, subject: str) -> Activity:
    return tracked_copy(
        item, regarding, "oid-bob", NOW, subject=subject, preview=f"{subject} (stored preview)"
    )


async def _track(stores: Stores, item: MailItem, regarding: RecordRef, subject: str) -> None:
    aid = claim_key(item)
    await stores.activities.claim(Claim(aid, regarding, "oid-bob", f"trk-{aid[:8]}"))
    await stores.activities.upsert_activity(_activity(item, regarding, subject))


async def build_world(org: OrgSettings | None = None, user: UserSettings | None = None) -> ExplainWorld:
    stores = memory_stores()
    await stores.records.upsert_records(records())
    await stores.settings.save_org(
        org
        or OrgSettings(
            excluded=("@spam.example",), hide_internal_only=True, internal_domains=("corp.example",)
        )
    )
    await stores.settings.save_user(ALICE.oid, user or UserSettings(excluded=("pat@other.example",)))
    offered, left_out = alice_items()
    by_tag = {i.id.removeprefix("g-"): i for i in offered}
    await _track(stores, by_tag["tracked-here"], ACME, "tracked-here subject")
    await _track(stores, by_tag["elsewhere-readable"], RecordRef("project", "p-readable"), "stored subject")
    await _track(
        stores, by_tag["elsewhere-hidden"], RecordRef("project", "p-hidden"), "Merger: stored subject"
    )
    item = by_tag["pending"]
    await stores.tracking.create_request(
        TrackingRequest("trk-pending", ALICE.oid, item.id, "email", ACME, "pending", NOW, NOW, item.key, item)
    )
    mailbox = FakeMailbox(offered, left_out)

    @asynccontextmanager
    async def open_mailbox(_: Principal) -> AsyncIterator[Mailbox]:
        yield mailbox

    settings = SettingsService(stores.settings, 0)
    parts = (stores, settings, open_mailbox)
    clock = lambda: NOW  # noqa: E731
    return ExplainWorld(
        stores, mailbox, TimelineService(*parts, clock=clock), ExplainService(*parts, clock=clock)
    )
