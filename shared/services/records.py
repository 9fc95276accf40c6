"""Reading a record on behalf of a caller: 404 when it does not exist or is not theirs to see."""

from __future__ import annotations

from shared.auth.access import require_record_access
from shared.auth.principal import Principal
from shared.exceptions import NotFoundError
from shared.model import CrmRecord, RecordRef
from shared.store.base import RecordStore


async def readable_record(records: RecordStore, principal: Principal, ref: RecordRef) -> CrmRecord:
    try:
        record = await records.get_record(ref)
    except NotFoundError:
        record = None
    return require_record_access(principal, record)
