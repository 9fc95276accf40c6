"""The record timeline: tracked activities plus the caller's private suggestions.

Reads run concurrently where they are independent (the mailbox side, the critical path,
does not wait for the tracked and pending reads). Suggestions are computed in memory
from the live mailbox and answered; they are never written anywhere, and only counts
and ids are logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from shared.auth.principal import Principal
from shared.logging import log_event
from shared.mailbox.base import Candidates, Mailbox
from shared.model import CrmRecord, MailItem, OrgSettings, RecordRef, TimelineItem, UserSettings
from shared.rules import AddressSet, ExclusionPolicy, RecordGraph, Suggestion, build_timeline, match_items
from shared.services.addresses import resolve_graph
from shared.services.caller_reads import CallerReads
from shared.services.claims import tracked_on
from shared.services.mailbox_reads import MAILBOX_DEADLINE, MailboxOpener
from shared.services.records import graph_names, readable_names

__all__ = ["MAILBOX_DEADLINE", "NOTICES", "MailboxOpener", "Timeline", "TimelineService", "inactive_reason"]
log = logging.getLogger(__name__)
_NO_NAMES: Mapping[RecordRef, str | None] = MappingProxyType({})
NOTICES = MappingProxyType(
    {
        "ORG_DISABLED": "Auto capture is turned off for your organisation.",
        "USER_DISABLED": "You turned off 'Show email not tracked in the Activities list'.",
        "NO_SALES_ROLE": "Suggestions from your mailbox need a sales role (Sales.Person or Sales.Manager).",
        "CONDITIONAL_ACCESS": "Your organisation's sign-in policy requires you to sign in again before "
        "suggestions from your mailbox can be shown.",
        "BLOCKED_BY_POLICY": "Suggestions are missing: access to your mailbox is blocked by your "
        "organisation's policy. Contact your administrator.",
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
    #: The name of each record ``matchedBy`` and ``regarding`` point at, None when the
    #: caller may not read it.
    names: Mapping[RecordRef, str | None] = field(default_factory=lambda: _NO_NAMES)
    #: Entra ID's ``claims`` challenge when ``reason`` is CONDITIONAL_ACCESS (step-up sign-in).
    claims: str | None = None

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


class TimelineService(CallerReads):
    async def timeline(self, principal: Principal, ref: RecordRef) -> Timeline:
        record, org, user = await self._record_and_settings(principal, ref)
        now = self.clock()
        reason = inactive_reason(org, user, principal)
        # The mailbox side (addresses -> Graph -> claims lookup) is the critical path; the
        # record's tracked activities and the caller's pending requests are read meanwhile.
        tracked, pending, read = await asyncio.gather(
            self.stores.activities.list_for_record(ref),
            self.stores.tracking.list_pending(principal.oid, ref),
            self._suggestions(principal, record, reason, now),
        )
        candidates, suggestions, claims, reason, graph, challenge = read
        if self.erased is not None:  # mail with an address erased on request is never suggested
            suggestions = [s for s in suggestions if not self.erased.involve(org, s.item)]
        items = build_timeline(
            now,
            suggestions,
            tracked,
            pending,
            exclusions=ExclusionPolicy.from_settings(org, user),
            record=ref,
            tracked_on=claims,
        )
        names = dict(graph_names(principal, graph)) if graph is not None else {}
        elsewhere = {i.regarding for i in items if i.regarding is not None}
        names.update(await readable_names(self.stores.records, principal, elsewhere - names.keys()))
        log_event(
            log,
            "timeline.served",
            record=ref.key,
            tracked=len(tracked),
            candidates=len(candidates),
            suggestions=sum(1 for i in items if i.state == "untracked"),
            trackedElsewhere=len([i for i in items if i.regarding is not None]),
            pending=len(pending),
            reason=reason,
        )
        return Timeline(
            record,
            items,
            reason is None or reason in DEGRADED,
            reason,
            names=MappingProxyType(names),
            claims=challenge,
        )

    async def _suggestions(
        self, principal: Principal, record: CrmRecord, reason: str | None, now: datetime
    ) -> tuple[
        list[MailItem], list[Suggestion], dict[str, RecordRef], str | None, RecordGraph | None, str | None
    ]:
        """Candidates from the mailbox, matched, where those already tracked are tracked, why
        suggestions are missing, the record graph, and the claims challenge of a step-up sign-in."""
        # The user's own address never matches on its own (docs/rules.md), so it is never
        # searched for either: it would bring back the whole mailbox, past the page cap.
        if reason is not None:  # suggestions are off: no address resolution, no Graph
            return [], [], {}, reason, None, None
        addresses, graph = await resolve_graph(self.stores.records, record)
        addresses = addresses.without([principal.upn])
        candidates: list[MailItem] = []
        challenge: str | None = None
        if len(addresses):
            candidates, reason, challenge = await self._candidates(principal, addresses, now)
        suggestions = match_items(candidates, addresses)
        claims = await tracked_on(self.stores.activities, [s.item for s in suggestions])
        return candidates, suggestions, claims, reason, graph, challenge

    async def _candidates(
        self, principal: Principal, addresses: AddressSet, now: datetime
    ) -> tuple[list[MailItem], str | None, str | None]:
        wanted = addresses.addresses()

        async def read(mailbox: Mailbox) -> Candidates:
            return await mailbox.list_candidates(principal.oid, wanted, now)

        found, reason, challenge = await self._read_mailbox(principal, read, Candidates([]))
        if reason is None and found.capped:
            reason = "CAPPED"  # a cap still bit: suggestions shown, with a notice
        return found.items, reason, challenge
