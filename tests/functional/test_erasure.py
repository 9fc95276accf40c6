"""Erasure on request, in process: the Admin API, the queued job over the in-memory stores,
the receipt, resuming after a crash, and what later mail with the address meets."""

from __future__ import annotations

import json

import pytest

from shared.exceptions import ConflictError
from shared.model import CrmRecord, MailItem, envelope
from shared.rules.erasure import address_hash
from tests.functional.governance_support import (
    ACCOUNT,
    ADMIN,
    ERASED,
    KEY,
    SELLER,
    Crash,
    CrashingDatabase,
    activity,
    all_documents,
    make_world,
)


def _mentions(documents: dict[str, list[dict]], *needles: str) -> list[str]:
    found = []
    for container, docs in documents.items():
        for doc in docs:
            text = json.dumps(doc).lower()
            found += [f"{container}/{doc['id']}: {n}" for n in needles if n.lower() in text]
    return found


async def test_an_erased_address_leaves_nothing_of_its_activities_in_any_container_and_a_receipt():
    world = await make_world()
    status, accepted = await world.erase()
    assert status == 202 and accepted["state"] == "running"
    assert await world.deliver() == "done"

    status, receipt = await world.receipt(accepted["erasureId"])
    assert status == 200 and receipt["state"] == "done" and receipt["finishedAt"]
    assert receipt["removed"] == {
        "activities": 3,
        "attachments": 2,
        "trackingRequests": 3,
        "exclusionEntries": 2,
    }
    assert sorted(receipt["activityIds"]) == sorted(a.id for a in world.erased)
    assert receipt["requestedBy"] == ADMIN.oid

    documents = await all_documents(world.database)
    gone = [a for act in world.erased for a in (act.id, act.key, act.subject, act.body, act.preview)]
    outside_receipts = {k: v for k, v in documents.items() if k != "erasures"}
    assert _mentions(outside_receipts, *gone) == []
    assert _mentions(documents, ERASED, "quote.pdf") == []  # nowhere, receipts included
    kept = world.kept[0]
    assert _mentions(documents, kept.id, kept.subject), "the unrelated activity stays"
    org = await world.runtime.stores.settings.get_org()
    assert org.excluded == ("@newsletter.example",) and org.erased == (address_hash(KEY, ERASED),)
    assert (await world.runtime.stores.settings.get_user(SELLER.oid)).excluded == ()


async def test_a_non_admin_gets_403_and_nothing_is_queued():
    world = await make_world()
    assert (await world.erase(SELLER))[0] == 403
    assert world.outbox.sent == []
    _, accepted = await world.erase()
    assert (await world.receipt(accepted["erasureId"], SELLER))[0] == 403
    preview = await world.call("GET", "api/admin/erasure/preview", SELLER, params={"address": ERASED})
    assert preview[0] == 403
    assert (await world.erase(None))[0] == 401


async def test_erasing_twice_is_harmless_and_the_second_run_counts_what_it_removed():
    world = await make_world()
    first = (await world.erase())[1]["erasureId"]
    redelivery = world.outbox.sent[0]
    await world.deliver()
    second = (await world.erase())[1]["erasureId"]
    assert await world.deliver() == "done"
    assert (await world.receipt(second))[1]["removed"] == {
        "activities": 0,
        "attachments": 0,
        "trackingRequests": 0,
        "exclusionEntries": 0,
    }
    before = (await world.receipt(first))[1]
    assert await world.runtime.erasure_worker.process(redelivery, 2) == "done"  # a duplicate delivery
    assert (await world.receipt(first))[1] == before
    assert (await world.runtime.stores.settings.get_org()).erased == (address_hash(KEY, ERASED),)


