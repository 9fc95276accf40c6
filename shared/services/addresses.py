"""Resolve a record to its address set: the rule core says what it needs, the store fetches it.

Each round fetches everything the resolver asked for concurrently (point reads and one
``TOP 50`` query per account), so the number of Cosmos requests depends on the shape of
the table (at most 2 rounds), never on how many contacts an account has.
"""

from __future__ import annotations

import asyncio

from shared.model import CrmRecord
from shared.rules import AddressSet, Needs, RecordGraph, resolve, with_fetched
from shared.rules.table import MAX_ROUNDS
from shared.store.base import CHILD_LIMIT, RecordStore


async def _fetch(records: RecordStore, graph: RecordGraph, needs: Needs, child_limit: int) -> RecordGraph:
    accounts = sorted(needs.children_of)
    # One gather: a failure of either side is propagated and the other's is still retrieved.
    found, children = await asyncio.gather(
        records.find_records(needs.records),
        asyncio.gather(*(records.list_child_contacts(a, child_limit) for a in accounts)),
    )
    by_account = dict(zip(accounts, children, strict=True))
    return with_fetched(graph, records=found, children=by_account, answered=needs)


async def resolve_addresses(records: RecordStore, root: CrmRecord) -> AddressSet:
    return (await resolve_graph(records, root))[0]


async def resolve_graph(
    records: RecordStore, root: CrmRecord, child_limit: int = CHILD_LIMIT
) -> tuple[AddressSet, RecordGraph]:
    """The address set and the graph it was resolved from. ``child_limit`` above 50 reads
    more contacts per account (the rule still counts 50; the rest are reported left out)."""
    graph = RecordGraph(root)
    for _ in range(MAX_ROUNDS):
        result = resolve(graph)
        if isinstance(result, AddressSet):
            return result, graph
        graph = await _fetch(records, graph, result, child_limit)
    final = resolve(graph)
    if not isinstance(final, AddressSet):
        raise RuntimeError("address resolution did not converge")  # a bug in the rule table
    return final, graph
