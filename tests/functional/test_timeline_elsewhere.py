"""The timeline in process (memory stores, fake mailbox): an item tracked on another record
shows as tracked with ``regarding`` from the caller's own copy, and ``matchedBy`` names the
record each address came from, only when the caller may read it."""

from __future__ import annotations

import json
from typing import Any

from explain_world import ACME, ALICE, JANE, build_world

from shared.api.serialize import timeline_item


async def served(principal=ALICE) -> dict[str, dict[str, Any]]:
    world = await build_world()
    timeline = await world.timelines.timeline(principal, ACME)
    bodies = [
        timeline_item(i, timeline.names).model_dump_json(by_alias=True, exclude_unset=True)
        for i in timeline.items
    ]
    return {json.loads(b)["subject"]: json.loads(b) for b in bodies}


async def test_an_item_tracked_on_a_readable_record_shows_as_tracked_there_with_its_name() -> None:
    items = await served()

    tile = items["elsewhere-readable subject"]  # the mailbox copy's subject, not the stored one
    assert tile["state"] == "tracked"
    assert tile["id"] == "g-elsewhere-readable"
    assert tile["regarding"] == {"entityType": "project", "id": "p-readable", "name": "Northwind rollout"}
    assert tile["preview"] == "elsewhere-readable preview"
    assert "matchedBy" not in tile and "trackingId" not in tile
    assert "activityId" not in tile  # the activity is on another record: nothing here to untrack
    assert "stored subject" not in items


async def test_an_item_tracked_on_an_unreadable_record_shows_only_the_callers_copy_and_no_name() -> None:
    items = await served()

    tile = items["My copy of the merger mail"]
    assert tile["regarding"] == {"entityType": "project", "id": "p-hidden", "name": None}
    assert tile["preview"] == "elsewhere-hidden preview"
    everything = json.dumps(items)
    assert "Merger: stored subject" not in everything and "Secret merger" not in everything
    assert "Merger" not in everything


async def test_an_item_tracked_on_this_record_is_its_stored_activity_without_regarding() -> None:
    items = await served()

    tile = items["tracked-here subject"]
    assert tile["state"] == "tracked" and "regarding" not in tile
    assert tile["direction"] == "incoming"
    assert tile["activityId"] == tile["id"]  # what the links to read and untrack it take


async def test_matched_by_carries_the_record_the_address_came_from() -> None:
    items = await served()

    assert "activityId" not in items["recent subject"]
    assert items["recent subject"]["matchedBy"] == [
        {
            "address": JANE,
            "rule": "primaryContact",
            "record": {"entityType": "contact", "id": "jane", "name": "Jane Doe"},
        }
    ]
