"""The Cosmos data layer on the real emulator: create, read, query, conflict, concurrency."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from shared.config import Config
from shared.exceptions import AlreadyExistsError, NotFoundError, PreconditionFailedError
from shared.model import Activity, CrmRecord, Participant, RecordRef, TrackingRequest
from shared.store.activities import ActivityRepository, Claim, activity_id
from shared.store.cosmos import CosmosDatabase
from shared.store.records import RecordRepository
from shared.store.tracking import TrackingRepository

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(peers):
    database = CosmosDatabase(Config.from_env(peers.env()))
    yield database
    await database.close()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def test_imported_demo_record_reads_back(db):
    record = await RecordRepository(db).get_record(RecordRef("account", "a-contoso"))
    assert record.name == "Contoso Ltd"
    assert record.primary_contact_id == "c-jane"


async def test_missing_record_raises_not_found_and_find_leaves_it_out(db):
    repo = RecordRepository(db)
    with pytest.raises(NotFoundError):
        await repo.get_record(RecordRef("account", uid("nope")))
    found = await repo.find_records([RecordRef("account", "a-contoso"), RecordRef("contact", uid("nope"))])
    assert list(found) == [RecordRef("account", "a-contoso")]


async def test_child_contacts_are_top_50_most_recent_in_one_query(db):
    repo = RecordRepository(db)
    account = uid("acct")
    contacts = [
        CrmRecord(
            "contact",
            f"{account}-c{i}",
            f"C{i}",
            emails=(f"c{i}@x.com",),
            parent_account_id=account,
            modified_on=NOW - timedelta(hours=i),
        )
        for i in range(60)
    ]
    await repo.upsert_records([CrmRecord("account", account, "A"), *contacts])
    before = db.ops.total
    children = await repo.list_child_contacts(account)
    assert db.ops.total - before == 1
    assert [c.id for c in children] == [f"{account}-c{i}" for i in range(50)]


async def test_contact_moved_to_another_account_leaves_the_old_one(db):
    repo = RecordRepository(db)
    a1, a2, c = uid("a"), uid("a"), uid("c")
    await repo.upsert_record(CrmRecord("contact", c, "C", parent_account_id=a1, modified_on=NOW))
    await repo.upsert_record(CrmRecord("contact", c, "C", parent_account_id=a2, modified_on=NOW))
    assert await repo.list_child_contacts(a1) == ()
    assert [x.id for x in await repo.list_child_contacts(a2)] == [c]


def _activity(regarding: RecordRef, key: str, by: str = "u1") -> Activity:
    return Activity(
        id=activity_id("email", key),
        kind="email",
        key=key,
        subject="s",
        preview="p",
        sender=Participant("a@x.com", "A"),
        to=(Participant("b@y.com"),),
        cc=(),
        occurred_at=NOW,
        direction="incoming",
        attachments=(),
        regarding=regarding,
        tracked_by=by,
        tracked_at=NOW,
    )


async def test_claim_is_created_once_and_later_claims_see_the_first(db):
    repo = ActivityRepository(db)
    key = f"<{uid('m')}@x.com>"
    aid = activity_id("email", key)
    first = await repo.claim(Claim(aid, RecordRef("account", "a1"), "u1", "t1"))
    second = await repo.claim(Claim(aid, RecordRef("contact", "c9"), "u2", "t2"))
    assert first == second
    assert second.regarding == RecordRef("account", "a1")
    assert await repo.tracked_ids([aid, activity_id("email", "<other@x>")]) == {aid}


async def test_activity_upsert_twice_is_one_activity_on_the_record(db):
    repo = ActivityRepository(db)
    ref = RecordRef("account", uid("a"))
    act = _activity(ref, f"<{uid('m')}@x.com>")
    await repo.upsert_activity(act)
    await repo.upsert_activity(act)
    listed = await repo.list_for_record(ref)
    assert [a.id for a in listed] == [act.id]
    assert listed[0] == act


async def test_delete_activity_removes_claim_and_is_idempotent(db):
    repo = ActivityRepository(db)
    ref = RecordRef("account", uid("a"))
    act = _activity(ref, f"<{uid('m')}@x.com>")
    await repo.claim(Claim(act.id, ref, "u1", "t1"))
    await repo.upsert_activity(act)
    await repo.delete_activity(ref, act.id)
    await repo.delete_activity(ref, act.id)
    assert await repo.find_activity(act.id) is None
    assert await repo.tracked_ids([act.id]) == set()


async def test_tracking_request_create_if_absent_returns_the_existing(db):
    repo = TrackingRepository(db)
    user = uid("user")
    req = TrackingRequest(
        id=uid("t"),
        user_id=user,
        item_id="AAMk1",
        kind="email",
        regarding=RecordRef("account", "a1"),
        state="pending",
        created_at=NOW,
        updated_at=NOW,
    )
    stored, created = await repo.create_request(req)
    again, created_again = await repo.create_request(req)
    assert (created, created_again) == (True, False)
    assert again == stored == req
    assert [r.id for r in await repo.list_pending(user, RecordRef("account", "a1"))] == [req.id]
    with pytest.raises(NotFoundError):
        await repo.get_request("someone-else", req.id)


async def test_raw_conflict_and_etag_errors_are_translated(db):
    doc = {"id": uid("s"), "flag": 1}
    await db.call("settings", "setting", lambda c: c.create_item(doc))
    with pytest.raises(AlreadyExistsError):
        await db.call("settings", "setting", lambda c: c.create_item(doc))
    from azure.core import MatchConditions

    with pytest.raises(PreconditionFailedError):
        await db.call(
            "settings",
            "setting",
            lambda c: c.replace_item(
                doc["id"], doc, etag='"stale"', match_condition=MatchConditions.IfNotModified
            ),
        )
