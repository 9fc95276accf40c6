"""GET /api/timeline over HTTP: who may read a record's timeline, and bad requests.

Access (docs/design.md): the owner, a member of one of the record's teams (token ``groups``)
or a Sales.Manager; anyone else gets 404, exactly as for a record that does not exist.
Suggestions are private: each caller sees only items from their own mailbox.
"""

from __future__ import annotations

import pytest

from tests.e2e.timeline_data import (
    MANAGER,
    OUTSIDER,
    SELLER,
    TEAMMATE,
    rid,
)
from tests.e2e.timeline_world import (
    items_by_tag,
)

pytestmark = pytest.mark.e2e


def assert_problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert "Traceback" not in resp.text
    return dict(body)


def test_a_user_without_access_gets_404_like_a_missing_record(world, api):
    refused = assert_problem(world.timeline(OUTSIDER, "contact", "solo"), 404)
    missing = assert_problem(world.timeline(OUTSIDER, "contact", "no-such-record"), 404)

    assert refused["detail"] == missing["detail"]


def test_the_owner_reads_without_being_in_a_team_but_not_another_teams_record(world):
    assert world.timeline(SELLER, "contact", "solo").status_code == 200
    assert_problem(world.timeline(SELLER, "contact", "west"), 404)


def test_a_team_member_reads_through_the_groups_claim(world):
    timeline = world.ok_timeline(TEAMMATE, "contact", "solo")

    assert timeline["record"]["id"] == rid("solo")
    assert_problem(world.timeline(TEAMMATE, "contact", "west"), 404)


def test_a_manager_reads_a_record_of_another_team(world):
    timeline = world.ok_timeline(MANAGER, "contact", "west")

    assert timeline["record"]["id"] == rid("west")
    assert timeline["items"] == []  # the west email is in the seller's mailbox, not the manager's


def test_suggestions_come_from_the_callers_own_mailbox_only(world):
    mine = items_by_tag(world.ok_timeline(MANAGER, "contact", "solo"))
    sellers = items_by_tag(world.ok_timeline(SELLER, "contact", "solo"))

    assert list(mine) == ["solo-1"]
    assert mine["solo-1"]["id"] == world.mail["solo-1"].graph_id(MANAGER)
    assert sellers["solo-1"]["id"] == world.mail["solo-1"].graph_id(SELLER)
    assert len(sellers) == 5


@pytest.mark.parametrize(
    ("path", "status"),
    [
        pytest.param(f"/api/timeline/widget/{rid('solo')}", 404, id="unknown-entity-type"),
        pytest.param(f"/api/timeline/account/{rid('solo')}", 404, id="record-of-another-type"),
        pytest.param(f"/api/timeline/contact/{rid('nobody')}", 404, id="unknown-record"),
        pytest.param(f"/api/timeline/Contact/{rid('solo')}", 400, id="entity-type-not-lower-case"),
        pytest.param(f"/api/timeline/con-tact/{rid('solo')}", 400, id="entity-type-with-dash"),
        pytest.param("/api/timeline/contact/bad$id", 400, id="id-with-dollar"),
        pytest.param("/api/timeline/contact/-leading-dash", 400, id="id-starting-with-dash"),
        pytest.param("/api/timeline/contact/a%20b", 400, id="id-with-space"),
        pytest.param(f"/api/timeline/contact/{'x' * 129}", 400, id="id-too-long"),
    ],
)
def test_bad_entity_types_and_ids_answer_problem_json(world, api, path: str, status: int):
    body = assert_problem(api.get(path, SELLER.caller), status)

    if status == 400:
        assert body["detail"]


def test_no_token_is_401_problem_with_www_authenticate(world, api):
    resp = api.get(f"/api/timeline/contact/{rid('solo')}")

    assert_problem(resp, 401)
    assert resp.headers["www-authenticate"].startswith("Bearer")


def test_a_malformed_token_is_401(world, api):
    resp = api.get(f"/api/timeline/contact/{rid('solo')}", headers={"Authorization": "Bearer not.a.jwt"})

    assert_problem(resp, 401)
