"""Request and response bodies of the HTTP API, as pydantic models.

The handlers validate every body with these models and the OpenAPI document is generated
from them, so the documented contract and the behaviour cannot drift apart.
Request models forbid unknown fields and cap every string and list.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.rules.exclusions import MAX_EXCLUSIONS
from shared.validation import ENTITY_TYPE_PATTERN, GRAPH_ITEM_ID_PATTERN, ID_PATTERN

EntityType = Annotated[str, StringConstraints(pattern=ENTITY_TYPE_PATTERN)]
RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ItemId = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=GRAPH_ITEM_ID_PATTERN)]
Entry = Annotated[str, StringConstraints(min_length=1, max_length=254)]
MAX_BULK_ITEMS = 50


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


# --- shared pieces -------------------------------------------------------------------


class RecordRefBody(_Request):
    entityType: EntityType
    id: RecordId


class ParticipantBody(_Response):
    address: str
    name: str = ""


class AttachmentBody(_Response):
    name: str
    size: int
    contentType: str


class RecordLabel(_Response):
    """A record a field points at; ``name`` is null when the caller may not read it."""

    entityType: str
    id: str
    name: str | None


class MatchReasonBody(_Response):
    address: str
    rule: str = Field(examples=["primaryContact"])
    record: RecordLabel | None = Field(default=None, description="the record whose email the address is")


class Problem(_Response):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None


# --- timeline ----------------------------------------------------------------------------


class TimelineRecord(_Response):
    entityType: str
    id: str
    name: str


class TimelineItemBody(_Response):
    id: str
    kind: Literal["email", "meeting"]
    state: Literal["tracked", "untracked", "pending"]
    subject: str
    preview: str
    from_: ParticipantBody | None = Field(alias="from")
    to: list[ParticipantBody]
    cc: list[ParticipantBody]
    occurredAt: str
    direction: Literal["incoming", "outgoing"] | None = None
    attachments: list[AttachmentBody] | None = None
    matchedBy: list[MatchReasonBody] | None = None
    trackingId: str | None = None
    regarding: RecordLabel | None = Field(
        default=None,
        description="on a tracked item of the caller's own mailbox that is tracked on another record",
    )


class AutoCaptureStatus(_Response):
    active: bool
    notice: str | None
    reason: str | None = Field(
        default=None,
        description="machine-readable cause when inactive or degraded, e.g. ORG_DISABLED, THROTTLED",
    )


class TimelineResponse(_Response):
    record: TimelineRecord
    items: list[TimelineItemBody]
    autoCapture: AutoCaptureStatus


# --- explain and the admin dry run -------------------------------------------------------

HiddenReason = Literal[
    "FOLDER",
    "DRAFT",
    "CANCELLED",
    "PRIVATE",
    "OWN_ADDRESS_ONLY",
    "OUTSIDE_WINDOW",
    "EXCLUDED_ORG",
    "EXCLUDED_USER",
    "INTERNAL_ONLY",
    "OVER_CAP",
]


class ResolvedAddress(_Response):
    address: str
    rules: list[str]
    from_: list[RecordLabel] = Field(alias="from", description="the records the address is an email of")


class LeftOutRecordBody(_Response):
    entityType: str
    id: str
    name: str | None
    reason: Literal["BEYOND_TOP_50", "NOT_FOUND", "NO_EMAIL"]


class ExclusionsBody(_Response):
    org: list[str]
    user: list[str]
    internalOnly: bool


class HiddenItemBody(_Response):
    id: str
    kind: Literal["email", "meeting"]
    subject: str
    occurredAt: str
    reason: HiddenReason


class AskedAddress(_Response):
    address: str
    related: bool
    rules: list[str]


class RulesDryRunResponse(_Response):
    record: TimelineRecord
    addresses: list[ResolvedAddress]
    leftOut: list[LeftOutRecordBody]


class ExplainResponse(RulesDryRunResponse):
    exclusions: ExclusionsBody
    hidden: list[HiddenItemBody]
    autoCapture: AutoCaptureStatus
    address: AskedAddress | None = Field(default=None, description="with ?address= only")


# --- tracking ----------------------------------------------------------------------------------


class TrackRequest(_Request):
    itemId: ItemId
    kind: Literal["email", "meeting"]
    regarding: RecordRefBody


class BulkTrackRequest(_Request):
    items: Annotated[list[TrackRequest], Field(min_length=1, max_length=MAX_BULK_ITEMS)]


class TrackAccepted(_Response):
    trackingId: str | None = Field(
        default=None, description="the caller's Track request; absent when someone else tracked the item"
    )
    state: Literal["pending", "tracked", "failed"]
    activityId: str | None = None
    activity: TimelineItemBody | None = None
    error: str | None = None


class BulkTrackResult(_Response):
    itemId: str
    status: int
    trackingId: str | None = None
    state: Literal["pending", "tracked", "failed"] | None = None
    activityId: str | None = None
    error: str | None = None


class BulkTrackResponse(_Response):
    results: list[BulkTrackResult]


class TrackingStatus(_Response):
    trackingId: str
    state: Literal["pending", "tracked", "failed"]
    activityId: str | None = None
    error: str | None = None


# --- settings ----------------------------------------------------------------------------


class OrgSettingsBody(_Response):
    autoCaptureEnabled: bool
    excluded: list[str]
    hideInternalOnly: bool
    internalDomains: list[str]


class UserSettingsBody(_Response):
    showUntrackedEmail: bool
    excluded: list[str]


class SettingsResponse(_Response):
    org: OrgSettingsBody
    user: UserSettingsBody | None = Field(default=None, description="absent while the org setting is off")


class OrgSettingsUpdate(_Request):
    autoCaptureEnabled: bool | None = None
    hideInternalOnly: bool | None = None
    internalDomains: Annotated[list[Entry], Field(max_length=50)] | None = None


class UserSettingsUpdate(_Request):
    showUntrackedEmail: bool


class ExclusionsChange(_Request):
    add: Annotated[list[Entry], Field(max_length=MAX_EXCLUSIONS)] = []
    remove: Annotated[list[Entry], Field(max_length=MAX_EXCLUSIONS)] = []


class HealthResponse(_Response):
    status: Literal["ok", "degraded"]
    checks: dict[str, Literal["ok", "unavailable"]]
