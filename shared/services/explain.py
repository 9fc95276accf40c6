"""Why the timeline shows what it shows: ``GET /api/timeline/{type}/{id}/explain`` and the
admin dry run ``GET /api/admin/rules/{type}/{id}``.

The explanation is the caller's own and private like suggestions: it is computed from
the live mailbox for the request, answered, never written anywhere; only counts are
logged. The decisions are the pure functions of ``shared.rules.explain``; this module
reads what they need (the record's graph with more than 50 contacts per account, the
settings, a 30-day mailbox scan, the claims and the caller's pending requests).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from shared.auth.access import require_admin
from shared.auth.principal import Principal
from shared.exceptions import NotFoundError
from shared.logging import log_event
from shared.mailbox.base import Mailbox, MailboxScan
from shared.model import CrmRecord, OrgSettings, RecordRef, UserSettings
from shared.rules import AddressSet, ExclusionPolicy, RecordGraph
from shared.rules.explain import Hidden, LeftOutRecord, address_rules, hidden_items, left_out_records
from shared.services.addresses import resolve_graph
from shared.services.caller_reads import CallerReads
from shared.services.claims import tracked_on
from shared.services.records import graph_names, graph_records
from shared.services.timeline import NOTICES, inactive_reason
from shared.store.base import CHILD_LIMIT

log = logging.getLogger(__name__)
#: Records listed in ``leftOut`` at most; as many contacts past the top 50 are read per account.
LEFT_OUT_LIMIT = 50
#: Hidden items answered at most (newest first).
HIDDEN_LIMIT = 200


@dataclass(frozen=True)
class Resolution:
    """A record's addresses and what the rules left out; ``names``: record -> shown name."""

    record: CrmRecord
    addresses: AddressSet
    left_out: list[LeftOutRecord]
    names: Mapping[RecordRef, str | None]


@dataclass(frozen=True)
class Asked:
    """The address of ``?address=``, normalized, and the rules relating it to the record."""

    address: str
    rules: tuple[str, ...]

    @property
    def related(self) -> bool:
        return bool(self.rules)


@dataclass(frozen=True)
class Explanation:
    resolution: Resolution
    org: OrgSettings
    user: UserSettings
    hidden: list[Hidden]
    reason: str | None
    asked: Asked | None

    @property
    def active(self) -> bool:
        return self.reason is None

    @property
    def notice(self) -> str | None:
        return NOTICES.get(self.reason) if self.reason else None


class ExplainService(CallerReads):
    async def dry_run(self, principal: Principal, ref: RecordRef) -> Resolution:
        """The record's address resolution for an Admin (403 otherwise), without mailbox content."""
        require_admin(principal)
        try:
            record = await self.stores.records.get_record(ref)
        except NotFoundError:
            raise NotFoundError("No such record") from None
        resolution = await self._resolve(record, names=None)
        log_event(log, "rules.dry_run", record=ref.key, **_counts(resolution))
        return resolution

    async def explain(self, principal: Principal, ref: RecordRef, address: str | None = None) -> Explanation:
        """Why the caller's timeline of ``ref`` shows what it shows (404 as the timeline)."""
        record, org, user = await self._record_and_settings(principal, ref)
        now = self.clock()
        resolution = await self._resolve(record, names=principal)
        full = resolution.addresses
        asked = Asked(*address_rules(full, address)) if address else None
        reason = inactive_reason(org, user, principal)
        hidden: list[Hidden] = []
        scanned = 0
        own = [principal.upn]
        wanted = list(full.without(own).addresses())
        if asked is not None and asked.related and asked.address not in wanted:
            wanted.append(asked.address)  # the caller's own address, asked for explicitly
        if reason is None and wanted:
            (scan, reason), pending = await asyncio.gather(
                self._scan(principal, wanted, now), self.stores.tracking.list_pending(principal.oid, ref)
            )
            scanned = len(scan.items) + len(scan.left_out)
            claims = await tracked_on(self.stores.activities, scan.items)
            hidden = hidden_items(
                now,
                ref,
                scan.items,
                full,
                own_addresses=own,
                left_out=scan.left_out,
                exclusions=ExclusionPolicy.from_settings(org, user),
                tracked_on=claims,
                pending=pending,
                involving=asked.address if asked is not None else None,
            )[:HIDDEN_LIMIT]
        log_event(
            log,
            "timeline.explained",
            record=ref.key,
            **_counts(resolution),
            scanned=scanned,
            hidden=len(hidden),
            narrowed=asked is not None,
            reason=reason,
        )
        return Explanation(resolution, org, user, hidden, reason, asked)

    async def _resolve(self, record: CrmRecord, names: Principal | None) -> Resolution:
        addresses, graph = await resolve_graph(self.stores.records, record, CHILD_LIMIT + LEFT_OUT_LIMIT)
        left_out = left_out_records(graph, addresses, LEFT_OUT_LIMIT)
        return Resolution(record, addresses, left_out, _names(graph, names))

    async def _scan(
        self, principal: Principal, wanted: list[str], now: datetime
    ) -> tuple[MailboxScan, str | None]:
        async def read(mailbox: Mailbox) -> MailboxScan:
            return await mailbox.scan_candidates(principal.oid, wanted, now)

        scan, reason, _ = await self._read_mailbox(principal, read, MailboxScan())
        return scan, reason


def _names(graph: RecordGraph, principal: Principal | None) -> dict[RecordRef, str | None]:
    """Names as ``principal`` may see them; every name for the Admin's dry run (``None``)."""
    if principal is not None:
        return graph_names(principal, graph)
    return {r.ref: r.name for r in graph_records(graph)}


def _counts(resolution: Resolution) -> dict[str, int]:
    return {"addresses": len(resolution.addresses), "leftOut": len(resolution.left_out)}


__all__ = ["Asked", "ExplainService", "Explanation", "Resolution"]
