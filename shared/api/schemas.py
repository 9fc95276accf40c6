"""Request and response bodies of the HTTP API, as pydantic models.

The handlers validate every body with these models and the OpenAPI document is generated
from them, so the documented contract and the behaviour cannot drift apart.
Request models forbid unknown fields and cap every string and list.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from shared.rules.erasure import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS
from shared.rules.exclusions import (
    DOMAIN_ENTRY_PATTERN,
    EXCLUSION_ENTRY_PATTERN,
    MAX_ENTRY_LENGTH,
    MAX_EXCLUSIONS,
)
from shared.validation import ENTITY_TYPE_PATTERN, GRAPH_ITEM_ID_PATTERN, ID_PATTERN

EntityType = Annotated[str, StringConstraints(pattern=ENTITY_TYPE_PATTERN)]
RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
ItemId = Annotated[str, StringConstraints(min_length=1, max_length=512, pattern=GRAPH_ITEM_ID_PATTERN)]
#: An exclusion entry exactly as ``shared.rules.exclusions.validate_exclusion_entry`` accepts it.
Entry = Annotated[str, StringConstraints(max_length=MAX_ENTRY_LENGTH, pattern=EXCLUSION_ENTRY_PATTERN)]
#: An internal domain exactly as ``validate_domain_entry`` accepts it.
DomainEntry = Annotated[str, StringConstraints(max_length=MAX_ENTRY_LENGTH, pattern=DOMAIN_ENTRY_PATTERN)]


def _json_integer(value: object) -> object:
    """JSON Schema's integer: ``36`` or ``36.0`` (a number without a fraction), never ``true``
    or ``"36"``; the strict check after this refuses those."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


RetentionDays = Annotated[
    int, Field(ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS), BeforeValidator(_json_integer)
]
MAX_BULK_ITEMS = 50
MAX_INTERNAL_DOMAINS = 50


def _no_default(schema: dict[str, Any]) -> None:
    """An optional field that has no value when absent: no ``default: null`` in the document."""
    schema.pop("default", None)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_assignment=True)


# --- shared pieces -------------------------------------------------------------------


class RecordRefBody(_Request):
    entityType: EntityType
    id: RecordId


class RecordRefResponse(_Response):
    entityType: str
    id: str


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


class ItemEnvelope(_Response):
    """What a timeline item and a tracked activity's detail both show of a mail or meeting."""

    id: str
    kind: Literal["email", "meeting"]
    subject: str
    preview: str
    from_: ParticipantBody | None = Field(alias="from")
    to: list[ParticipantBody]
    cc: list[ParticipantBody]
    occurredAt: str


class TimelineItemBody(ItemEnvelope):
    state: Literal["tracked", "untracked", "pending"]
    direction: Literal["incoming", "outgoing"] | None = None
    attachments: list[AttachmentBody] | None = None
    matchedBy: list[MatchReasonBody] | None = None
    trackingId: str | None = None
    activityId: str | None = Field(
        default=None,
        description="on an item tracked on this record: its activity (the same as `id`), to read or untrack",
    )
    regarding: RecordLabel | None = Field(
        default=None,
        description="on a tracked item of the caller's own mailbox that is tracked on another record",
    )


