"""GET /api/timeline over HTTP: suggestions are deduped against tracked activities.

``dup-a`` is tracked through the real pipeline (POST /api/track, the queue job copies it
from Graph into Cosmos) regarding the ``dup`` contact; ``dup-b`` stays a suggestion.
"""

from __future__ import annotations

import pytest

from tests.e2e.timeline_data import (
    PREFIX,
    SELLER,
    TEAMMATE,
    rid,
    subject_of,
)
from tests.e2e.timeline_world import (
    items_by_tag,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("dup_a_tracked")]


def test_a_tracked_item_shows_once_as_tracked_with_direction_and_attachments(world):
    timeline = world.ok_timeline(SELLER, "contact", "dup")

    items = items_by_tag(timeline)
    assert len(timeline["items"]) == 2
    tracked, suggestion = items["dup-a"], items["dup-b"]
    assert tracked["state"] == "tracked"
    assert tracked["id"] == world.tracked["dup-a"]
    assert tracked["direction"] == "incoming"
    assert tracked["attachments"] == [{"name": "terms.pdf", "size": 12_345, "contentType": "application/pdf"}]
    assert "matchedBy" not in tracked
    assert suggestion["state"] == "untracked"
    assert suggestion["id"] == world.mail["dup-b"].graph_id(SELLER)


def test_an_item_tracked_for_another_record_is_not_suggested_but_shown_tracked_there(world):
    timeline = world.ok_timeline(SELLER, "contact", "dupfriend")  # dup-a copies dupfriend

    assert timeline["autoCapture"]["active"] is True
    [item] = timeline["items"]
    assert item["state"] == "tracked"
    assert item["regarding"] == {"entityType": "contact", "id": rid("dup"), "name": f"{PREFIX} dup"}
    assert item["id"] == world.mail["dup-a"].graph_id(SELLER)  # the seller's own copy
    assert item["subject"] == subject_of("dup-a")
    assert "matchedBy" not in item and "direction" not in item


def test_another_users_copy_of_a_tracked_email_is_not_suggested_to_them(world):
    timeline = world.ok_timeline(TEAMMATE, "contact", "dup")

    items = items_by_tag(timeline)
    assert len(timeline["items"]) == 2
    assert items["dup-a"]["state"] == "tracked"
    assert items["dup-a"]["id"] == world.tracked["dup-a"]
    assert items["dup-b"]["state"] == "untracked"
    assert items["dup-b"]["id"] == world.mail["dup-b"].graph_id(TEAMMATE)
