"""The store Protocols: what the services read and write, whatever holds the data.

Two layers, both declared here:
- the **stores** the services use (``RecordStore``, ``ActivityStore``, ``TrackingStore``,
  ``SettingsStore``, ``ErasureStore``), one per container, with SDK-style verbs: ``get_`` raises
  ``NotFoundError`` when the item is missing, ``list_`` returns an empty list, ``upsert_``
  writes whether or not the item exists, ``delete_`` succeeds when the item is already gone,
  create-if-absent finds the earlier item (``claim``, ``create_request``), and etag writes
  raise ``PreconditionFailedError`` after a concurrent change (``save_org``, ``save_user``);
- the **document database** under them (``Database``): the handful of Cosmos DB item
  operations they are written with, and ``Query``, the one query shape they need. Its
  backends are ``shared.store.cosmos.CosmosDatabase`` (Azure Cosmos DB) and
  ``shared.store.memory.MemoryDatabase`` (in process, for tests); both enforce Cosmos DB's
  item limits (``shared.store.limits``).

The store classes (``shared.store.records`` etc.) hold the logic once, over a ``Database``;
``shared.store.stores`` bundles them for one backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from shared.model import (
    Activity,
    CrmRecord,
    ErasureReceipt,
    OrgSettings,
    RecordRef,
    TrackingRequest,
    UserSettings,
)

Doc = dict[str, Any]

#: Contacts of an account a timeline reads at most (most recently modified first).
CHILD_LIMIT = 50
#: Tracked activities a timeline shows at most (newest first).
TIMELINE_LIMIT = 200


@dataclass(frozen=True)
class Claim:
    """Who first tracked an item, and which record it is regarding."""

    activity_id: str
    regarding: RecordRef
    claimed_by: str
    tracking_id: str


# --- the stores ------------------------------------------------------------------------


class RecordStore(Protocol):
    """CRM records: point reads and single-partition queries only."""

    async def get_record(self, ref: RecordRef) -> CrmRecord:
        """The record, or NotFoundError."""
        ...

    async def find_records(self, refs: Iterable[RecordRef]) -> dict[RecordRef, CrmRecord]:
        """The records that exist among ``refs`` (the others are left out)."""
        ...

    async def list_child_contacts(self, account_id: str, limit: int = CHILD_LIMIT) -> tuple[CrmRecord, ...]:
        """The account's contacts, most recently modified first, at most ``limit``."""
        ...

    async def upsert_record(self, record: CrmRecord) -> None:
        """Write a record (a contact also under its parent account)."""
        ...

    async def upsert_records(self, records: Sequence[CrmRecord], concurrency: int = 16) -> int:
        """Write many records; returns how many were written."""
        ...


class ActivityStore(Protocol):
    """Tracked activities and the claims that make an item tracked once, org-wide."""

    async def claim(self, claim: Claim) -> Claim:
        """Create the claim if absent; return the claim that holds (ours or the earlier one)."""
        ...

    async def get_claim(self, activity_id: str) -> Claim:
        """The item's claim, or NotFoundError."""
        ...

    async def upsert_activity(self, activity: Activity) -> None:
        """Write the activity in its record's partition (a retry overwrites)."""
        ...

    async def get_activity(self, regarding: RecordRef, activity_id: str) -> Activity:
        """The activity on that record, or NotFoundError."""
        ...

    async def find_activity(self, activity_id: str) -> Activity | None:
        """The activity an item's claim points at, or None if the item is not tracked."""
        ...

    async def list_for_record(self, ref: RecordRef, limit: int = TIMELINE_LIMIT) -> list[Activity]:
        """The record's activities, newest first, at most ``limit``."""
        ...

    async def tracked_regarding(self, activity_ids: Iterable[str]) -> dict[str, RecordRef]:
        """Which of these items are tracked anywhere in the org, and the record each is regarding."""
        ...

    async def delete_activity(self, regarding: RecordRef, activity_id: str) -> None:
        """Remove the activity, its blobs and its claim; succeeds when already gone."""
        ...

    async def release_claim(self, activity_id: str, tracking_id: str) -> bool:
        """Delete the item's claim and its blobs if ``tracking_id`` made it and no activity
        stands under it; whether it did."""
        ...

    async def get_body(self, activity: Activity) -> str:
        """The activity's full body (from its document or its blob)."""
        ...

    async def put_attachment(
        self, activity_id: str, attachment_id: str, data: bytes, content_type: str
    ) -> None:
        """Write a copied attachment file (a retry overwrites)."""
        ...

    async def get_attachment(self, activity_id: str, attachment_id: str) -> bytes:
        """A copied attachment file, or NotFoundError."""
        ...

    async def discard_content(self, activity_id: str) -> int:
        """Delete every blob of the activity (body, files); how many there were."""
        ...

    # data governance (shared.services.erasure, shared.services.retention)

    async def list_involving(self, address: str) -> list[Activity]:
        """Every record's activities ``address`` takes part in: from, to, cc (meetings: organizer,
        attendees), compared case-insensitively. One cross-partition query."""
        ...

    async def list_occurred_before(self, cutoff: datetime, limit: int) -> list[Activity]:
        """Activities (on any record) that occurred before ``cutoff``, oldest first, at most ``limit``."""
        ...


