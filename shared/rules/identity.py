"""Which item is which, and who may see a tracked copy of it. Pure, no I/O.

An email's ``internetMessageId`` and a meeting's ``iCalUId`` are chosen by the sender
and travel in every reply, so on their own they identify nothing: anyone can plant a
mail carrying another mail's Message-ID. An item's **identity** (``claim_key``) combines
that id with what every copy of the same item shares and a different item cannot share
unnoticed: the sender (the organizer of a meeting), the sent time (the meeting's start)
and the subject. It never uses what differs between mailboxes (``receivedDateTime``, the
Graph item id), so two users tracking the same mail still find one claim, one activity.
A different item with the same Message-ID has another identity: its own suggestion, its
own activity; it never hides or replaces another.

The identity is hashed: it is the tracked activity's id and the claim's, and it carries
no content.

Disclosure: whatever path finds an existing activity (Track, bulk Track, the timeline's
dedupe), its content goes only to a caller who may read the record it is regarding
(``visible_activity``); ``suggestion_status`` is the timeline's dedupe decision.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Literal

from shared.model import Activity, MailItem, normalize_address

#: The length of an identity (hex digits of its SHA-256).
IDENTITY_LENGTH = 40

SuggestionStatus = Literal["untracked", "tracked_here", "tracked_elsewhere"]


def _instant(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else ""


def identity_parts(item: MailItem) -> tuple[str, ...]:
    """What the identity is made of: kind, id, sender, sent time (meeting: start), subject."""
    sender = normalize_address(item.sender.address) if item.sender is not None else ""
    when = item.occurred_at if item.kind == "meeting" else item.sent_at
    return (item.kind, item.key.strip(), sender, _instant(when), item.subject.strip())


def claim_key(item: MailItem) -> str:
    """The item's identity, hashed: the id of its claim and of its tracked activity."""
    text = "\n".join(identity_parts(item))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:IDENTITY_LENGTH]


def item_key(item: MailItem | Activity) -> str:
    """The identity the timeline compares: a mail item's ``claim_key``, an activity's id."""
    if isinstance(item, Activity):
        return item.id
    return claim_key(item)


def visible_activity(activity: Activity, may_read_record: bool) -> Activity | None:
    """The activity, to a caller who may read the record it is regarding; None otherwise
    (the answer then says "tracked" and carries none of its content)."""
    return activity if may_read_record else None


def suggestion_status(identity: str, here: Collection[str], anywhere: Collection[str]) -> SuggestionStatus:
    """The timeline's dedupe of one suggestion against the tracked items.

    ``here``: identities of the record's own activities (shown as tracked tiles to anyone
    who may read the record); ``anywhere``: identities tracked on any record. A suggestion
    tracked here or elsewhere is not offered for Track; what a "tracked elsewhere" item
    shows is the caller's own mail, never the other record's activity.
    """
    if identity in here:
        return "tracked_here"
    if identity in anywhere:
        return "tracked_elsewhere"
    return "untracked"
