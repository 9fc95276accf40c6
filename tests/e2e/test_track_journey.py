"""A salesperson's Track click, end to end over HTTP: suggestion → pending tile → tracked
tile that the team sees, with no Track action left on it."""

from __future__ import annotations

import pytest

from tests.integration.track_support import aid_of, wait_until

pytestmark = pytest.mark.e2e


async def test_a_suggestion_goes_pending_then_tracked_on_the_timeline(track_world):
    world = track_world
    msg = world.message(world.tracker, 1, attachments=[("deck.pptx", 2_048, "application/vnd.ms-powerpoint")])
    world.publish(world.tracker)
    teammate = world.user("mate", ("Sales.Person",), (world.team,))
    [suggestion] = world.timeline(world.tracker).json()["items"]
    assert suggestion["state"] == "untracked"
    account = {"entityType": "account", "id": world.account.id, "name": f"Account {world.tag}"}
    assert suggestion["matchedBy"] == [{"address": world.customer, "rule": "recordEmail", "record": account}]
    # Graph throttles the job's first read, so the pending tile can be seen.
    world.fault(world.tracker, {"status": 429, "retryAfter": 2, "times": 1, "for": "app"})

    accepted = world.track(world.tracker, {"id": suggestion["id"]})
    assert accepted.status_code == 202
    tid = accepted.json()["trackingId"]

    [tile] = world.timeline(world.tracker).json()["items"]
    assert (tile["id"], tile["state"], tile["trackingId"]) == (suggestion["id"], "pending", tid)
    assert world.timeline(teammate).json()["items"] == [], "a pending item is private to its owner"

    def tracked_tile():
        items = world.timeline(teammate).json()["items"]
        return items if items and items[0]["state"] == "tracked" else None

    [shared] = wait_until(tracked_tile, what="the tracked tile")
    assert shared["id"] == aid_of(msg)
    assert shared["direction"] == "incoming"
    assert shared["attachments"] == [
        {"name": "deck.pptx", "size": 2_048, "contentType": "application/vnd.ms-powerpoint"}
    ]
    assert "matchedBy" not in shared and "trackingId" not in shared
    assert world.timeline(world.tracker).json()["items"] == [shared]
