"""Which mailbox items are tracked, and on which record: through each item's claim.

The one place the services go from a mailbox item to its claim (``claim_key``: the item's
identity, which is also the id of its claim and activity), so a
change of how a tracked item is identified carries over to the timeline and its
explanation alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from shared.model import MailItem, RecordRef
from shared.rules.identity import claim_key
from shared.store.base import ActivityStore

#: Claim ids per claims query: a timeline needs one query; an explanation's 30 days may need a few.
CLAIMS_PER_QUERY = 500


async def tracked_on(activities: ActivityStore, items: Iterable[MailItem]) -> dict[str, RecordRef]:
    """``claim_key`` (the ``item_key`` of a mail item) -> the record it is tracked on, for the
    items tracked anywhere (one query per 500 items)."""
    ids = sorted({claim_key(i) for i in items})
    if not ids:
        return {}
    chunks = [ids[i : i + CLAIMS_PER_QUERY] for i in range(0, len(ids), CLAIMS_PER_QUERY)]
    answers = await asyncio.gather(*(activities.tracked_regarding(chunk) for chunk in chunks))
    return {aid: ref for answer in answers for aid, ref in answer.items()}