class AutoCaptureStatus(_Response):
    active: bool
    notice: str | None
    reason: str | None = Field(
        default=None,
        description="machine-readable cause when inactive or degraded, e.g. ORG_DISABLED, THROTTLED, "
        "CONDITIONAL_ACCESS (sign in again with `claims`), BLOCKED_BY_POLICY (no sign-in helps)",
    )
    claims: str | None = Field(
        default=None,
        description="with CONDITIONAL_ACCESS: Entra ID's claims challenge; sign in again passing it "
        "as MSAL's `claims` request parameter, then reload",
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
    "DECLINED",
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


# --- content: a tracked activity's body and files, a live mailbox item ---------------------------


class MailBody(_Response):
    contentType: Literal["html", "text"]
    content: str = Field(description="HTML sanitized by the service (nh3), or plain text")


class AttachmentDetail(_Response):
    id: str
    name: str
    size: int
    contentType: str
    isInline: bool
    stored: bool = Field(description="whether the file was copied and can be downloaded")
    contentId: str | None = Field(default=None, description="the cid: an inline image is referenced by")
    reason: str | None = Field(default=None, description="why the file was not copied")


class ActivityDetail(ItemEnvelope):
    """A tracked activity as in the timeline, with its full body and every attachment."""

    state: Literal["tracked"] = "tracked"
    direction: Literal["incoming", "outgoing"]
    body: MailBody
    attachments: list[AttachmentDetail]
    trackedBy: str
    trackedAt: str
    endAt: str | None = None
    location: str | None = None


class MailboxItemDetail(_Response):
    """One of the caller's own untracked items, read live from their mailbox (never stored)."""

    id: str
    kind: Literal["email", "meeting"]
    subject: str
    from_: ParticipantBody | None = Field(alias="from")
    to: list[ParticipantBody]
    cc: list[ParticipantBody]
    occurredAt: str
    body: MailBody
    attachments: list[AttachmentDetail]


# --- tracking (continued) ------------------------------------------------------------------------


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
    activity: TimelineItemBody | None = Field(
        default=None,
        description="the tracked activity; only when the caller may read the record it is on "
        "(otherwise the answer says tracked and carries none of its content)",
    )
    error: str | None = None


class TrackQueued(_Response):
    """202: the copy is queued; poll ``GET /api/track/{trackingId}``."""

    trackingId: str
    state: Literal["pending"]


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
    regarding: RecordRefResponse | None = Field(
        default=None, description="the record the item is (being) tracked on"
    )
    activityId: str | None = None
    error: str | None = None


# --- settings ----------------------------------------------------------------------------


class OrgSettingsBody(_Response):
    autoCaptureEnabled: bool
    excluded: list[str]
    hideInternalOnly: bool
    internalDomains: list[str]
    retentionDays: int | None = Field(
        default=None, description="days a tracked activity is kept before it is deleted; null: forever"
    )


class UserSettingsBody(_Response):
    showUntrackedEmail: bool
    excluded: list[str]


class SettingsResponse(_Response):
    org: OrgSettingsBody
    user: UserSettingsBody | None = Field(default=None, description="absent while the org setting is off")


class OrgSettingsUpdate(_Request):
    """At least one field; ``null`` is not a value (leave a field out to keep it)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})
    # only the fields sent count (``model_fields_set``): the defaults never reach the store and
    # are left out of the document; null is not a boolean nor a list (strict)
    autoCaptureEnabled: bool = Field(default=True, json_schema_extra=_no_default)
    hideInternalOnly: bool = Field(default=False, json_schema_extra=_no_default)
    internalDomains: Annotated[list[DomainEntry], Field(max_length=MAX_INTERNAL_DOMAINS)] = Field(
        default_factory=list, json_schema_extra=_no_default
    )
    retentionDays: RetentionDays | None = Field(
        default=None,
        json_schema_extra=_no_default,
        description="days tracked activities are kept (by when they occurred); null: forever",
    )

    @model_validator(mode="after")
    def _at_least_one(self) -> Self:
        if not self.model_fields_set:
            raise ValueError(
                "give at least one of autoCaptureEnabled, hideInternalOnly, internalDomains, retentionDays"
            )
        return self


class UserSettingsUpdate(_Request):
    showUntrackedEmail: bool


class ExclusionsChange(_Request):
    add: Annotated[list[Entry], Field(max_length=MAX_EXCLUSIONS)] = []
    remove: Annotated[list[Entry], Field(max_length=MAX_EXCLUSIONS)] = []


class HealthResponse(_Response):
    status: Literal["ok", "degraded"]
    checks: dict[str, Literal["ok", "unavailable"]]
