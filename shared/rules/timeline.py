"""Merge tracked activities, pending Track requests and fresh suggestions into one timeline.

Identity of an item across mailboxes and the store is its ``item_key``
(``shared.rules.identity``): the hash of its ``internetMessageId`` / ``iCalUId`` with
its sender, sent time (a meeting's start) and subject; a tracked activity's id is that
hash. A different mail carrying the same Message-ID is another item: it is neither
hidden by the other's activity nor merged with it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from types import MappingProxyType

from shared.model import Activity, MailItem, RecordRef, TimelineItem, TrackingRequest, envelope
from shared.rules.exclusions import ExclusionPolicy
from shared.rules.identity import item_key
from shared.rules.matching import Suggestion
from shared.rules.windows import in_window

#: Untracked suggestions shown per timeline request at most (docs/design.md).
SUGGESTION_CAP = 50
#: Why a matched item is not a suggestion (:func:`dropped_because`); TRACKED items show as tracked.
OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
TRACKED = "TRACKED"
_NOWHERE: Mapping[str, RecordRef] = MappingProxyType({})


def newest_first(items: Iterable[TimelineItem]) -> list[TimelineItem]:
    """Sorted by ``occurred_at`` newest first; ties by ``id`` ascending (deterministic)."""
    ordered = sorted(items, key=lambda i: i.id)
    ordered.sort(key=lambda i: i.occurred_at, reverse=True)
    return ordered


def tracked_item(activity: Activity) -> TimelineItem:
    """A tracked activity's tile: direction and attachments, no reasons."""
    return TimelineItem(
        id=activity.id,
        **envelope(activity),
        state="tracked",
        direction=activity.direction,
        attachments=activity.attachments,
    )


def _mail_tile(item: MailItem, suggestion: Suggestion | None, tracking_id: str | None) -> TimelineItem:
    return TimelineItem(
        id=item.id,
        **envelope(item),
        state="pending" if tracking_id else "untracked",
        matched_by=suggestion.matched_by if suggestion is not None and not tracking_id else (),
        tracking_id=tracking_id,
    )


def tracked_elsewhere_item(item: MailItem, regarding: RecordRef) -> TimelineItem:
    """The caller's own mailbox copy of an item tracked on another record: no reasons, no Track."""
    return TimelineItem(
        id=item.id,
        **envelope(item),
        state="tracked",
        regarding=regarding,
    )


def untracked_item(suggestion: Suggestion) -> TimelineItem:
    """A suggestion's tile: private, with its reasons; no direction or attachments."""
    return _mail_tile(suggestion.item, suggestion, None)


def pending_item(item: MailItem, request: TrackingRequest) -> TimelineItem:
    """A tile for an item whose Track request is still in flight."""
    return _mail_tile(item, None, request.id)


def dropped_because(
    now: datetime, item: MailItem, exclusions: ExclusionPolicy | None, *, tracked: bool = False
) -> str | None:
    """Why a matched item is not a suggestion, first reason first, or None when it is one:
    ``OUTSIDE_WINDOW``, ``TRACKED`` (``tracked``: its identity is tracked), then the
    policy's reason (``EXCLUDED_ORG``, ``EXCLUDED_USER``, ``INTERNAL_ONLY``)."""
    if not in_window(item, now):
        return OUTSIDE_WINDOW
    if tracked:
        return TRACKED
    return exclusions.reason(item) if exclusions is not None else None


def select_suggestions(
    now: datetime,
    suggestions: Iterable[Suggestion],
    tracked_keys: Collection[str] = (),
    exclusions: ExclusionPolicy | None = None,
) -> list[Suggestion]:
    """Suggestions in their window, not excluded, not tracked anywhere, one per key, newest first."""
    tracked = tracked_keys if isinstance(tracked_keys, set | frozenset) else set(tracked_keys)
    kept = [
        s for s in suggestions if dropped_because(now, s.item, exclusions, tracked=s.key in tracked) is None
    ]
    return unique_newest_first(kept, lambda s: s.item, lambda s: s.key)


def unique_newest_first[T](
    things: Iterable[T], item: Callable[[T], MailItem], identity: Callable[[T], str]
) -> list[T]:
    """``things`` by their mailbox ``item``: newest first (ties by Graph id), the first of
    each ``identity`` (the item's ``item_key``) only."""
    ordered = sorted(things, key=lambda t: item(t).id)
    ordered.sort(key=lambda t: item(t).occurred_at, reverse=True)
    unique: dict[str, T] = {}
    for thing in ordered:
        unique.setdefault(identity(thing), thing)
    return list(unique.values())