async def test_an_interrupted_erasure_resumes_on_the_next_delivery_and_counts_everything_once():
    database = CrashingDatabase()
    world = await make_world(database)
    erasure_id = (await world.erase())[1]["erasureId"]
    database.crash_at = database.deletes + 2  # the second activity removal dies
    with pytest.raises(Crash):
        await world.deliver()
    assert (await world.receipt(erasure_id))[1]["state"] == "running"
    assert await world.deliver(dequeue_count=2) == "done"
    receipt = (await world.receipt(erasure_id))[1]
    assert receipt["removed"]["activities"] == 3 and receipt["removed"]["attachments"] == 2
    assert receipt["removed"]["trackingRequests"] == 3
    assert await world.runtime.stores.activities.list_involving(ERASED) == []


async def test_a_job_that_fails_every_delivery_leaves_a_failed_receipt():
    world = await make_world()
    erasure_id = (await world.erase())[1]["erasureId"]
    await world.runtime.erasure_worker.poisoned(world.outbox.sent[0])
    receipt = (await world.receipt(erasure_id))[1]
    assert receipt["state"] == "failed" and receipt["finishedAt"]


async def test_a_job_whose_address_is_not_the_receipts_is_dropped_and_removes_nothing():
    world = await make_world()
    erasure_id = (await world.erase(address="someone@else.example"))[1]["erasureId"]
    forged = json.dumps({"v": 1, "erasureId": erasure_id, "address": ERASED}).encode()
    assert await world.runtime.erasure_worker.process(forged, 1) == "unknown"
    assert len(await world.runtime.stores.activities.list_involving(ERASED)) == 3


async def test_the_preview_lists_what_an_erasure_would_remove_newest_first_and_removes_nothing():
    world = await make_world()
    status, body = await world.call(
        "GET", "api/admin/erasure/preview", ADMIN, params={"address": "PAT@fabrikam.com"}
    )
    assert status == 200 and body["address"] == ERASED and body["count"] == 3
    assert {a["id"] for a in body["activities"]} == {a.id for a in world.erased}
    assert set(body["activities"][0]) == {"id", "regarding", "kind", "occurredAt"}
    assert {a["regarding"]["entityType"] for a in body["activities"]} == {"account", "contact"}
    assert len(await world.runtime.stores.activities.list_involving(ERASED)) == 3


@pytest.mark.parametrize(
    ("params", "body"),
    [({}, None), ({"address": "@fabrikam.com"}, None), (None, {"address": "not an address"})],
)
async def test_an_erasure_needs_one_valid_address(params, body):
    world = await make_world()
    if body is None:
        status, problem = await world.call("GET", "api/admin/erasure/preview", ADMIN, params=params)
    else:
        status, problem = await world.call("POST", "api/admin/erasure", ADMIN, body)
    assert status == 400 and problem["field"] == "address"
    assert world.outbox.sent == []


async def test_an_unknown_or_malformed_erasure_id_answers_404_or_400():
    world = await make_world()
    assert (await world.receipt("ers-" + "0" * 32))[0] == 404
    assert (await world.receipt("preview-not-an-id"))[0] == 400


async def test_after_erasure_mail_with_the_address_is_neither_suggested_nor_tracked():
    world = await make_world()
    await world.erase()
    await world.deliver()
    later = activity(ACCOUNT, "Later mail", "jo@fabrikam.com", cc=("Pat@fabrikam.com",))
    erased = world.runtime.erased
    assert await erased.involved(later)
    assert not await erased.involved(world.kept[0])

    class Mailbox:
        async def get_own_addresses(self, owner_id):
            return ()

        async def get_summary(self, owner_id, kind, item_id):
            return MailItem(id=item_id, key=later.key, **{**envelope(later), "kind": kind})

    await world.runtime.stores.records.upsert_record(
        CrmRecord("account", ACCOUNT.id, "Fabrikam", owner_id=SELLER.oid)
    )
    with pytest.raises(ConflictError):
        await world.runtime.tracker.request(SELLER, Mailbox(), "g-1", "email", ACCOUNT)  # type: ignore[arg-type]