class TrackingStore(Protocol):
    """Track requests, private to the user who made them."""

    async def create_request(self, request: TrackingRequest) -> tuple[TrackingRequest, bool]:
        """Create if absent. Returns (the stored request, whether this call created it)."""
        ...

    async def get_request(self, user_id: str, tracking_id: str) -> TrackingRequest:
        """The request, or NotFoundError (also when it belongs to another user)."""
        ...

    async def find_request(self, user_id: str, tracking_id: str) -> TrackingRequest | None:
        """The request, or None (also when it belongs to another user)."""
        ...

    async def save_request(self, request: TrackingRequest) -> None:
        """Write the request (upsert)."""
        ...

    async def list_pending(self, user_id: str, regarding: RecordRef) -> list[TrackingRequest]:
        """The user's pending requests for a record."""
        ...

    async def list_for_items(self, keys: Iterable[str]) -> list[TrackingRequest]:
        """Every user's requests for these items (by identity: ``claim_key``, an activity's id), any state."""
        ...

    async def delete_request(self, user_id: str, tracking_id: str) -> None:
        """Remove the request; succeeds when already gone."""
        ...

    async def list_oldest_pending(self, limit: int) -> list[TrackingRequest]:
        """Every user's pending requests, least recently updated first, at most ``limit``."""
        ...


class SettingsStore(Protocol):
    """Org and user settings, written with optimistic concurrency."""

    async def get_org(self) -> OrgSettings:
        """The org settings (the defaults when never saved), with the etag read."""
        ...

    async def get_user(self, oid: str) -> UserSettings:
        """A user's settings (the defaults when never saved), with the etag read."""
        ...

    async def save_org(self, settings: OrgSettings) -> None:
        """Write unless the document changed since ``settings.etag`` (PreconditionFailedError)."""
        ...

    async def save_user(self, oid: str, settings: UserSettings) -> None:
        """Write unless the document changed since ``settings.etag`` (PreconditionFailedError)."""
        ...

    async def list_users_excluding(self, entry: str) -> list[str]:
        """The oids of the users whose personal exclusion list holds ``entry`` (normalized)."""
        ...


class ErasureStore(Protocol):
    """Erasure receipts: counts and ids of what an erasure removed, never content."""

    async def create_receipt(self, receipt: ErasureReceipt) -> None:
        """Write a new receipt (AlreadyExistsError if its id is taken)."""
        ...

    async def get_receipt(self, erasure_id: str) -> ErasureReceipt:
        """The receipt, or NotFoundError."""
        ...

    async def save_receipt(self, receipt: ErasureReceipt) -> None:
        """Write the receipt (upsert)."""
        ...


# --- the document database under them ------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """The one query shape the stores use, run the same way by every backend.

    ``SELECT [TOP top] <fields or *> FROM c WHERE c.<name> = <value> AND ...
    [AND ARRAY_CONTAINS(<values>, c.<name>)] [AND c.<name> < <value>]
    [AND ARRAY_CONTAINS(c.<name>, <value>)] [AND <participant>]
    [ORDER BY c.<order_by> DESC|ASC]``, within one partition when ``partition_key`` is
    given, across all otherwise.
    """

    equals: Mapping[str, object] = field(default_factory=dict)
    #: ``(field, values)``: the field's value is one of ``values``.
    within: tuple[str, tuple[object, ...]] | None = None
    #: ``(field, value)``: the field's value is less than ``value`` (of the same JSON type).
    before: tuple[str, object] | None = None
    #: ``(field, value)``: the field is an array that holds ``value``.
    holds: tuple[str, object] | None = None
    #: ``(address, object fields, array fields)``: the ``address`` of one of these fields'
    #: participants (an object, or an array of objects) is ``address``, lower-cased.
    participant: tuple[str, tuple[str, ...], tuple[str, ...]] | None = None
    partition_key: str | None = None
    order_by: str | None = None
    descending: bool = False
    top: int | None = None
    #: Only these top-level fields of each document (those it has); None: whole documents.
    fields: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.top is not None and self.top < 0:
            raise ValueError("TOP must not be negative")


class Database(Protocol):
    """Item operations on the containers of ``shared.config.CONTAINERS``.

    ``what`` names the item in error messages ("record not found"). Writes return the
    stored document, system properties included (``_etag`` changes on every write).
    """

    async def create_item(self, container: str, body: Doc, what: str) -> Doc:
        """Create; AlreadyExistsError when an item with this id is in the partition."""
        ...

    async def read_item(self, container: str, item_id: str, partition_key: str, what: str) -> Doc:
        """Point read; NotFoundError when missing."""
        ...

    async def upsert_item(self, container: str, body: Doc, what: str) -> Doc:
        """Create or replace."""
        ...

    async def replace_item(self, container: str, item_id: str, body: Doc, etag: str | None, what: str) -> Doc:
        """Replace; NotFoundError when missing, PreconditionFailedError when ``etag`` is stale."""
        ...

    async def delete_item(self, container: str, item_id: str, partition_key: str, what: str) -> None:
        """Delete; NotFoundError when missing."""
        ...

    async def query(self, container: str, query: Query, what: str) -> list[Doc]:
        """Every matching document (or projection), in the query's order."""
        ...

    async def ping(self) -> None:
        """StoreUnavailableError unless the database answers."""
        ...

    async def close(self) -> None:
        """Release connections; the database may not be used afterwards."""
        ...