def _tracked_elsewhere(
    now: datetime,
    suggestions: Iterable[Suggestion],
    tracked_on: Mapping[str, RecordRef],
    record: RecordRef | None,
) -> list[tuple[str, TimelineItem]]:
    """(key, tile) for matched items in their window whose key is tracked on another record."""
    elsewhere = [
        s
        for s in suggestions
        if in_window(s.item, now) and (regarding := tracked_on.get(s.key)) is not None and regarding != record
    ]
    return [
        (s.key, tracked_elsewhere_item(s.item, tracked_on[s.key]))
        for s in unique_newest_first(elsewhere, lambda s: s.item, lambda s: s.key)
    ]


def _add_new(tiles: list[TimelineItem], shown: set[str], keyed: Iterable[tuple[str, TimelineItem]]) -> None:
    for key, tile in keyed:
        if key not in shown:
            shown.add(key)
            tiles.append(tile)


class _PendingIndex:
    """The user's in-flight Track requests, findable by identity (a request's ``key``) and
    by Graph item id."""

    def __init__(self, requests: Iterable[TrackingRequest]) -> None:
        self.requests = [r for r in requests if r.state == "pending"]
        self.by_key = {r.key.strip(): r for r in reversed(self.requests) if r.key and r.key.strip()}
        self.by_item = {r.item_id: r for r in reversed(self.requests)}
        self.used: set[str] = set()

    def claim(self, suggestion: Suggestion) -> TrackingRequest | None:
        request = self.by_key.get(suggestion.key) or self.by_item.get(suggestion.item.id)
        if request is not None:
            self.used.add(request.id)
        return request


def build_timeline(
    now: datetime,
    suggestions: Iterable[Suggestion],
    tracked: Sequence[Activity],
    pending: Sequence[TrackingRequest] = (),
    tracked_keys: Collection[str] = (),
    *,
    exclusions: ExclusionPolicy | None = None,
    record: RecordRef | None = None,
    cap: int = SUGGESTION_CAP,
    tracked_on: Mapping[str, RecordRef] = _NOWHERE,
) -> list[TimelineItem]:
    """The record's timeline for one user, newest first (ties by id), no item twice.

    - ``tracked``: the record's activities -> ``tracked`` tiles (their keys also hide
      suggestions);
    - ``tracked_keys``: identities tracked for *any* record -> those suggestions are
      dropped (nothing of the other record's activity is shown);
    - ``tracked_on``: tracked keys -> the record each is regarding; a matched item in its
      window tracked on another record than ``record`` is a ``tracked`` tile of the
      caller's own copy with ``regarding`` (its keys count as tracked too);
    - ``pending``: the user's Track requests (only ``state == "pending"`` count). A
      suggestion with a request (same identity, or same Graph item id) becomes a
      ``pending`` tile; a request without a suggestion shows from its ``summary``
      when it regards ``record`` (any record when ``record`` is ``None``);
    - suggestions outside their window or hidden by ``exclusions`` are dropped;
      at most ``cap`` ``untracked`` tiles remain, the newest.
    """
    if cap < 0:
        raise ValueError("cap must be >= 0")
    tiles: list[TimelineItem] = []
    shown: set[str] = set()
    for activity in tracked:
        key = item_key(activity)
        if key not in shown:
            shown.add(key)
            tiles.append(tracked_item(activity))
    if record is not None and tracked_on:
        suggestions = list(suggestions)
        _add_new(tiles, shown, _tracked_elsewhere(now, suggestions, tracked_on, record))
    hidden = {k.strip() for k in tracked_keys} | set(tracked_on) | shown

    requests = _PendingIndex(pending)
    untracked = 0
    for suggestion in select_suggestions(now, suggestions, hidden, exclusions):
        request = requests.claim(suggestion)
        if request is not None:
            tiles.append(pending_item(suggestion.item, request))
        elif untracked < cap:
            untracked += 1
            tiles.append(untracked_item(suggestion))
        else:
            continue
        shown.add(suggestion.key)

    for request in requests.requests:
        summary = request.summary
        if request.id in requests.used or summary is None:
            continue
        if record is not None and request.regarding != record:
            continue
        key = item_key(summary)
        if key not in shown and key not in hidden:
            shown.add(key)
            tiles.append(pending_item(summary, request))
    return newest_first(tiles)
