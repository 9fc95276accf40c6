"""Read a JSON Lines file, validate it whole, then write it (idempotent upserts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.config import Config
from shared.exceptions import ValidationError
from shared.importer.schema import LineError, parse_lines
from shared.model import CrmRecord
from shared.store.base import RecordStore
from shared.store.stores import Stores, cosmos_stores

MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ImportReport:
    records: tuple[CrmRecord, ...]
    errors: tuple[LineError, ...]
    written: int


def read_records(path: Path) -> tuple[tuple[CrmRecord, ...], tuple[LineError, ...]]:
    if not path.is_file():
        raise ValidationError(f"no such file: {path}", "file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError(f"file larger than {MAX_FILE_BYTES} bytes", "file")
    with path.open("rb") as handle:
        result = parse_lines(handle)
    return result.records, result.errors


async def import_records(store: RecordStore, records: tuple[CrmRecord, ...]) -> int:
    return await store.upsert_records(records)


async def import_file(
    config: Config, path: Path, dry_run: bool = False, stores: Stores | None = None
) -> ImportReport:
    """Validate the file whole, then write it to ``stores`` (default: Cosmos DB per ``config``)."""
    records, errors = read_records(path)
    if errors or dry_run:
        return ImportReport(records, errors, 0)
    if stores is not None:
        return ImportReport(records, errors, await import_records(stores.records, records))
    own = cosmos_stores(config)
    try:
        written = await import_records(own.records, records)
    finally:
        await own.close()
    return ImportReport(records, errors, written)
