"""Model builders the tests share: a mailbox item, the activity Track writes for it, and
the instant and record the pure rule tests take as "now" and "the record"."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from shared.model import Activity, ItemKind, MailItem, MailItemDetail, Participant, RecordRef
from shared.rules.identity import claim_key
from shared.rules.track import activity_of

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ACCOUNT = RecordRef("account", "a1")


def mail_item(
    item_id: str,
    at: datetime,
    *,
    kind: ItemKind = "email",
    key: str | None = None,
    subject: str | None = None,
    preview: str = "",
    sender: str | Participant | None = "info@contoso.com",
    to: tuple[str, ...] = ("me@mycorp.example",),
    cc: tuple[str, ...] = (),
    **changes: Any,
) -> MailItem:
    """A mailbox item from plain addresses; ``key`` and ``subject`` default to ones made of
    its id; ``changes`` replace any field (``sent_at``, ``folder_id``, ...)."""
    item = MailItem(
        id=item_id,
        kind=kind,
        key=f"<{item_id}@mail>" if key is None else key,
        subject=f"subject {item_id}" if subject is None else subject,
        preview=preview,
        sender=Participant(sender) if isinstance(sender, str) else sender,
        to=tuple(Participant(a) for a in to),
        cc=tuple(Participant(a) for a in cc),
        occurred_at=at,
    )
    return replace(item, **changes) if changes else item


def tracked_copy(
    item: MailItem, regarding: RecordRef, tracked_by: str, tracked_at: datetime, **changes: Any
) -> Activity:
    """The activity tracking ``item`` writes: its fields, its identity as id, an incoming mail
    with no files; ``changes`` replace any field."""
    activity = activity_of(
        MailItemDetail(item, body="", body_content_type="text"),
        activity_id=claim_key(item),
        direction="incoming",
        regarding=regarding,
        tracked_by=tracked_by,
        tracked_at=tracked_at,
    )
    return replace(activity, **changes) if changes else activity
