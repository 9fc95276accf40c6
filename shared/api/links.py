"""The OpenAPI links between operations: where each id a response carries can be used next.

One function per target operation, taking runtime expressions (OpenAPI 3.1 §4.8.20.4) for
its parameters, so every operation that answers with a tracking id, an activity id or a
record names its next steps the same way. Schemathesis's stateful phase walks them
(directory → timeline → untrack, Track, status, status again while pending, untrack; see
docs/api.md); the contract tests require a link wherever a response carries an id another
operation takes.
"""

from __future__ import annotations

from shared.api.operation import Link

RESPONSE = "$response.body#"
REQUEST = "$request.body#"


def to_tracking(tracking_id: str) -> Link:
    return Link(
        "getTracking",
        {"trackingId": tracking_id},
        "Poll the Track request's state until it is tracked or failed",
    )


def to_untrack(activity_id: str, entity_type: str, record_id: str) -> Link:
    return Link(
        "untrackActivity",
        {"entityType": entity_type, "recordId": record_id, "activityId": activity_id},
        "Untrack the activity from the record it is tracked on",
    )


def to_activity(activity_id: str, entity_type: str, record_id: str) -> Link:
    return Link(
        "getActivity",
        {"entityType": entity_type, "recordId": record_id, "activityId": activity_id},
        "Read the tracked activity: its full body and the list of its files",
    )


def to_mailbox_item(item_id: str, kind: str) -> Link:
    return Link(
        "getMailboxItem",
        {"kind": kind, "itemId": item_id},
        "Open the item live from the caller's own mailbox",
    )


def to_timeline(entity_type: str, record_id: str) -> Link:
    return Link(
        "getTimeline",
        {"entityType": entity_type, "recordId": record_id},
        "The record's timeline, where the item shows",
    )


def to_track(item: str, entity_type: str, record_id: str) -> Link:
    """Track the item at JSON pointer ``item`` of this response on the given record."""
    return Link(
        "track",
        description="Track the suggestion on the record",
        request_body={
            "itemId": f"{RESPONSE}{item}/id",
            "kind": f"{RESPONSE}{item}/kind",
            "regarding": {"entityType": entity_type, "id": record_id},
        },
    )
