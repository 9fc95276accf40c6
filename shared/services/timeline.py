"""The record timeline: tracked activities plus the caller's private suggestions.

Reads run concurrently where they are independent (the mailbox side, the critical path,
does not wait for the tracked and pending reads). Suggestions are computed in memory
from the live mailbox and answered; they are never written anywhere, and only counts
and ids are logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from shared.auth.principal import Principal
from shared.exceptions import MailboxError
from shared.logging import log_event
from shared.mailbox.base import Mailbox
from shared.model import CrmRecord, MailItem, OrgSettings, RecordRef, TimelineItem, UserSettings
from shared.rules import AddressSet, ExclusionPolicy, Suggestion, build_timeline, match_items
from shared.services.addresses import resolve_addresses
from shared.services.records import readable_record
from shared.services.settings import SettingsService
from shared.store.activities import activity_id
from shared.store.base import ActivityStore, RecordStore, TrackingStore

log = logging.getLogger(__name__)
#: Seconds a timeline waits for the mailbox, retries included. Graph's ``Retry-After`` can
#: ask for minutes and the SDK's retry handler honours up to 180 s per attempt; the
#: timeline answers without suggestions (and a notice) rather than hang the page.
MAILBOX_DEADLINE = 10.0
MailboxOpener = Callable[[Principal], AbstractAsyncContextManager[Mailbox]]

NOTICES = MappingProxyType(
    {
        "ORG_DISABLED": "Auto capture is turned off for your organisation.",
        "USER_DISABLED": "You turned off 'Show email not tracked in the Activities list'.",
        "NO_SALES_ROLE": "Suggestions from your mailbox need a sales role (Sales.Person or Sales.Manager).",
        "CONDITIONAL_ACCESS": "Your organisation's sign-in policy requires you to sign in again before "
        "suggestions from your mailbox can be shown.",
        "INSUFFICIENT_PERMISSIONS": "Suggestions are missing: access to your mailbox was denied.",
        "THROTTLED": "Suggestions are missing: your mailbox is busy right now (Microsoft Graph throttling). "
        "Try again in a minute.",
        "TEMPORARY": "Suggestions are missing: your mailbox cannot be reached right now.",
        "NOT_FOUND": "Suggestions are missing: your mailbox was not found.",
        "MAILBOX_ERROR": "Suggestions are missing: your mailbox could not be read.",
        "CAPPED": "Some suggestions may be missing: your mailbox has more matching mail or meetings in "
        "these days than one timeline reads.",
    }
)
#: Reasons that leave suggestions on (the timeline is shown, with a notice).
DEGRADED = frozenset({"CAPPED"})


@dataclass(frozen=True)
class Timeline:
    record: CrmRecord
    items: list[TimelineItem]
    active: bool
    reason: str | None

    @property
    def notice(self) -> str | None:
        return NOTICES.get(self.reason) if self.reason else None


def inactive_reason(org: OrgSettings, user: UserSettings, principal: Principal) -> str | None:
    """Why suggestions are off for this caller, or None when they are on."""
    if not org.auto_capture_enabled:
        return "ORG_DISABLED"
    if not principal.has_sales_role:
        return "NO_SALES_ROLE"
    if not user.show_untracked_email:
        return "USER_DISABLED"
    return None


class TimelineService:
    def __init__(
        self,
        records: RecordStore,
        activities: ActivityStore,
        tracking: TrackingStore,
        settings: SettingsService,
        open_mailbox: MailboxOpener,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        mailbox_deadline: float = MAILBOX_DEADLINE,
    ) -> None:
        self._records = records
        self._activities = activities
        self._tracking = tracking
        self._settings = settings
        self._open_mailbox = open_mailbox
        self._clock = clock
        self._mailbox_deadline = mailbox_deadline

    async def timeline(self, principal: Principal, ref: RecordRef) -> Timeline:
        # The settings do not depend on the record: read them alongside the access check.
        record, org, user = await asyncio.gather(
            readable_record(self._records, principal, ref),
            self._settings.org(),
            self._settings.user(principal.oid),
        )
        now = self._clock()
        reason = inactive_reason(org, user, principal)
        # The mailbox side (addresses -> Graph -> claims lookup) is the critical path; the
        # record's tracked activities and the caller's pending requests are read meanwhile.
        tracked, pending, (candidates, suggestions, tracked_keys, reason) = await asyncio.gather(
            self._activities.list_for_record(ref),
            self._tracking.list_pending(principal.oid, ref),
            self._suggestions(principal, record, reason, now),
        )
        items = build_timeline(
            now,
            suggestions,
            tracked,
            pending,
            tracked_keys,
            exclusions=ExclusionPolicy.from_settings(org, user),
            record=ref,
        )
        log_event(
            log,
            "timeline.served",
            record=ref.key,
            tracked=len(tracked),
            candidates=len(candidates),
            suggestions=sum(1 for i in items if i.state == "untracked"),
            pending=len(pending),
            reason=reason,
        )
        return Timeline(record, items, active=reason is None or reason in DEGRADED, reason=reason)

    async def _suggestions(
        self, principal: Principal, record: CrmRecord, reason: str | None, now: datetime
    ) -> tuple[list[MailItem], list[Suggestion], set[str], str | None]:
        """Candidates from the mailbox, matched, and which of them are already tracked."""
        # The user's own address never matches on its own (docs/rules.md), so it is never
        # searched for either: it would bring back the whole mailbox, past the page cap.
        if reason is not None:  # suggestions are off: no address resolution, no Graph
            return [], [], set(), reason
        addresses = (await resolve_addresses(self._records, record)).without([principal.upn])
        candidates: list[MailItem] = []
        if len(addresses):
            candidates, reason = await self._candidates(principal, addresses, now)
        suggestions = match_items(candidates, addresses)
        tracked_keys = await self._tracked_keys([s.item for s in suggestions])
        return candidates, suggestions, tracked_keys, reason

    async def _candidates(
        self, principal: Principal, addresses: AddressSet, now: datetime
    ) -> tuple[list[MailItem], str | None]:
        try:
            async with asyncio.timeout(self._mailbox_deadline):
                async with self._open_mailbox(principal) as mailbox:
                    found = await mailbox.list_candidates(principal.oid, addresses.addresses(), now)
                    return found.items, "CAPPED" if found.capped else None
        except MailboxError as exc:
            log_event(log, "timeline.mailbox_unavailable", level=logging.WARNING, reason=exc.code)
            return [], exc.code
        except TimeoutError:
            log_event(
                log,
                "timeline.mailbox_unavailable",
                level=logging.WARNING,
                reason="TEMPORARY",
                deadline=self._mailbox_deadline,
            )
            return [], "TEMPORARY"

    async def _tracked_keys(self, items: list[MailItem]) -> set[str]:
        by_id = {activity_id(i.kind, i.key): i.key for i in items if i.key}
        tracked = await self._activities.tracked_ids(by_id)
        return {by_id[aid] for aid in tracked}
