"""The store contract, continued: the document database under the stores and Cosmos DB's
item limits, on both backends (see test_store_contract.py)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.config import Config
from shared.exceptions import (
    AlreadyExistsError,
    NotFoundError,
    PreconditionFailedError,
    StoreRejectedError,
)
from shared.model import (
    RecordRef,
)
from shared.store.activities import Claim
from shared.store.base import Query
from shared.store.stores import cosmos_stores
from tests.integration.store_backends import a_claim_id, uid

# --- the document database and Cosmos DB's limits ----------------------------------------------


async def test_create_conflicts_replace_needs_the_current_etag_and_every_write_changes_it(backend):
    db = backend.stores.database
    doc = {"id": uid("s"), "flag": 1}
    created = await db.create_item("settings", doc, "setting")
    with pytest.raises(AlreadyExistsError):
        await db.create_item("settings", doc, "setting")
    upserted = await db.upsert_item("settings", {**doc, "flag": 2}, "setting")
    assert upserted["_etag"] != created["_etag"]
    with pytest.raises(PreconditionFailedError):
        await db.replace_item("settings", doc["id"], {**doc, "flag": 3}, created["_etag"], "setting")
    replaced = await db.replace_item("settings", doc["id"], {**doc, "flag": 3}, upserted["_etag"], "setting")
    assert replaced["_etag"] not in (created["_etag"], upserted["_etag"])
    read = await db.read_item("settings", doc["id"], doc["id"], "setting")
    assert (read["flag"], read["_etag"]) == (3, replaced["_etag"])


async def test_replace_and_delete_of_a_missing_item_raise_not_found(backend):
    db = backend.stores.database
    missing = uid("s")
    with pytest.raises(NotFoundError):
        await db.replace_item("settings", missing, {"id": missing}, None, "setting")
    with pytest.raises(NotFoundError):
        await db.delete_item("settings", missing, missing, "setting")


async def test_an_item_is_addressed_by_partition_key_and_id(backend):
    db = backend.stores.database
    item, p1, p2 = uid("i"), uid("p"), uid("p")
    await db.create_item("records", {"id": item, "pk": p1, "n": 1}, "doc")
    await db.create_item("records", {"id": item, "pk": p2, "n": 2}, "doc")
    assert (await db.read_item("records", item, p2, "doc"))["n"] == 2
    await db.delete_item("records", item, p1, "doc")
    with pytest.raises(NotFoundError):
        await db.read_item("records", item, p1, "doc")
    assert [d["n"] for d in await db.query("records", Query({"id": item}), "doc")] == [2]


async def test_a_query_filters_by_json_type_orders_caps_and_projects(backend):
    db = backend.stores.database
    pk = uid("p")
    for n, (flag, rank) in enumerate([(True, "b"), (1, "d"), (True, "a"), (True, "c")]):
        await db.upsert_item("records", {"id": f"i{n}", "pk": pk, "flag": flag, "rank": rank, "n": n}, "doc")
    await db.upsert_item("records", {"id": "other", "pk": uid("p"), "flag": True, "rank": "0"}, "doc")
    query = Query(
        {"flag": True}, partition_key=pk, order_by="rank", descending=True, top=2, fields=("id", "nope")
    )
    assert await db.query("records", query, "doc") == [{"id": "i3"}, {"id": "i0"}]
    ascending = Query({"flag": True}, partition_key=pk, order_by="rank")
    assert [d["rank"] for d in await db.query("records", ascending, "doc")] == ["a", "b", "c"]
    within = Query(within=("n", (1, 3, 7)), partition_key=pk, order_by="n")
    assert [d["id"] for d in await db.query("records", within, "doc")] == ["i1", "i3"]
    assert await db.query("records", Query({"flag": True}, partition_key=pk, top=0), "doc") == []


@pytest.mark.parametrize("bad", ["a/b", "a\\b", "a?b", "a#b", "x" * 256, ""])
async def test_an_id_cosmos_refuses_is_refused_on_write_and_missing_on_read(backend, bad):
    db = backend.stores.database
    with pytest.raises(StoreRejectedError):
        await db.create_item("settings", {"id": bad}, "setting")
    with pytest.raises(StoreRejectedError):
        await db.upsert_item("settings", {"id": bad}, "setting")
    with pytest.raises(NotFoundError):
        await db.read_item("settings", bad, bad, "setting")
    with pytest.raises(NotFoundError):
        await db.delete_item("settings", bad, bad, "setting")


async def test_an_id_of_255_characters_and_a_partition_key_of_2_kb_are_accepted_one_more_is_not(backend):
    db = backend.stores.database
    long_id = "i" * 255
    await db.create_item("settings", {"id": long_id}, "setting")
    assert (await db.read_item("settings", long_id, long_id, "setting"))["id"] == long_id
    pk = "é" * 1024  # 2048 bytes in UTF-8
    await db.create_item("records", {"id": uid("i"), "pk": pk}, "doc")
    with pytest.raises(StoreRejectedError):
        await db.create_item("records", {"id": uid("i"), "pk": pk + "x"}, "doc")
    assert len(await db.query("records", Query(partition_key=pk), "doc")) == 1


async def test_a_stored_item_is_a_copy_of_what_was_written(backend):
    db = backend.stores.database
    doc: dict[str, Any] = {"id": uid("s"), "list": [1]}
    await db.create_item("settings", doc, "setting")
    doc["list"].append(2)
    read = await db.read_item("settings", doc["id"], doc["id"], "setting")
    read["list"].append(3)
    assert (await db.read_item("settings", doc["id"], doc["id"], "setting"))["list"] == [1]


async def test_every_request_is_reported_to_on_operation_by_container(backend):
    stores = backend.stores
    await stores.settings.get_org()
    await stores.tracking.list_pending(uid("u"), RecordRef("account", "a1"))
    await stores.activities.claim(Claim(a_claim_id(), RecordRef("account", "a1"), "u", "t"))
    assert backend.ops.by_container == {"settings": 1, "tracking": 1, "activities": 1}


# --- the emulator's demo data --------------------------------------------------------------------


@pytest.mark.integration
async def test_the_imported_demo_records_read_back_from_cosmos(peers):
    stores = cosmos_stores(Config.from_env(peers.env()))
    try:
        record = await stores.records.get_record(RecordRef("account", "a-contoso"))
    finally:
        await stores.close()
    assert record.name == "Contoso Ltd"
    assert record.primary_contact_id == "c-jane"


@pytest.mark.integration
async def test_the_emulator_runs_a_query_given_a_partition_key_in_that_partition_only(peers):
    """As Cosmos DB does: with a partition key, a query answers that partition's items only,
    whether or not its WHERE names the key (the emulator alone refused the latter)."""
    config = Config.from_env(peers.env(), cosmos_database=f"scope-{uid('d')}", cosmos_create_containers=True)
    stores = cosmos_stores(config)
    try:
        await stores.ping()
        db = stores.database
        mine, other = uid("p"), uid("p")
        await db.upsert_item("records", {"id": "a", "pk": mine, "tag": "t"}, "doc")
        await db.upsert_item("records", {"id": "b", "pk": other, "tag": "t"}, "doc")
        proxy = (await db._open()).get_container_client("records")  # type: ignore[attr-defined]
        sql = "SELECT c.id FROM c WHERE c.tag = 't'"
        scoped = [d async for d in proxy.query_items(sql, partition_key=mine)]
        every = [d async for d in proxy.query_items(sql)]
        assert scoped == [{"id": "a"}]
        assert sorted(d["id"] for d in every) == ["a", "b"]
    finally:
        await stores.close()
