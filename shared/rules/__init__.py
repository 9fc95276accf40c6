"""The rule core: which addresses belong to a record, which mail matches, what the timeline shows.

Pure Python over :mod:`shared.model`: no I/O, no SDK imports (a unit test enforces it).
See docs/rules.md for the rule table and the names a suggestion reports.

Typical use by the timeline service::

    graph = RecordGraph(root)
    while isinstance(result := resolve(graph), Needs):     # at most MAX_ROUNDS - 1 times
        graph = with_fetched(graph, records=..., children=..., answered=result)
    addresses = result
    suggestions = match_items(mail_items, addresses, own_addresses)
    items = build_timeline(now, suggestions, tracked, pending, tracked_keys, exclusions=policy)
"""

from __future__ import annotations

from shared.rules import names
from shared.rules.addresses import AddressSet, AddressSetBuilder, AddressSource
from shared.rules.exclusions import (
    MAX_ENTRY_LENGTH,
    ExclusionList,
    ExclusionPolicy,
    internal_domains_of,
    is_excluded,
    is_internal_only,
    validate_exclusion_entry,
)
from shared.rules.graph import ACCOUNT_CONTACT_LIMIT, Needs, RecordGraph, with_fetched
from shared.rules.identity import claim_key, item_key, suggestion_status, visible_activity
from shared.rules.matching import Suggestion, match_items
from shared.rules.table import MAX_ROUNDS, resolve
from shared.rules.timeline import (
    SUGGESTION_CAP,
    build_timeline,
    newest_first,
    pending_item,
    select_suggestions,
    tracked_item,
    untracked_item,
)
from shared.rules.windows import EMAIL_CLOCK_SKEW, EMAIL_WINDOW, MEETING_WINDOW, in_window, window_bounds

__all__ = [
    "ACCOUNT_CONTACT_LIMIT",
    "EMAIL_CLOCK_SKEW",
    "EMAIL_WINDOW",
    "MAX_ENTRY_LENGTH",
    "MAX_ROUNDS",
    "MEETING_WINDOW",
    "SUGGESTION_CAP",
    "AddressSet",
    "AddressSetBuilder",
    "AddressSource",
    "ExclusionList",
    "ExclusionPolicy",
    "Needs",
    "RecordGraph",
    "Suggestion",
    "build_timeline",
    "claim_key",
    "in_window",
    "internal_domains_of",
    "is_excluded",
    "is_internal_only",
    "item_key",
    "match_items",
    "names",
    "newest_first",
    "pending_item",
    "resolve",
    "select_suggestions",
    "suggestion_status",
    "tracked_item",
    "untracked_item",
    "validate_exclusion_entry",
    "visible_activity",
    "window_bounds",
    "with_fetched",
]
