"""Which mailbox items are tracked, and on which record: through each item's claim.

The one place the services go from a mailbox item to its claim (``activity_id``), so a
change of how a tracked item is identified carries over to the timeline and its
explanation alike.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from shared.model import MailItem, RecordRef
from shared.rules import item_key
from shared.store.activities import activity_id
from shared.store.base import ActivityStore

#: Claim ids per claims query: a timeline needs one query; an explanation's 30 days may need a few.
CLAIMS_PER_QUERY = 500


async def tracked_on(activities: ActivityStore, items: Iterable[MailItem]) -> dict[str, RecordRef]:
    """``item_key`` -> the record it is tracked on, for the items tracked anywhere (one query)."""
    by_id = {activity_id(i.kind, i.key): item_key(i) for i in items if i.key}
    if not by_id:
        return {}
    ids = sorted(by_id)
    chunks = [ids[i : i + CLAIMS_PER_QUERY] for i in range(0, len(ids), CLAIMS_PER_QUERY)]
    answers = await asyncio.gather(*(activities.tracked_regarding(chunk) for chunk in chunks))
    return {by_id[aid]: ref for answer in answers for aid, ref in answer.items() if aid in by_id}
