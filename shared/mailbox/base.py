"""The mailbox boundary: what the services need from a user's Exchange mailbox.

Implementations translate every SDK or transport failure into ``shared.exceptions``
``Mailbox...Error`` types; nothing above this protocol sees an SDK exception.

``own_addresses`` are the mailbox owner's addresses (``get_own_addresses``): a message
sent from one of them is dated by its sent time, any other by its received time. They
are always the caller's to pass, so an item reads the same whatever ran before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from shared.mailbox.correspondence import LeftOut
from shared.model import AttachmentFile, ItemKind, MailItem, MailItemDetail
from shared.rules.explain import MailboxReason
from shared.rules.windows import EMAIL_WINDOW, EXPLAIN_LOOKBACK, MEETING_WINDOW

__all__ = ["EMAIL_WINDOW", "EXPLAIN_LOOKBACK", "MEETING_WINDOW", "Candidates", "Mailbox", "MailboxScan"]


@dataclass(frozen=True)
class Candidates:
    """What ``list_candidates`` found: the correspondence to match (newest first), the
    items that involve the addresses but are left out, with why
    (``shared.mailbox.correspondence``), and the queries whose cap still bit after
    splitting (``"messages"``, ``"calendarView"``): older items may be missing."""

    items: list[MailItem]
    left_out: tuple[LeftOut, ...] = ()
    capped: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailboxScan:
    """What ``scan_candidates`` read (30 days back, for an explanation): the items the
    rules judge, and the ones the mailbox side left out itself, each ``(item, reason)``
    with a reason of ``shared.rules.explain.MailboxReason`` (``FOLDER``, ``DRAFT``,
    ``CANCELLED``, ``PRIVATE``, ``DECLINED``). Private like suggestions: answered, never
    stored or logged.
    """

    items: tuple[MailItem, ...] = ()
    left_out: tuple[tuple[MailItem, MailboxReason], ...] = ()


@runtime_checkable
class Mailbox(Protocol):
    """Read access to one or more users' mail and calendar (Microsoft Graph or a fake)."""

    async def list_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> Candidates:
        """Emails of the last 3 days and meetings starting within [now-3d, now+3d] that
        involve at least one of ``addresses`` (From/To/CC, organizer/attendees) and are
        correspondence (not a draft, junk, chat, cancelled or private meeting, …).

        May over-fetch slightly (the rule engine matches exactly); newest first.
        An empty ``addresses`` gives no candidates without a request.
        """
        ...

    async def scan_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> MailboxScan:
        """As ``list_candidates``, but looking back :data:`EXPLAIN_LOOKBACK` (30 days) for
        emails and meetings alike, and reporting what the mailbox side left out
        (``GET .../explain``: why an item is not on the timeline)."""
        ...

    async def get_summary(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItem:
        """The item's summary; proves it is in ``owner_id``'s mailbox.

        Raises ``MailboxItemNotFoundError`` when it is not.
        """
        ...

    async def get_item(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItemDetail:
        """The full item: body, attachment metadata (files: ``get_attachment``), meeting end, location."""
        ...

    async def get_attachment(
        self, owner_id: str, kind: ItemKind, item_id: str, attachment_id: str
    ) -> AttachmentFile:
        """A file attachment's content (``attachment_id`` is Graph's); MailboxItemNotFoundError
        when it is gone or is not a file."""
        ...

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        """The mailbox owner's own addresses (mail, UPN, SMTP proxy addresses), normalized."""
        ...

    async def aclose(self) -> None:
        """Release what this mailbox alone owns (a delegated mailbox: its user's credential);
        the connector's HTTP client and app credentials stay open."""
        ...
