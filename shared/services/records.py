"""Reading a record (and an activity on it) on behalf of a caller: 404 when it does not
exist or is not theirs to see."""

from __future__ import annotations

from collections.abc import Iterable

from shared.auth.access import can_read_record, require_record_access
from shared.auth.principal import Principal
from shared.exceptions import NotFoundError
from shared.model import Activity, CrmRecord, RecordRef
from shared.rules import RecordGraph
from shared.store.base import RecordStore
from shared.store.stores import Stores


async def readable_record(records: RecordStore, principal: Principal, ref: RecordRef) -> CrmRecord:
    try:
        record = await records.get_record(ref)
    except NotFoundError:
        record = None
    return require_record_access(principal, record)


async def readable_activity(
    stores: Stores, principal: Principal, ref: RecordRef, activity_id: str
) -> Activity:
    """A tracked activity on a record the caller may read (NotFoundError when it is not there)."""
    await readable_record(stores.records, principal, ref)
    try:
        return await stores.activities.get_activity(ref, activity_id)
    except NotFoundError as exc:
        raise NotFoundError("no such tracked activity on this record") from exc


def visible_name(principal: Principal, record: CrmRecord) -> str | None:
    """The record's name when the caller may read it, else None (never disclosed)."""
    return record.name if can_read_record(principal, record) else None


def graph_records(graph: RecordGraph) -> list[CrmRecord]:
    """Every record of a resolution graph: its root, the records it reached, their children."""
    return [graph.root, *graph.records.values(), *(c for cs in graph.children.values() for c in cs)]


def graph_names(principal: Principal, graph: RecordGraph) -> dict[RecordRef, str | None]:
    """Every record of a resolution graph -> its name as the caller may see it."""
    return {r.ref: visible_name(principal, r) for r in graph_records(graph)}


async def readable_names(
    records: RecordStore, principal: Principal, refs: Iterable[RecordRef]
) -> dict[RecordRef, str | None]:
    """``refs`` -> their names as the caller may see them (None: missing or not readable)."""
    wanted = set(refs)
    if not wanted:
        return {}
    found = await records.find_records(wanted)
    return {ref: visible_name(principal, found[ref]) if ref in found else None for ref in wanted}
