"""Parse request bodies and route values into validated models, naming the bad field."""

from __future__ import annotations

import re
from typing import TypeVar

import azure.functions as func
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from shared.exceptions import ValidationError
from shared.http import read_json
from shared.model import RecordRef
from shared.rules.exclusions import ADDRESS_ENTRY_PATTERN
from shared.validation import MAX_EMAIL_LENGTH, require_entity_type, require_id

M = TypeVar("M", bound=BaseModel)


def parse_body[M: BaseModel](req: func.HttpRequest, model: type[M]) -> M:
    data = read_json(req)
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        message = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "string_pattern_mismatch":  # the value, not the regex (the document has it)
            value = str(first["input"])
            shown = repr(value if len(value) <= 80 else value[:80] + "...")
            message = f"{shown} does not have the documented form"
        raise ValidationError(message, field) from exc


def route_record(req: func.HttpRequest) -> RecordRef:
    """``{entityType}/{recordId}`` from the route, validated."""
    entity_type = require_entity_type(req.route_params.get("entityType"), "entityType")
    record_id = require_id(req.route_params.get("recordId"), "recordId")
    return RecordRef(entity_type, record_id)


def route_activity(req: func.HttpRequest) -> tuple[RecordRef, str]:
    """``{entityType}/{recordId}/activities/{activityId}`` from the route, validated."""
    return route_record(req), require_id(req.route_params.get("activityId"), "activityId")


#: What an ``?address=`` takes, as the OpenAPI document states it (ASCII, as exclusions).
_ADDRESS = re.compile(ADDRESS_ENTRY_PATTERN)


def query_address(req: func.HttpRequest, name: str = "address") -> str | None:
    """An optional email address from the query string (``?address=x@y``), validated."""
    value = req.params.get(name)
    if value is None:
        return None
    if len(value) > MAX_EMAIL_LENGTH or not _ADDRESS.fullmatch(value):
        raise ValidationError("must be an email address such as jane@contoso.com", name)
    return str(value).strip()
