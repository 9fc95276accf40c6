"""Model builders the tests share: a mailbox item, and the activity Track writes for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.model import Activity, ItemKind, MailItem, Participant, RecordRef
from shared.rules.identity import claim_key


def mail_item(
    item_id: str,
    at: datetime,
    *,
    kind: ItemKind = "email",
    key: str | None = None,
    subject: str | None = None,
    sender: str = "info@contoso.com",
    to: tuple[str, ...] = ("me@mycorp.example",),
) -> MailItem:
    """A mailbox item from plain addresses; ``key`` and ``subject`` default to ones made of its id."""
    return MailItem(
        id=item_id,
        kind=kind,
        key=f"<{item_id}@mail>" if key is None else key,
        subject=f"subject {item_id}" if subject is None else subject,
        preview="",
        sender=Participant(sender),
        to=tuple(Participant(a) for a in to),
        cc=(),
        occurred_at=at,
    )


def tracked_copy(
    item: MailItem, regarding: RecordRef, tracked_by: str, tracked_at: datetime, **changes: Any
) -> Activity:
    """The activity tracking ``item`` writes: its fields, its identity as id, an incoming mail
    with no files; ``changes`` replace any field."""
    activity = Activity(
        id=claim_key(item),
        kind=item.kind,
        key=item.key,
        subject=item.subject,
        preview=item.preview,
        sender=item.sender,
        to=item.to,
        cc=item.cc,
        occurred_at=item.occurred_at,
        direction="incoming",
        attachments=(),
        regarding=regarding,
        tracked_by=tracked_by,
        tracked_at=tracked_at,
    )
    return replace(activity, **changes) if changes else activity
