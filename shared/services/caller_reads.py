"""What the timeline and its explanation share: reading a record, the settings and the
mailbox on behalf of the caller.

``CallerReads`` holds the stores, the settings service, the mailbox opener, the clock and
the addresses erased on request (``erased``: the timeline never suggests their mail);
``_record_and_settings`` reads the record (404 when it is not the caller's to see)
alongside the org's and the caller's settings (they do not depend on the record), and
``_read_mailbox`` reads the caller's mailbox under the request's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.auth.principal import Principal
from shared.mailbox.base import Mailbox
from shared.model import CrmRecord, OrgSettings, RecordRef, UserSettings
from shared.services.base import StoreService
from shared.services.erased import ErasedAddresses
from shared.services.mailbox_reads import MAILBOX_DEADLINE, MailboxOpener, read_mailbox
from shared.services.records import readable_record
from shared.services.settings import SettingsService


@dataclass(frozen=True)
class CallerReads(StoreService):
    """The reads of a service answering for the caller (``TimelineService``, ``ExplainService``)."""

    settings: SettingsService
    open_mailbox: MailboxOpener
    mailbox_deadline: float = MAILBOX_DEADLINE
    erased: ErasedAddresses | None = None

    async def _record_and_settings(
        self, principal: Principal, ref: RecordRef
    ) -> tuple[CrmRecord, OrgSettings, UserSettings]:
        """The record the caller may read (404 otherwise), the org's and the caller's settings."""
        return await asyncio.gather(
            readable_record(self.stores.records, principal, ref),
            self.settings.org(),
            self.settings.user(principal.oid),
        )

    async def _read_mailbox[T](
        self, principal: Principal, read: Callable[[Mailbox], Awaitable[T]], empty: T
    ) -> tuple[T, str | None, str | None]:
        """``shared.services.mailbox_reads.read_mailbox`` under this service's deadline."""
        return await read_mailbox(self.open_mailbox, principal, read, empty, self.mailbox_deadline)
