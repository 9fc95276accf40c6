"""``import_file`` on the in-memory stores: all or nothing, and re-importing is harmless."""

from __future__ import annotations

import json

import pytest

from shared.config import Config
from shared.exceptions import NotFoundError
from shared.importer.load import import_file
from shared.model import RecordRef
from shared.store.stores import memory_stores

ACCOUNT = {"entityType": "account", "id": "a1", "name": "Contoso", "emails": ["info@contoso.example"]}
CONTACT = {"entityType": "contact", "id": "c1", "name": "Jane", "emails": ["jane@contoso.example"]}


async def test_a_valid_file_is_written_and_importing_it_again_changes_nothing(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (ACCOUNT, {**CONTACT, "parentAccountId": "a1"})) + "\n")
    stores = memory_stores()

    first = await import_file(Config(), path, stores=stores)
    second = await import_file(Config(), path, stores=stores)

    assert (first.written, second.written, first.errors) == (2, 2, ())
    assert (await stores.records.get_record(RecordRef("account", "a1"))).name == "Contoso"
    assert [c.id for c in await stores.records.list_child_contacts("a1")] == ["c1"]


async def test_a_file_with_a_bad_line_writes_nothing(tmp_path):
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps(ACCOUNT) + "\n" + json.dumps({**CONTACT, "emails": ["nope"]}) + "\n")
    stores = memory_stores()

    report = await import_file(Config(), path, stores=stores)

    assert report.written == 0
    assert [e.line for e in report.errors] == [2]
    with pytest.raises(NotFoundError):
        await stores.records.get_record(RecordRef("account", "a1"))
