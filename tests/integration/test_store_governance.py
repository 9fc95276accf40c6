"""The store methods of data governance, on both backends (in memory, and the Cosmos DB
emulator): activities by participant across records, by age; tracking requests by item;
users by exclusion entry; erasure receipts; the org's retention and erased settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.exceptions import AlreadyExistsError, NotFoundError
from shared.model import ErasureReceipt, OrgSettings, Participant, RecordRef, UserSettings
from shared.store.activities import Claim
from tests.integration.store_backends import NOW, a_request, an_activity, uid


async def _tracked(backend, act):
    await backend.stores.activities.claim(Claim(act.id, act.regarding, "u1", "t1"))
    await backend.stores.activities.upsert_activity(act)
    return act


async def test_list_involving_finds_sender_recipient_and_cc_on_every_record_in_any_case(backend):
    a, c = RecordRef("account", uid("a")), RecordRef("contact", uid("c"))
    who = f"{uid('pat')}@fabrikam.com"
    sent = await _tracked(backend, replace(an_activity(a, f"<{uid('m')}>"), sender=Participant(who.upper())))
    to = await _tracked(
        backend, replace(an_activity(c, f"<{uid('m')}>"), to=(Participant("x@y.com"), Participant(who)))
    )
    cc = await _tracked(
        backend, replace(an_activity(a, f"<{uid('m')}>"), sender=None, cc=(Participant(who.title()),))
    )
    await _tracked(backend, an_activity(a, f"<{uid('m')}>"))  # someone else's mail
    found = await backend.stores.activities.list_involving(who.upper())
    assert sorted(x.id for x in found) == sorted(x.id for x in (sent, to, cc))
    assert await backend.stores.activities.list_involving(f"other-{who}") == []


async def test_list_occurred_before_is_oldest_first_capped_and_strictly_before(backend):
    ref = RecordRef("account", uid("a"))
    ages = [
        await _tracked(backend, an_activity(ref, f"<{uid('m')}>", at=NOW - timedelta(days=d)))
        for d in (5, 50, 500, 10)
    ]
    cutoff = NOW - timedelta(days=10)
    found = await backend.stores.activities.list_occurred_before(cutoff, 10)
    assert [x.id for x in found] == [ages[2].id, ages[1].id]
    assert [x.id for x in await backend.stores.activities.list_occurred_before(cutoff, 1)] == [ages[2].id]


async def test_tracking_requests_are_found_by_item_across_users_and_deleted_once_or_twice(backend):
    tracking = backend.stores.tracking
    ref, key = RecordRef("account", uid("a")), f"<{uid('m')}>"
    mine, theirs = replace(a_request(uid("u"), ref), key=key), replace(a_request(uid("u"), ref), key=key)
    other = replace(a_request(uid("u"), ref), key=f"<{uid('m')}>")
    for r in (mine, theirs, other):
        await tracking.create_request(r)
    assert sorted(r.id for r in await tracking.list_for_items([key])) == sorted([mine.id, theirs.id])
    assert await tracking.list_for_items([]) == []
    await tracking.delete_request(mine.user_id, mine.id)
    await tracking.delete_request(mine.user_id, mine.id)
    with pytest.raises(NotFoundError):
        await tracking.get_request(mine.user_id, mine.id)


async def test_users_whose_exclusion_list_holds_an_entry_are_listed_by_oid(backend):
    settings = backend.stores.settings
    entry, alice, bob = f"{uid('pat')}@x.com", uid("oid"), uid("oid")
    await settings.save_user(alice, UserSettings(excluded=("@x.com", entry)))
    await settings.save_user(bob, UserSettings(excluded=("@x.com",)))
    await settings.save_org(OrgSettings(excluded=(entry,)))
    assert await settings.list_users_excluding(entry) == [alice]


async def test_org_retention_days_and_erased_hashes_read_back(backend):
    settings = backend.stores.settings
    await settings.save_org(OrgSettings(retention_days=90, erased=("ab" * 16,)))
    org = await settings.get_org()
    assert (org.retention_days, org.erased) == (90, ("ab" * 16,))
    await settings.save_org(replace(org, retention_days=None))
    assert (await settings.get_org()).retention_days is None


async def test_an_erasure_receipt_is_created_once_read_back_and_saved(backend):
    erasures = backend.stores.erasures
    receipt = ErasureReceipt(f"ers-{uid('x')}", "cd" * 16, "running", "oid-admin", NOW)
    await erasures.create_receipt(receipt)
    with pytest.raises(AlreadyExistsError):
        await erasures.create_receipt(receipt)
    assert await erasures.get_receipt(receipt.id) == receipt
    done = replace(
        receipt, state="done", finished_at=NOW, removed_activities=(("a1", 2),), tracking_requests=("trk-1",)
    )
    await erasures.save_receipt(done)
    assert await erasures.get_receipt(receipt.id) == done
    with pytest.raises(NotFoundError):
        await erasures.get_receipt("ers-missing")
