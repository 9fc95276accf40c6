"""The JSON Lines record format, validated line by line (pure; pydantic).

A file is accepted only if every line is valid: the import is all-or-nothing, so a bad
line never leaves the store half-updated. Each error names its line number and field.
``ownerId`` is the owner's Entra object id: a UPN there is refused (record access never
matches a UPN, which is mutable), with the command that finds the object id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError

from shared.model import STANDARD_ENTITY_TYPES, CrmRecord, RecordRef
from shared.validation import EMAIL_PATTERN, ENTITY_TYPE_PATTERN, ID_PATTERN, MAX_EMAIL_LENGTH

RecordId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
EntityType = Annotated[str, StringConstraints(pattern=ENTITY_TYPE_PATTERN)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=MAX_EMAIL_LENGTH, pattern=EMAIL_PATTERN)
]
MAX_LINE_BYTES = 256 * 1024

#: Which optional fields apply to which entity type (custom entities: ``lookups``).
FIELDS_BY_TYPE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "primaryContactId": frozenset({"account", "case"}),
        "parentAccountId": frozenset({"contact"}),
        "contactId": frozenset({"opportunity"}),
        "accountId": frozenset({"opportunity"}),
        "stakeholderIds": frozenset({"opportunity"}),
        "originatingLeadId": frozenset({"opportunity"}),
        "contactEmail": frozenset({"lead"}),
        "customer": frozenset({"case"}),
    }
)


class RefIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    entityType: EntityType
    id: RecordId

    @model_validator(mode="after")
    def _account_or_contact(self) -> RefIn:
        if self.entityType not in ("account", "contact"):
            raise ValueError("must reference an account or a contact")
        return self


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    entityType: EntityType
    id: RecordId
    name: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    emails: Annotated[list[Email], Field(max_length=100)] = []
    ownerId: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    teamIds: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=128)]], Field(max_length=100)
    ] = []
    modifiedOn: str | None = None
    primaryContactId: RecordId | None = None
    parentAccountId: RecordId | None = None
    contactId: RecordId | None = None
    accountId: RecordId | None = None
    stakeholderIds: Annotated[list[RecordId], Field(max_length=500)] = []
    originatingLeadId: RecordId | None = None
    contactEmail: Email | None = None
    customer: RefIn | None = None
    custom: bool = False
    lookups: Annotated[dict[EntityType, RefIn], Field(max_length=50)] = {}

    @model_validator(mode="after")
    def _consistent(self) -> RecordIn:
        standard = self.entityType in STANDARD_ENTITY_TYPES
        if standard and self.custom:
            raise ValueError(f"'{self.entityType}' is a standard entity type; custom must be false")
        if not standard and not self.custom:
            raise ValueError(
                f"unknown entity type '{self.entityType}' (custom entities need \"custom\": true)"
            )
        if self.lookups and not self.custom:
            raise ValueError("lookups apply to custom entities only")
        for name, types in FIELDS_BY_TYPE.items():
            value = getattr(self, name)
            if value not in (None, []) and self.entityType not in types:
                raise ValueError(f"{name} does not apply to entityType '{self.entityType}'")
        if self.modifiedOn is not None:
            _parse_time(self.modifiedOn)
        return self

    @field_validator("ownerId")
    @classmethod
    def _owner_is_an_object_id(cls, value: str | None) -> str | None:
        if value is not None and "@" in value:
            raise ValueError(
                "must be the owner's Entra object id, not a UPN or address (record access "
                "matches the token's oid only; find it with: az ad user show --id <upn> --query id)"
            )
        return value.strip() if value is not None else None

    def to_record(self) -> CrmRecord:
        return CrmRecord(
            entity_type=self.entityType,
            id=self.id,
            name=self.name,
            emails=tuple(self.emails),
            owner_id=self.ownerId,
            team_ids=tuple(self.teamIds),
            modified_on=_parse_time(self.modifiedOn) if self.modifiedOn else None,
            primary_contact_id=self.primaryContactId,
            parent_account_id=self.parentAccountId,
            contact_id=self.contactId,
            account_id=self.accountId,
            stakeholder_ids=tuple(self.stakeholderIds),
            originating_lead_id=self.originatingLeadId,
            contact_email=self.contactEmail,
            customer=RecordRef(self.customer.entityType, self.customer.id) if self.customer else None,
            custom=self.custom,
            lookups=tuple((k, RecordRef(v.entityType, v.id)) for k, v in sorted(self.lookups.items())),
        )


def _parse_time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError("modifiedOn must be an ISO-8601 date-time") from exc
    if parsed.tzinfo is None:
        raise ValueError("modifiedOn must carry a time zone (e.g. 2026-11-01T00:00:00Z)")
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ParseResult:
    records: tuple[CrmRecord, ...]
    errors: tuple[LineError, ...]


def _describe(exc: PydanticValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)


def parse_lines(lines: Iterable[str | bytes]) -> ParseResult:
    """Validate every line; blank lines are ignored. Duplicated records are errors."""
    records: list[CrmRecord] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_BYTES:
            errors.append(LineError(number, f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        text = raw.decode("utf-8", errors="strict") if isinstance(raw, bytes) else raw
        if not text.strip():
            continue
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            errors.append(LineError(number, f"not valid JSON ({exc.args[0] if exc.args else exc})"))
            continue
        if not isinstance(data, dict):
            errors.append(LineError(number, "each line must be a JSON object"))
            continue
        try:
            record = RecordIn.model_validate(data).to_record()
        except PydanticValidationError as exc:
            errors.append(LineError(number, _describe(exc)))
            continue
        key = record.ref.key
        if key in seen:
            errors.append(LineError(number, f"duplicate record {key} (first on line {seen[key]})"))
            continue
        seen[key] = number
        records.append(record)
    return ParseResult(tuple(records), tuple(errors))
