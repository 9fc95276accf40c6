"""One contract for every store backend: the in-memory one and Cosmos DB (the emulator).

Each test runs twice, on ``memory_stores()`` and on ``cosmos_stores()`` over a database of
its own in the local Cosmos emulator, and asserts what a caller of the store Protocols
(``shared/store/base.py``) sees: the SDK-style verbs, create-if-absent, etags, the
ordering and TOP of the queries, and Cosmos DB's item limits. Run only the memory half
with ``-m "not integration"``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.exceptions import (
    ItemTooLargeError,
    NotFoundError,
    PreconditionFailedError,
    StoreRejectedError,
)
from shared.model import (
    CrmRecord,
    OrgSettings,
    RecordRef,
    UserSettings,
)
from shared.store.activities import Claim
from shared.store.limits import MAX_ITEM_BYTES
from tests.integration.store_backends import NOW, a_claim_id, a_request, an_activity, contact, uid

# --- records ---------------------------------------------------------------------------------


async def test_a_record_reads_back_as_written(backend):
    records = backend.stores.records
    record = CrmRecord("account", uid("a"), "Contoso", emails=("info@contoso.example",), owner_id="u1")
    await records.upsert_record(record)
    assert await records.get_record(record.ref) == record


async def test_a_missing_record_raises_not_found_and_find_leaves_it_out(backend):
    records = backend.stores.records
    there = CrmRecord("account", uid("a"), "A")
    await records.upsert_record(there)
    with pytest.raises(NotFoundError):
        await records.get_record(RecordRef("account", uid("nope")))
    found = await records.find_records([there.ref, RecordRef("contact", uid("nope")), there.ref])
    assert found == {there.ref: there}


async def test_child_contacts_are_the_top_50_most_recent_in_one_operation(backend):
    records = backend.stores.records
    account = uid("acct")
    contacts = [contact(account, i, NOW - timedelta(hours=i)) for i in range(60)]
    assert await records.upsert_records([CrmRecord("account", account, "A"), *reversed(contacts)]) == 61
    backend.ops.reset()
    children = await records.list_child_contacts(account)
    assert backend.ops.by_container == {"records": 1}
    assert [c.id for c in children] == [f"{account}-c{i}" for i in range(50)]
    assert [c.id for c in await records.list_child_contacts(account, limit=2)] == [
        f"{account}-c0",
        f"{account}-c1",
    ]


async def test_child_contacts_without_a_modified_date_come_last_and_an_unknown_account_has_none(backend):
    records = backend.stores.records
    account = uid("acct")
    await records.upsert_records([contact(account, 0, None), contact(account, 1, NOW)])
    assert [c.id for c in await records.list_child_contacts(account)] == [f"{account}-c1", f"{account}-c0"]
    assert await records.list_child_contacts(uid("acct")) == ()


async def test_a_contact_moved_to_another_account_leaves_the_old_one(backend):
    records = backend.stores.records
    a1, a2, c = uid("a"), uid("a"), uid("c")
    await records.upsert_record(CrmRecord("contact", c, "C", parent_account_id=a1, modified_on=NOW))
    await records.upsert_record(CrmRecord("contact", c, "C", parent_account_id=a2, modified_on=NOW))
    assert await records.list_child_contacts(a1) == ()
    assert [x.id for x in await records.list_child_contacts(a2)] == [c]


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "a?b", "a#b", "x" * 250])
async def test_a_record_id_cosmos_refuses_is_refused_and_reads_as_missing(backend, bad):
    records = backend.stores.records
    ref = RecordRef("account", bad)  # the item id is "account:<id>"
    with pytest.raises(StoreRejectedError):
        await records.upsert_record(CrmRecord("account", bad, "A"))
    with pytest.raises(NotFoundError):
        await records.get_record(ref)
    assert await records.find_records([ref]) == {}


async def test_a_malformed_stored_record_reads_as_missing_and_is_skipped_in_lists(backend):
    records, db = backend.stores.records, backend.stores.database
    account = uid("acct")
    good = contact(account, 1, NOW)
    await records.upsert_record(good)
    bad_key = RecordRef("contact", uid("bad")).key
    await db.upsert_item("records", {"id": bad_key, "pk": bad_key, "type": "record"}, "record")
    child = {"id": f"child:{bad_key}", "pk": f"account:{account}", "type": "child", "sortOn": "9"}
    await db.upsert_item("records", {**child, "entityType": "contact"}, "record")
    with pytest.raises(NotFoundError):
        await records.get_record(RecordRef("contact", bad_key.split(":", 1)[1]))
    assert await records.list_child_contacts(account) == (good,)


async def test_malformed_claims_activities_and_requests_read_as_missing(backend):
    stores, db = backend.stores, backend.stores.database
    aid, ref, user = a_claim_id(), RecordRef("account", uid("a")), uid("u")
    await db.upsert_item("activities", {"id": aid, "pk": f"item:{aid}", "type": "claim"}, "claim")
    await db.upsert_item("activities", {"id": aid, "pk": f"record:{ref.key}", "type": "activity"}, "activity")
    await db.upsert_item("tracking", {"id": "trk-1", "userId": user, "state": "pending"}, "tracking request")
    with pytest.raises(NotFoundError):
        await stores.activities.get_claim(aid)
    with pytest.raises(NotFoundError):
        await stores.activities.get_activity(ref, aid)
    assert await stores.activities.list_for_record(ref) == []
    with pytest.raises(NotFoundError):
        await stores.tracking.get_request(user, "trk-1")


# --- activities and claims ------------------------------------------------------------------


async def test_a_claim_is_created_once_and_later_claims_see_the_first(backend):
    activities = backend.stores.activities
    aid = a_claim_id()
    first = await activities.claim(Claim(aid, RecordRef("account", "a1"), "u1", "t1"))
    second = await activities.claim(Claim(aid, RecordRef("contact", "c9"), "u2", "t2"))
    assert first == second == await activities.get_claim(aid)
    assert second.regarding == RecordRef("account", "a1")
    with pytest.raises(NotFoundError):
        await activities.get_claim(a_claim_id())


async def test_a_claim_is_released_with_its_blobs_only_by_its_request_and_with_no_activity_under_it(backend):
    activities, ref = backend.stores.activities, RecordRef("account", uid("a"))
    act = an_activity(ref, f"<{uid('m')}@x.com>")
    orphan = a_claim_id()
    for aid in (act.id, orphan):
        await activities.claim(Claim(aid, ref, "u1", f"t-{aid}"))
        await activities.put_attachment(aid, "f1", b"pdf", "application/pdf")
    await activities.upsert_activity(act)
    assert not await activities.release_claim(orphan, "t-another")
    assert not await activities.release_claim(act.id, f"t-{act.id}")  # the activity stands
    assert await activities.release_claim(orphan, f"t-{orphan}")
    assert await activities.tracked_regarding([act.id, orphan]) == {act.id: ref}
    assert await activities.discard_content(orphan) == 0
    assert await activities.get_attachment(act.id, "f1") == b"pdf"


async def _claim_each(activities, refs: list[RecordRef]) -> list[str]:
    """A fresh mail claimed by ``u1`` on each record, in order (the activity ids)."""
    claimed = [a_claim_id() for _ in refs]
    for n, (aid, ref) in enumerate(zip(claimed, refs, strict=True)):
        await activities.claim(Claim(aid, ref, "u1", f"t{n}"))
    return claimed


async def test_the_tracked_ones_are_the_claimed_ones_across_partitions_in_one_query(backend):
    activities = backend.stores.activities
    claimed = await _claim_each(activities, [RecordRef("account", f"a{n}") for n in range(3)])
    backend.ops.reset()
    assert set(await activities.tracked_regarding([*claimed[:2], a_claim_id()])) == set(claimed[:2])
    assert backend.ops.total == 1
    assert set(await activities.tracked_regarding([])) == set()
    assert backend.ops.total == 1


async def test_tracked_regarding_names_each_claims_record_in_one_query(backend):
    activities = backend.stores.activities
    claimed = await _claim_each(activities, [RecordRef("project", f"p{n}") for n in range(2)])
    backend.ops.reset()
    found = await activities.tracked_regarding([*claimed, a_claim_id()])
    assert found == {claimed[0]: RecordRef("project", "p0"), claimed[1]: RecordRef("project", "p1")}
    assert backend.ops.total == 1
    assert await activities.tracked_regarding([]) == {}


async def test_an_activity_upserted_twice_is_one_activity_that_reads_back_equal(backend):
    activities = backend.stores.activities
    ref = RecordRef("account", uid("a"))
    act = an_activity(ref, f"<{uid('m')}@x.com>")
    await activities.upsert_activity(act)
    await activities.upsert_activity(act)
    assert await activities.list_for_record(ref) == [act]
    assert await activities.get_activity(ref, act.id) == act


async def test_a_records_activities_are_newest_first_and_capped(backend):
    activities = backend.stores.activities
    ref, other = RecordRef("account", uid("a")), RecordRef("account", uid("a"))
    acts = [an_activity(ref, f"<{uid('m')}@x.com>", NOW - timedelta(minutes=i)) for i in range(5)]
    for act in [acts[3], acts[0], acts[4], acts[1], acts[2]]:
        await activities.upsert_activity(act)
        await activities.claim(Claim(act.id, ref, "u1", "t1"))  # claims live elsewhere: never listed
    await activities.upsert_activity(an_activity(other, f"<{uid('m')}@x.com>"))
    assert [a.id for a in await activities.list_for_record(ref)] == [a.id for a in acts]
    assert [a.id for a in await activities.list_for_record(ref, limit=2)] == [a.id for a in acts[:2]]
    assert await activities.list_for_record(RecordRef("account", uid("a"))) == []


async def test_find_activity_follows_the_claim_and_is_none_when_untracked(backend):
    activities = backend.stores.activities
    ref = RecordRef("opportunity", uid("o"))
    act = an_activity(ref, f"<{uid('m')}@x.com>")
    assert await activities.find_activity(act.id) is None
    await activities.claim(Claim(act.id, ref, "u1", "t1"))
    assert await activities.find_activity(act.id) is None  # claimed, not yet copied
    await activities.upsert_activity(act)
    assert await activities.find_activity(act.id) == act
    with pytest.raises(NotFoundError):
        await activities.get_activity(RecordRef("account", uid("a")), act.id)


async def test_delete_activity_removes_it_and_its_claim_and_succeeds_when_already_gone(backend):
    activities = backend.stores.activities
    ref = RecordRef("account", uid("a"))
    act = an_activity(ref, f"<{uid('m')}@x.com>")
    await activities.claim(Claim(act.id, ref, "u1", "t1"))
    await activities.upsert_activity(act)
    await activities.delete_activity(ref, act.id)
    await activities.delete_activity(ref, act.id)
    assert await activities.find_activity(act.id) is None
    assert set(await activities.tracked_regarding([act.id])) == set()
    assert await activities.list_for_record(ref) == []


async def test_an_activity_with_a_body_over_2_mb_is_stored_with_its_body_in_a_blob(backend):
    activities = backend.stores.activities
    ref = RecordRef("account", uid("a"))
    act = an_activity(ref, f"<{uid('m')}@x.com>", body="x" * MAX_ITEM_BYTES)
    await activities.upsert_activity(act)
    stored = await activities.get_activity(ref, act.id)
    assert stored.body == "" and stored.body_blob is not None
    assert await activities.get_body(stored) == act.body
    assert [a.id for a in await activities.list_for_record(ref)] == [act.id]


async def test_a_body_is_measured_with_non_ascii_escaped_as_azure_cosmos_sends_it(backend):
    activities = backend.stores.activities
    ref = RecordRef("account", uid("a"))
    # 9,000 "é": 18 KB as UTF-8, 54 KB escaped as azure-cosmos writes it: over the 32 KB inline limit.
    accented = an_activity(ref, f"<{uid('m')}@x.com>", body="é" * 9_000)
    plain = an_activity(ref, f"<{uid('m')}@x.com>", body="e" * 9_000)
    await activities.upsert_activity(accented)
    await activities.upsert_activity(plain)
    assert (await activities.get_activity(ref, accented.id)).body_blob is not None
    assert (await activities.get_activity(ref, plain.id)).body_blob is None


async def test_an_activity_that_cannot_fit_a_document_is_refused_and_not_written(backend):
    activities = backend.stores.activities
    ref = RecordRef("account", uid("a"))
    act = replace(an_activity(ref, f"<{uid('m')}@x.com>"), subject="s" * MAX_ITEM_BYTES)
    with pytest.raises(ItemTooLargeError):
        await activities.upsert_activity(act)
    assert await activities.list_for_record(ref) == []


# --- tracking requests ------------------------------------------------------------------------


async def test_a_tracking_request_is_created_if_absent_and_a_second_create_returns_the_first(backend):
    tracking = backend.stores.tracking
    user, ref = uid("user"), RecordRef("account", "a1")
    req = a_request(user, ref)
    stored, created = await tracking.create_request(req)
    again, created_again = await tracking.create_request(replace(req, item_id="AAMk2"))
    assert (created, created_again) == (True, False)
    assert again == stored == req == await tracking.get_request(user, req.id)


async def test_a_tracking_request_is_private_to_its_user(backend):
    tracking = backend.stores.tracking
    req = a_request(uid("user"), RecordRef("account", "a1"))
    await tracking.create_request(req)
    with pytest.raises(NotFoundError):
        await tracking.get_request(uid("someone-else"), req.id)
    assert await tracking.find_request(uid("someone-else"), req.id) is None
    assert await tracking.find_request(req.user_id, req.id) == req
    assert await tracking.list_pending(uid("someone-else"), req.regarding) == []


async def test_list_pending_has_the_users_pending_requests_for_that_record_only(backend):
    tracking = backend.stores.tracking
    user, ref = uid("user"), RecordRef("account", uid("a"))
    waiting, done = a_request(user, ref), a_request(user, ref)
    for req in (waiting, done, a_request(user, RecordRef("contact", uid("c")))):
        await tracking.create_request(req)
    await tracking.save_request(replace(done, state="tracked", activity_id="x1"))
    assert [r.id for r in await tracking.list_pending(user, ref)] == [waiting.id]
    assert (await tracking.get_request(user, done.id)).activity_id == "x1"


# --- settings ------------------------------------------------------------------------------------


async def test_settings_never_saved_are_the_defaults_without_an_etag(backend):
    settings = backend.stores.settings
    assert await settings.get_org() == OrgSettings()
    assert (await settings.get_org()).etag is None
    assert await settings.get_user(uid("oid")) == UserSettings()


async def test_org_settings_save_with_the_etag_read_and_a_stale_etag_fails(backend):
    settings = backend.stores.settings
    await settings.save_org(OrgSettings(auto_capture_enabled=False))
    first = await settings.get_org()
    assert first.auto_capture_enabled is False and first.etag
    await settings.save_org(replace(first, excluded=("x.example",)))
    second = await settings.get_org()
    assert second.excluded == ("x.example",) and second.etag != first.etag
    with pytest.raises(PreconditionFailedError):
        await settings.save_org(replace(first, hide_internal_only=True))
    with pytest.raises(PreconditionFailedError):
        await settings.save_org(OrgSettings())  # "never saved" when it was
    assert await settings.get_org() == second


async def test_user_settings_are_per_user_and_guarded_by_their_etag(backend):
    settings = backend.stores.settings
    alice, bob = uid("oid"), uid("oid")
    await settings.save_user(alice, UserSettings(show_untracked_email=False))
    read = await settings.get_user(alice)
    assert read.show_untracked_email is False
    assert await settings.get_user(bob) == UserSettings()
    await settings.save_user(alice, replace(read, excluded=("me@x.example",)))
    with pytest.raises(PreconditionFailedError):
        await settings.save_user(alice, replace(read, show_untracked_email=True))
    assert (await settings.get_user(alice)).excluded == ("me@x.example",)
