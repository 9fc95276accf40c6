"""Plain data shared by the rule core, the boundaries and the services.

Frozen dataclasses, no I/O, no SDK imports. Times are timezone-aware UTC datetimes.
Email addresses inside these types are kept as received; ``normalize_address``
gives the comparison form (trimmed, lower-cased).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

ItemKind = Literal["email", "meeting"]
ItemState = Literal["tracked", "untracked", "pending"]
Direction = Literal["incoming", "outgoing"]
TrackingState = Literal["pending", "tracked", "failed"]
#: Graph's attachment types: a file, an attached Outlook item (mail, meeting, contact), a cloud link.
AttachmentKind = Literal["file", "item", "reference"]

#: The built-in CRM entity types; any other entity type must be a custom record.
STANDARD_ENTITY_TYPES = ("account", "contact", "opportunity", "lead", "case")


def normalize_address(address: str) -> str:
    """The comparison form of an email address: trimmed and lower-cased."""
    return address.strip().lower()


@dataclass(frozen=True, order=True)
class RecordRef:
    """A pointer to a CRM record: its entity type and id."""

    entity_type: str
    id: str

    @property
    def key(self) -> str:
        """``entityType:id``, unique across the org (used as a Cosmos partition key)."""
        return f"{self.entity_type}:{self.id}"


@dataclass(frozen=True)
class CrmRecord:
    """One CRM record as imported (docs/formats.md). Fields that do not apply stay empty."""

    entity_type: str
    id: str
    name: str
    emails: tuple[str, ...] = ()
    owner_id: str | None = None
    team_ids: tuple[str, ...] = ()
    modified_on: datetime | None = None
    # account, case
    primary_contact_id: str | None = None
    # contact
    parent_account_id: str | None = None
    # opportunity
    contact_id: str | None = None
    account_id: str | None = None
    stakeholder_ids: tuple[str, ...] = ()
    originating_lead_id: str | None = None
    # lead
    contact_email: str | None = None
    # case
    customer: RecordRef | None = None
    # custom entity: lookup field name -> target record
    custom: bool = False
    lookups: tuple[tuple[str, RecordRef], ...] = ()

    @property
    def ref(self) -> RecordRef:
        return RecordRef(self.entity_type, self.id)


@dataclass(frozen=True)
class Participant:
    """A mail participant: address plus display name (may be empty)."""

    address: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    """An attachment's metadata; its file, when copied, is in the blob store (``stored``).

    ``id`` is ours (stable per Graph attachment id, safe in a URL); ``source_id`` is the
    Graph attachment id the track job reads it with; ``content_id`` is the ``cid:`` an
    inline image is referenced by in the HTML body; ``reason`` says why a file was not
    copied (``stored`` False).
    """

    name: str
    size: int
    content_type: str
    id: str = ""
    is_inline: bool = False
    kind: AttachmentKind = "file"
    source_id: str = ""
    content_id: str = ""
    stored: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class AttachmentFile:
    """An attachment's content as read from the mailbox (never logged)."""

    data: bytes
    content_type: str
    content_id: str = ""


@dataclass(frozen=True, kw_only=True)
class Envelope:
    """What a mailbox item, its tracked copy and its tile share: kind, subject, preview,
    people and time (``envelope`` gives them to build one from another).

    For meetings ``sender`` is the organizer, ``to`` the required (and resource)
    attendees and ``cc`` the optional attendees.
    """

    kind: ItemKind
    subject: str
    preview: str
    sender: Participant | None
    to: tuple[Participant, ...]
    cc: tuple[Participant, ...]
    occurred_at: datetime

    def participants(self) -> tuple[Participant, ...]:
        head = (self.sender,) if self.sender else ()
        return head + self.to + self.cc


#: The names of :class:`Envelope`'s fields (read once: ``fields()`` walks the class each call).
_ENVELOPE_FIELDS = (*(f.name for f in fields(Envelope)),)


def envelope(item: Envelope) -> dict[str, Any]:
    """The envelope fields of ``item``, as keywords to build another kind of item from."""
    return {name: getattr(item, name) for name in _ENVELOPE_FIELDS}


@dataclass(frozen=True, kw_only=True)
class MailItem(Envelope):
    """An email or meeting as read from the user's mailbox (a suggestion candidate).

    ``key`` is the cross-mailbox identity: the email's ``internetMessageId`` or the
    meeting's ``iCalUId``. ``id`` is the Graph item id in this user's mailbox.
    ``sent_at`` is an email's ``sentDateTime`` (the same in every copy, unlike the
    received time).

    The last fields say what kind of mailbox item it is, for the correspondence filter
    (``shared.mailbox.correspondence``): the Graph folder id of an email, whether it is a
    draft; whether a meeting is cancelled, its ``sensitivity`` and the owner's response.
    """

    id: str
    key: str
    sent_at: datetime | None = None
    folder_id: str = ""
    is_draft: bool = False
    is_cancelled: bool = False
    sensitivity: str = "normal"
    response: str = ""


