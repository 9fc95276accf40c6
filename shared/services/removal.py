"""The one way a tracked activity leaves the store: untrack, erasure and retention call it.

Everything stored for an activity goes with it here: the activity document (its body,
attachment list and preview), its claim, and whatever later features keep beside it,
added in this function only, so that every caller removes it too.
"""

from __future__ import annotations

from shared.model import Activity
from shared.store.base import ActivityStore


async def remove_activity(activities: ActivityStore, activity: Activity) -> None:
    """Remove ``activity`` and everything stored for it; succeeds when already gone."""
    await activities.delete_activity(activity.regarding, activity.id)
