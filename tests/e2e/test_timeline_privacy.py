"""Suggestions and explanations are never stored: after timeline and explain calls, no
document in any Cosmos container (read with azure-cosmos, every container, every
partition) and no host log line holds a suggestion's or a hidden item's subject, preview
or bystander address.

The only documents are records, settings, and what tracking created (claims,
activities, tracking requests) - and tracking copies only the items someone tracked.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.cosmos import CosmosClient

from shared.config import CONTAINERS, Config
from tests.conftest import host_log
from tests.e2e.timeline_data import (
    MANAGER,
    NO_ROLE,
    SELLER,
    TEAMMATE,
    WITNESS_DOMAIN,
    preview_of,
    rid,
    subject_of,
    tag_of,
    witness_of,
)
from tests.e2e.timeline_world import (
    World,
)

pytestmark = [
    pytest.mark.usefixtures("dup_a_tracked"),
    pytest.mark.e2e,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),  # the emulator's cert
]

RECORDS = [
    ("account", "acct"),
    ("contact", "solo"),
    ("contact", "cap"),
    ("contact", "selfish"),
    ("opportunity", "opp"),
    ("lead", "lead"),
    ("case", "case"),
    ("case", "case2"),
    ("project", "proj"),
    ("project", "proj2"),
    ("contact", "dup"),
    ("contact", "dupfriend"),
]


def served_suggestions(world: World) -> list[dict[str, Any]]:
    """Every untracked item the timelines of this run's records answer, for several users."""
    served = []
    for user in (SELLER, TEAMMATE, MANAGER, NO_ROLE):
        for entity_type, name in RECORDS:
            timeline = world.ok_timeline(user, entity_type, name)
            served += [i for i in timeline["items"] if i["state"] == "untracked"]
    return served


def served_explanations(world: World) -> list[dict[str, Any]]:
    """Every hidden item the explanations of this run's records answer (narrowed ones too)."""
    hidden = []
    for user in (SELLER, TEAMMATE, MANAGER):
        for entity_type, name in RECORDS:
            for address in (None, witness_of("solo-old")):
                params = {"address": address} if address else None
                resp = world.api.get(
                    f"/api/timeline/{entity_type}/{rid(name)}/explain", user.caller, params=params
                )
                assert resp.status_code == 200, resp.text
                hidden += resp.json()["hidden"]
    return hidden


def hidden_secrets(items: list[dict[str, Any]]) -> set[str]:
    """A hidden item's subject, and the preview and bystander of the mail it stands for."""
    tags = {tag_of(i) for i in items}
    return {s.lower() for t in tags for s in (subject_of(t), preview_of(t), witness_of(t))}


def secrets_of(items: list[dict[str, Any]]) -> set[str]:
    secrets: set[str] = set()
    for item in items:
        secrets |= {item["subject"], item["preview"]}
        participants = [item["from"], *item["to"], *item["cc"]]
        secrets |= {p["address"] for p in participants if p and p["address"].endswith(WITNESS_DOMAIN)}
    return {s.lower() for s in secrets}


def all_documents(config: Config) -> dict[str, list[dict[str, Any]]]:
    client = CosmosClient(config.cosmos_endpoint, credential=config.cosmos_key, connection_verify=False)
    try:
        database = client.get_database_client(config.cosmos_database)
        names = [c["id"] for c in database.list_containers()]
        return {name: list(database.get_container_client(name).read_all_items()) for name in names}
    finally:
        client.close()


def kind_of(container: str, doc: dict[str, Any]) -> str | None:
    """What a stored document is, or None when it is nothing the service should keep."""
    if container == "records" and doc.get("type") in ("record", "child") and doc.get("entityType"):
        return "record"
    if container == "settings" and (doc["id"] == "org" or doc["id"].startswith("user:")):
        return "settings"
    if container == "activities" and doc.get("type") in ("claim", "activity"):
        return str(doc["type"])
    if container == "tracking" and doc.get("userId") and doc.get("state") in ("pending", "tracked", "failed"):
        return "tracking"
    return None


def test_no_suggestion_data_is_stored_in_any_container(world, stack):
    served = served_suggestions(world)
    assert len(served) > 80
    assert "dup-a" not in {tag_of(i) for i in served}  # the one tracked item is never a suggestion
    secrets = secrets_of(served)

    documents = all_documents(Config.from_env(stack.env()))

    assert set(documents) == set(CONTAINERS)
    strays = [(c, d["id"]) for c, docs in documents.items() for d in docs if kind_of(c, d) is None]
    assert strays == []
    for container, docs in documents.items():
        for doc in docs:
            text = json.dumps(doc).lower()
            leaked = sorted(s for s in secrets if s in text)
            assert leaked == [], f"{container}/{doc['id']} holds suggestion data"


def test_no_explanation_data_is_stored_or_logged(world, stack):
    hidden = served_explanations(world)
    assert "solo-old" in {tag_of(i) for i in hidden}
    assert {"OUTSIDE_WINDOW", "OVER_CAP"} <= {i["reason"] for i in hidden}
    secrets = hidden_secrets(hidden)

    documents = all_documents(Config.from_env(stack.env()))
    for container, docs in documents.items():
        for doc in docs:
            text = json.dumps(doc).lower()
            assert sorted(s for s in secrets if s in text) == [], (
                f"{container}/{doc['id']} holds explain data"
            )
    log = host_log(stack).lower()
    assert "timeline.explained" in log
    assert sorted(s for s in secrets if s in log) == []


def test_the_tracked_item_is_stored_only_as_its_activity_and_tracking_request(world, stack):
    documents = all_documents(Config.from_env(stack.env()))

    subject = subject_of("dup-a").lower()
    holders = [
        kind_of(c, d) for c, docs in documents.items() for d in docs if subject in json.dumps(d).lower()
    ]
    assert "activity" in holders
    assert set(holders) <= {"activity", "tracking"}


def test_no_suggestion_data_is_logged_by_the_host(world, stack):
    secrets = secrets_of(served_suggestions(world))

    log = host_log(stack).lower()

    assert log
    assert sorted(s for s in secrets if s in log) == []
