"""GET .../explain and the admin dry run as services, in process: memory stores and a fake
mailbox (tests/functional/explain_world.py). Every hidden reason has a fixture item."""

from __future__ import annotations

import json

import pytest
from explain_world import (
    ACCOUNT_CONTACTS,
    ACME,
    ADMIN,
    ALICE,
    BOB,
    EXPECTED,
    JANE,
    MANAGER,
    STRANGER,
    build_world,
    contact_id,
)

from shared.api.serialize_explain import dry_run, explanation
from shared.exceptions import ForbiddenError, NotFoundError
from shared.model import OrgSettings, RecordRef
from shared.rules.explain import HIDDEN_REASONS


def tag(item_id: str) -> str:
    return item_id.removeprefix("g-")


async def explain_body(address: str | None = None, principal=ALICE, **world_kw) -> dict:
    world = await build_world(**world_kw)
    answer = await world.explainer.explain(principal, ACME, address)
    return json.loads(explanation(answer).model_dump_json(by_alias=True, exclude_unset=True))


async def test_every_hidden_item_has_exactly_its_one_reason_and_shown_items_are_not_listed() -> None:
    body = await explain_body()

    hidden = {tag(h["id"]): h["reason"] for h in body["hidden"]}
    assert hidden == {t: reason for t, reason in EXPECTED.items() if reason is not None}
    assert set(hidden.values()) == set(HIDDEN_REASONS) - {"OWN_ADDRESS_ONLY"}  # asked for below
    assert "too-old" not in hidden and "unrelated" not in hidden  # never read / not involved
    first = body["hidden"][0]
    assert set(first) == {"id", "kind", "subject", "occurredAt", "reason"}
    dates = [h["occurredAt"] for h in body["hidden"]]
    assert dates == sorted(dates, reverse=True)


async def test_own_address_only_is_the_answer_when_the_caller_asks_about_their_own_address() -> None:
    body = await explain_body(address=" Alice@Corp.example ")

    assert body["address"] == {"address": "alice@corp.example", "related": True, "rules": ["recordEmail"]}
    hidden = {tag(h["id"]): h["reason"] for h in body["hidden"]}
    assert hidden["own-only"] == "OWN_ADDRESS_ONLY"


async def test_a_related_address_narrows_hidden_to_the_items_it_is_on() -> None:
    body = await explain_body(address=JANE.upper())

    assert body["address"] == {"address": JANE, "related": True, "rules": ["primaryContact"]}
    hidden = {tag(h["id"]) for h in body["hidden"]}
    assert "internal" not in hidden  # not Jane's
    assert {"old", "org-excluded", "draft", "bulk-51"} <= hidden


async def test_an_unrelated_address_is_said_to_be_unrelated_and_hides_nothing() -> None:
    body = await explain_body(address=STRANGER)

    assert body["address"] == {"address": STRANGER, "related": False, "rules": []}
    assert body["hidden"] == []


async def test_addresses_are_listed_by_rule_with_the_records_they_come_from_named_when_readable() -> None:
    body = await explain_body()

    by_address = {a["address"]: a for a in body["addresses"]}
    assert by_address[JANE]["rules"] == ["primaryContact"]
    assert by_address[JANE]["from"] == [{"entityType": "contact", "id": "jane", "name": "Jane Doe"}]
    assert by_address["info@acme.example"]["from"] == [
        {"entityType": "account", "id": "acme", "name": "Acme"}
    ]
    # c00 belongs to someone else and no team of Alice's: its address counts, its name is not shown
    assert by_address["c00@acme.example"]["from"] == [{"entityType": "contact", "id": "c00", "name": None}]
    assert body["exclusions"] == {
        "org": ["@spam.example"],
        "user": ["pat@other.example"],
        "internalOnly": True,
    }
    assert body["autoCapture"] == {"active": True, "notice": None, "reason": None}


async def test_the_51st_contact_is_left_out_beyond_the_top_50() -> None:
    body = await explain_body()

    last = contact_id(ACCOUNT_CONTACTS - 1)
    assert body["leftOut"] == [
        {
            "entityType": "contact",
            "id": last,
            "name": f"Contact {ACCOUNT_CONTACTS - 1}",
            "reason": "BEYOND_TOP_50",
        }
    ]
    assert f"{last}@acme.example" not in {a["address"] for a in body["addresses"]}


async def test_explain_of_a_record_the_caller_cannot_read_is_not_found_like_the_timeline() -> None:
    world = await build_world()
    with pytest.raises(NotFoundError):
        await world.explainer.explain(BOB, ACME)
    with pytest.raises(NotFoundError):
        await world.timelines.timeline(BOB, ACME)
    with pytest.raises(NotFoundError):
        await world.explainer.explain(ALICE, RecordRef("account", "nope"))


async def test_with_auto_capture_off_the_mailbox_is_not_read_and_the_notice_says_why() -> None:
    world = await build_world(org=OrgSettings(auto_capture_enabled=False))
    answer = await world.explainer.explain(ALICE, ACME, JANE)

    assert answer.hidden == [] and answer.reason == "ORG_DISABLED"
    assert world.mailbox.scans == []
    assert answer.resolution.addresses  # the rules are still explained


async def test_explaining_writes_nothing_to_any_store() -> None:
    world = await build_world()
    database = world.stores.database
    before = json.dumps({n: sorted(c.items.items()) for n, c in database._containers.items()})  # type: ignore[attr-defined]

    await world.explainer.explain(ALICE, ACME)
    await world.explainer.explain(ALICE, ACME, JANE)

    after = json.dumps({n: sorted(c.items.items()) for n, c in database._containers.items()})  # type: ignore[attr-defined]
    assert after == before


async def test_the_admin_dry_run_shows_the_resolution_with_every_name_and_no_mailbox_content() -> None:
    world = await build_world()
    body = json.loads(dry_run(await world.explainer.dry_run(ADMIN, ACME)).model_dump_json(by_alias=True))

    assert set(body) == {"record", "addresses", "leftOut"}
    by_address = {a["address"]: a for a in body["addresses"]}
    assert by_address["c00@acme.example"]["from"][0]["name"] == "Contact 00"
    assert body["leftOut"][0]["reason"] == "BEYOND_TOP_50"
    assert world.mailbox.scans == []


@pytest.mark.parametrize("principal", [ALICE, MANAGER, BOB])
async def test_the_dry_run_is_forbidden_without_the_admin_role_even_to_readers(principal) -> None:
    world = await build_world()
    with pytest.raises(ForbiddenError):
        await world.explainer.dry_run(principal, ACME)
    with pytest.raises(ForbiddenError):  # whether or not the record exists
        await world.explainer.dry_run(principal, RecordRef("account", "nope"))


async def test_the_dry_run_of_a_missing_record_is_not_found() -> None:
    world = await build_world()
    with pytest.raises(NotFoundError):
        await world.explainer.dry_run(ADMIN, RecordRef("account", "nope"))
