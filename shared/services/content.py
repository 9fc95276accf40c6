"""Reading content: a tracked activity's body and files, and a live untracked item.

- ``activity``/``attachment``: the record's access rules as for its timeline (no access
  and unknown ids both end in NotFoundError, so nothing is revealed), then the activity
  document, its body (from the document or its blob) and a copied file's bytes;
- ``mailbox_item``: the caller's own item, read on demand from their mailbox with their
  delegated token. It is answered and forgotten: never written, never logged (the
  request's log line names the handler and status only).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth.access import require_sales_role
from shared.auth.principal import Principal
from shared.exceptions import MailboxItemNotFoundError, NotFoundError
from shared.mailbox.base import Mailbox
from shared.model import Activity, Attachment, ItemKind, MailItemDetail, RecordRef
from shared.sanitize import mail_body
from shared.services.records import readable_activity
from shared.store.stores import Stores


@dataclass(frozen=True)
class Body:
    content_type: str
    content: str


@dataclass(frozen=True)
class ActivityContent:
    activity: Activity
    body: Body


@dataclass(frozen=True)
class MailboxContent:
    detail: MailItemDetail
    body: Body


@dataclass(frozen=True)
class File:
    attachment: Attachment
    data: bytes


@dataclass(frozen=True)
class ContentService:
    """What the details view reads."""

    stores: Stores

    async def activity(self, principal: Principal, ref: RecordRef, activity_id: str) -> ActivityContent:
        """The activity with its full body, HTML sanitized."""
        activity = await readable_activity(self.stores, principal, ref, activity_id)
        content_type, content = mail_body(
            await self.stores.activities.get_body(activity), activity.body_content_type
        )
        return ActivityContent(activity, Body(content_type, content))

    async def attachment(
        self, principal: Principal, ref: RecordRef, activity_id: str, attachment_id: str
    ) -> File:
        """A copied file of the activity; NotFoundError when unknown or not copied."""
        activity = await readable_activity(self.stores, principal, ref, activity_id)
        found = next((a for a in activity.attachments if a.id == attachment_id and a.stored), None)
        if found is None:
            raise NotFoundError("no such file on this activity")
        try:
            data = await self.stores.activities.get_attachment(activity.id, found.id)
        except NotFoundError as exc:
            raise NotFoundError("no such file on this activity") from exc
        return File(found, data)

    async def mailbox_item(
        self, principal: Principal, mailbox: Mailbox, kind: ItemKind, item_id: str
    ) -> MailboxContent:
        """The caller's own item, live from their mailbox (404 when it is not there)."""
        require_sales_role(principal)
        try:
            own = await mailbox.get_own_addresses(principal.oid)
            detail = await mailbox.get_item(principal.oid, kind, item_id, own_addresses=own)
        except MailboxItemNotFoundError as exc:
            raise NotFoundError("the item is not in your mailbox") from exc
        content_type, content = mail_body(detail.body, detail.body_content_type)
        return MailboxContent(detail, Body(content_type, content))
