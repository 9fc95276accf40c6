"""The explanation and the admin dry run -> their response models (docs/api.md)."""

from __future__ import annotations

from shared.api import schemas as s
from shared.api.serialize import Names, record_label
from shared.rules import AddressSet
from shared.rules.explain import LeftOutRecord
from shared.services.explain import Explanation, Resolution
from shared.store.codec import iso


def _record(resolution: Resolution) -> s.TimelineRecord:
    record = resolution.record
    return s.TimelineRecord(entityType=record.entity_type, id=record.id, name=record.name)


def resolved_addresses(addresses: AddressSet, names: Names) -> list[s.ResolvedAddress]:
    out = []
    for address, sources in addresses.sources.items():
        records = list(dict.fromkeys(src.source for src in sources))
        out.append(
            s.ResolvedAddress(
                address=address,
                rules=list(addresses.rules_for(address)),
                from_=[record_label(ref, names) for ref in records],
            )
        )
    return out


def left_out(records: list[LeftOutRecord], names: Names) -> list[s.LeftOutRecordBody]:
    return [
        s.LeftOutRecordBody(entityType=r.ref.entity_type, id=r.ref.id, name=names.get(r.ref), reason=r.reason)
        for r in records
    ]


def dry_run(resolution: Resolution) -> s.RulesDryRunResponse:
    return s.RulesDryRunResponse(
        record=_record(resolution),
        addresses=resolved_addresses(resolution.addresses, resolution.names),
        leftOut=left_out(resolution.left_out, resolution.names),
    )


def explanation(answer: Explanation) -> s.ExplainResponse:
    resolution = answer.resolution
    body = s.ExplainResponse(
        record=_record(resolution),
        addresses=resolved_addresses(resolution.addresses, resolution.names),
        leftOut=left_out(resolution.left_out, resolution.names),
        exclusions=s.ExclusionsBody(
            org=list(answer.org.excluded),
            user=list(answer.user.excluded),
            internalOnly=answer.org.hide_internal_only,
        ),
        hidden=[
            s.HiddenItemBody(
                id=h.item.id,
                kind=h.item.kind,
                subject=h.item.subject,
                occurredAt=iso(h.item.occurred_at),
                reason=h.reason,
            )
            for h in answer.hidden
        ],
        autoCapture=s.AutoCaptureStatus(active=answer.active, notice=answer.notice, reason=answer.reason),
    )
    if answer.asked is not None:
        asked = answer.asked
        body.address = s.AskedAddress(address=asked.address, related=asked.related, rules=list(asked.rules))
    return body
