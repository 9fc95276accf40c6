"""GET /api/timeline/{type}/{id}/explain and GET /api/admin/rules/{type}/{id} over HTTP, on
the timeline tests' world (tests/e2e/timeline_data.py)."""

from __future__ import annotations

import pytest

from tests.e2e.timeline_data import ADMIN, MANAGER, OUTSIDER, SELLER, addr, rid, subject_of
from tests.e2e.timeline_world import World

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("dup_a_tracked")]


def explain(world: World, user, entity_type: str, name: str, address: str | None = None):
    params = {"address": address} if address else None
    return world.api.get(f"/api/timeline/{entity_type}/{rid(name)}/explain", user.caller, params=params)


def test_explain_lists_the_51st_contact_as_left_out_and_an_old_email_as_outside_the_window(world):
    resp = explain(world, SELLER, "account", "acct")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [(r["id"], r["reason"]) for r in body["leftOut"]] == [(rid("ac50"), "BEYOND_TOP_50")]
    assert addr("ac50-a") not in {a["address"] for a in body["addresses"]}

    solo = explain(world, SELLER, "contact", "solo").json()
    hidden = {h["subject"]: h["reason"] for h in solo["hidden"]}
    assert hidden[subject_of("solo-old")] == "OUTSIDE_WINDOW"
    assert subject_of("solo-1") not in hidden  # on the timeline


def test_explain_with_a_related_and_an_unrelated_address(world):
    related = explain(world, SELLER, "contact", "solo", address=addr("Solo2")).json()
    assert related["address"] == {"address": addr("solo2"), "related": True, "rules": ["recordEmail"]}

    unrelated = explain(world, SELLER, "contact", "solo", address="nobody@elsewhere.example.org").json()
    assert unrelated["address"]["related"] is False and unrelated["hidden"] == []

    bad = explain(world, SELLER, "contact", "solo", address="not-an-address")
    assert bad.status_code == 400 and bad.json()["field"] == "address"


def test_explain_of_a_record_the_caller_cannot_read_answers_404_as_the_timeline(world):
    assert explain(world, SELLER, "contact", "west").status_code == 404
    assert world.timeline(SELLER, "contact", "west").status_code == 404
    assert explain(world, OUTSIDER, "contact", "solo").status_code == 404


def test_the_admin_dry_run_answers_admins_only(world):
    path = f"/api/admin/rules/account/{rid('acct')}"
    resp = world.api.get(path, ADMIN.caller)
    assert resp.status_code == 200, resp.text
    assert set(resp.json()) == {"record", "addresses", "leftOut"}
    assert world.api.get(path, SELLER.caller).status_code == 403
    assert world.api.get(path, MANAGER.caller).status_code == 403
    assert world.api.get(path).status_code == 401
    assert world.api.get("/api/admin/rules/account/nope-nope", ADMIN.caller).status_code == 404
