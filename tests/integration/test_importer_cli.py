"""`python -m shared.importer` against the real Cosmos emulator: all or nothing."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.config import Config
from shared.exceptions import NotFoundError
from shared.model import RecordRef
from shared.store.cosmos import CosmosDatabase
from shared.store.records import RecordRepository

pytestmark = pytest.mark.integration


async def _exists(peers, ref: RecordRef) -> bool:
    db = CosmosDatabase(Config.from_env(peers.env()))
    try:
        await RecordRepository(db).get_record(ref)
        return True
    except NotFoundError:
        return False
    finally:
        await db.close()


async def test_a_file_with_one_bad_line_is_rejected_whole_and_nothing_is_written(peers, tmp_path):
    tag = uuid.uuid4().hex[:8]
    good = {"entityType": "account", "id": f"a-{tag}", "name": "Good", "emails": ["x@good.example"]}
    path = tmp_path / "records.jsonl"
    path.write_text(
        json.dumps(good)
        + "\n"
        + json.dumps({"entityType": "contact", "id": f"c-{tag}", "name": "Bad", "emails": ["nope"]})
        + "\n"
        + "{broken\n"
    )
    result = peers.run_python("-m", "shared.importer", str(path), timeout=120)
    assert result.returncode == 2
    assert f"{path}:line 2: emails.0" in result.stderr
    assert f"{path}:line 3: not valid JSON" in result.stderr
    assert "rejected: 2 invalid line(s); nothing was written" in result.stderr
    assert not await _exists(peers, RecordRef("account", f"a-{tag}"))


async def test_a_valid_file_is_imported_and_re_importing_it_is_harmless(peers, tmp_path):
    tag = uuid.uuid4().hex[:8]
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"entityType": "lead", "id": f"l-{tag}", "name": "Lead"}) + "\n")
    first = peers.run_python("-m", "shared.importer", str(path), timeout=120)
    second = peers.run_python("-m", "shared.importer", str(path), timeout=120)
    assert (first.returncode, second.returncode) == (0, 0)
    assert first.stdout.strip() == second.stdout.strip() == "imported: 1 record(s)"
    assert await _exists(peers, RecordRef("lead", f"l-{tag}"))


async def test_check_mode_validates_without_writing(peers, tmp_path):
    lead = f"l-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "records.jsonl"
    path.write_text(json.dumps({"entityType": "lead", "id": lead, "name": "Lead"}) + "\n")
    result = peers.run_python("-m", "shared.importer", "--check", str(path), timeout=120)
    assert result.returncode == 0
    assert result.stdout.strip() == "valid: 1 record(s)"
    assert not await _exists(peers, RecordRef("lead", lead))
