"""The track job's content step: copy an item's attachment files into the blob store.

``ContentCopier.copy`` takes the activity the job is about to write and the mailbox it
reads with (app identity), copies every attachment that ``shared.rules.content`` says to
copy (``plan_attachments``: files within the size limits), and returns the activity with
each attachment's ``stored`` flag and reason. Files are written before the document, at
names derived from the activity and attachment ids: a retried delivery overwrites them.
A file the mailbox no longer has (or will not give) is listed with ``stored`` False; a
transient mailbox error raises, so the queue retries the job.

``release_orphan_claim`` is what a request that ends ``failed`` does: the claim it made
(and any blob it wrote) is removed unless an activity stands under it, so the item is
offered for tracking again instead of staying hidden from every user's suggestions.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from shared.exceptions import ItemTooLargeError, MailboxError, StoreRejectedError
from shared.logging import log_event
from shared.mailbox.base import Mailbox
from shared.model import Activity, Attachment, TrackingRequest
from shared.rules.content import REASON_UNREADABLE, plan_attachments, refusal_reason
from shared.rules.identity import claim_key
from shared.rules.track import MarkFailed, failed
from shared.store.base import ActivityStore

log = logging.getLogger(__name__)


class ContentCopier:
    """Copies the files of a tracked item from the mailbox into the blob store."""

    def __init__(self, activities: ActivityStore, mailbox: Mailbox) -> None:
        self._activities = activities
        self._mailbox = mailbox

    async def copy(self, request: TrackingRequest, activity: Activity) -> Activity:
        """The activity with its attachments copied (one at a time: files reach 25 MB)."""
        copied = [
            await self._copy_one(request, activity.id, a) for a in plan_attachments(activity.attachments)
        ]
        return replace(activity, attachments=tuple(copied))

    async def _copy_one(self, request: TrackingRequest, aid: str, attachment: Attachment) -> Attachment:
        if not attachment.stored:
            return attachment
        try:
            file = await self._mailbox.get_attachment(
                request.user_id, request.kind, request.item_id, attachment.source_id
            )
        except MailboxError as exc:
            if exc.transient:
                raise
            log_event(log, "track.attachment_unreadable", trackingId=request.id, reason=exc.code)
            return replace(attachment, stored=False, reason=REASON_UNREADABLE)
        await self._activities.put_attachment(aid, attachment.id, file.data, attachment.content_type)
        return replace(attachment, content_id=file.content_id or attachment.content_id, size=len(file.data))


def refused(request: TrackingRequest, error: StoreRejectedError, attempts: int, now: datetime) -> MarkFailed:
    """A store refusal that no retry can change: the request fails at once, saying why."""
    reason = refusal_reason(isinstance(error, ItemTooLargeError))
    return MarkFailed(failed(request, reason, now, attempts))


async def release_orphan_claim(activities: ActivityStore, request: TrackingRequest) -> bool:
    """Remove the claim ``request`` made, and its blobs, unless an activity stands under it."""
    if request.summary is None:
        return False
    return await activities.release_claim(claim_key(request.summary), request.id)