@dataclass(frozen=True)
class MailItemDetail:
    """The full email or meeting, as the track job copies it into the store."""

    item: MailItem
    body: str
    body_content_type: str
    attachments: tuple[Attachment, ...] = ()
    # meetings only
    end_at: datetime | None = None
    location: str = ""


@dataclass(frozen=True)
class MatchReason:
    """Why a suggestion matched: which address, through which rule (e.g. ``stakeholder``),
    and the record whose email the address is (``None`` when not known)."""

    address: str
    rule: str
    record: RecordRef | None = None


@dataclass(frozen=True, kw_only=True)
class Activity(Envelope):
    """A tracked email or meeting, stored once in Cosmos DB and visible to the team.

    ``id`` is the item's identity (``shared.rules.identity.claim_key``), the same in every
    mailbox; ``key`` and the envelope are the tracked mailbox item's.
    """

    id: str
    key: str
    direction: Direction
    attachments: tuple[Attachment, ...]
    regarding: RecordRef
    tracked_by: str
    tracked_at: datetime
    body: str = ""
    body_content_type: str = "text"
    end_at: datetime | None = None
    location: str = ""
    #: The blob holding the body when it is too large to keep in the document (else None).
    body_blob: str | None = None


@dataclass(frozen=True)
class TrackingRequest:
    """A user's Track click, from ``pending`` to ``tracked`` or ``failed``.

    Holds enough of the item (``summary``) to show it as a pending tile; private
    to ``user_id``.
    """

    id: str
    user_id: str
    item_id: str
    kind: ItemKind
    regarding: RecordRef
    state: TrackingState
    created_at: datetime
    updated_at: datetime
    key: str | None = None
    summary: MailItem | None = None
    activity_id: str | None = None
    error: str | None = None
    attempts: int = 0
    #: How often the sweeper queued this request's job again (docs/design.md, Track).
    requeues: int = 0


@dataclass(frozen=True, kw_only=True)
class TimelineItem(Envelope):
    """One tile of the timeline, as the API answers it (docs/api.md)."""

    id: str
    state: ItemState
    direction: Direction | None = None
    attachments: tuple[Attachment, ...] = ()
    matched_by: tuple[MatchReason, ...] = ()
    tracking_id: str | None = None
    #: A ``tracked`` tile of the caller's own mailbox copy of an item tracked on another record.
    regarding: RecordRef | None = None


@dataclass(frozen=True)
class OrgSettings:
    """Organisation-wide settings, changed by the Admin role only."""

    auto_capture_enabled: bool = True
    excluded: tuple[str, ...] = ()
    hide_internal_only: bool = False
    internal_domains: tuple[str, ...] = ()
    #: Days a tracked activity is kept (by ``occurredAt``) before the retention job deletes
    #: it; None: kept until untracked or erased.
    retention_days: int | None = None
    #: Keyed hashes (``shared.rules.erasure.address_hash``) of erased addresses: mail with
    #: one of them is never suggested or tracked again.
    erased: tuple[str, ...] = ()
    etag: str | None = field(default=None, compare=False)


ErasureState = Literal["running", "done", "failed"]


@dataclass(frozen=True)
class ErasureReceipt:
    """What an erasure removed: counts and ids, never the address or any content.

    Kept as the job goes (written before each removal), so a resumed run still counts
    what an interrupted one removed, and counts nothing twice: ``removed_activities``
    pairs each removed activity's id with its attachment count, ``tracking_requests``
    holds the removed requests' ids, ``exclusion_lists`` the lists the address was taken
    off (``org``, ``user:<oid>``).
    """

    id: str
    address_hash: str
    state: ErasureState
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None = None
    removed_activities: tuple[tuple[str, int], ...] = ()
    tracking_requests: tuple[str, ...] = ()
    exclusion_lists: tuple[str, ...] = ()

    @property
    def attachments(self) -> int:
        return sum(count for _, count in self.removed_activities)


@dataclass(frozen=True)
class UserSettings:
    """One user's personal settings."""

    show_untracked_email: bool = True
    excluded: tuple[str, ...] = ()
    etag: str | None = field(default=None, compare=False)
