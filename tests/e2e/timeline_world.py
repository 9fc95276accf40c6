"""The timeline tests' world: the data of ``timeline_data`` loaded into the running stack,
and the helpers the tests read timelines with."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from localdev.stack import Stack
from tests.e2e.api import Api
from tests.e2e.timeline_data import (
    DENIED,
    DOWN,
    FLAKY,
    MANAGER,
    NO_ROLE,
    OPT_OUT,
    OUTSIDER,
    SELLER,
    TEAMMATE,
    THROTTLED,
    UNAUTHORIZED,
    Mail,
    User,
    build_mail,
    build_records,
    dup_mail,
    import_records,
    rid,
    tag_of,
    user_entry,
)

# --- the local Graph server's admin endpoints ------------------------------------------------


class GraphAdmin:
    def __init__(self, stack: Stack) -> None:
        self.http = httpx.Client(base_url=stack.graph_url, timeout=60)

    def put_user(self, entry: dict[str, Any]) -> None:
        resp = self.http.put(f"/_admin/users/{entry['id']}", json=entry)
        assert resp.status_code in (200, 201), resp.text

    def set_fault(self, user: User, fault: dict[str, Any] | None) -> None:
        resp = self.http.post("/_admin/fault", json={"user": user.oid, "fault": fault})
        assert resp.status_code == 200, resp.text

    def requests(self, user: User) -> int:
        """Graph requests received so far for ``user``'s mailbox."""
        stats = self.http.get("/_admin/stats").json()
        return int(stats["users"].get(user.oid, {}).get("requests", 0))


# --- the loaded world ------------------------------------------------------------------------


@dataclass
class World:
    stack: Stack
    api: Api
    graph: GraphAdmin
    now: datetime
    mail: dict[str, Mail] = field(default_factory=dict)
    tracked: dict[str, str] = field(default_factory=dict)  # tag -> activity id

    def timeline(self, user: User, entity_type: str, name: str) -> httpx.Response:
        return self.api.get(f"/api/timeline/{entity_type}/{rid(name)}", user.caller)

    def ok_timeline(self, user: User, entity_type: str, name: str) -> dict[str, Any]:
        resp = self.timeline(user, entity_type, name)
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def track(self, user: User, tag: str, entity_type: str, name: str, timeout: float = 30) -> str:
        """Track one item through POST /api/track and wait until the queue job copied it."""
        mail = self.mail[tag]
        body = {
            "itemId": mail.graph_id(user),
            "kind": mail.kind,
            "regarding": {"entityType": entity_type, "id": rid(name)},
        }
        resp = self.api.post("/api/track", user.caller, json=body)
        assert resp.status_code in (200, 202), resp.text
        if resp.status_code == 200:
            return str(resp.json()["activityId"])
        tracking_id = resp.json()["trackingId"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.api.get(f"/api/track/{tracking_id}", user.caller).json()
            if status["state"] == "tracked":
                return str(status["activityId"])
            assert status["state"] == "pending", status
            time.sleep(0.1)
        raise AssertionError(f"{tag} was not tracked within {timeout}s")

    def ensure_tracked(self, tag: str) -> str:
        """``dup-a`` tracked by the seller regarding the ``dup`` contact (once per session)."""
        if tag not in self.tracked:
            self.tracked[tag] = self.track(SELLER, tag, "contact", "dup")
        return self.tracked[tag]


def world_for(stack: Stack, api: Api) -> World:
    """Records and mailboxes of this run, loaded into ``stack`` (the session fixture calls it once)."""
    now = datetime.now(UTC)
    world = World(stack, api, GraphAdmin(stack), now)
    import_records(stack, build_records(now), "records")
    seller_mail = build_mail(now)
    world.mail = {m.tag: m for m in seller_mail}
    dups = dup_mail(now)
    solo = [world.mail["solo-1"]]
    graph = world.graph
    graph.put_user(user_entry(SELLER, seller_mail))
    graph.put_user(user_entry(TEAMMATE, [*dups, *solo]))
    for user in (MANAGER, OUTSIDER, NO_ROLE, OPT_OUT, FLAKY):
        graph.put_user(user_entry(user, [*dups, *solo]))
    graph.put_user(user_entry(DENIED, dups, fault={"status": 403}))
    graph.put_user(user_entry(UNAUTHORIZED, dups, fault={"status": 401}))
    graph.put_user(user_entry(THROTTLED, dups, fault={"status": 429, "retryAfter": 1}))
    graph.put_user(user_entry(DOWN, dups, fault={"status": 503, "retryAfter": 1}))
    return world


def items_by_tag(timeline: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tag_of(i): i for i in timeline["items"]}


def untracked(timeline: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """tag -> its sorted (address, rule) reasons, for the untracked items."""
    return {
        tag_of(i): sorted((m["address"], m["rule"]) for m in i["matchedBy"])
        for i in timeline["items"]
        if i["state"] == "untracked"
    }
