"""Syntax rules for values that come from outside: ids, entity types, email addresses.

Pure; shared by the record importer, the HTTP handlers and the settings validation.
"""

from __future__ import annotations

import re

from shared.exceptions import ValidationError

#: Record ids and user ids: safe as Cosmos ids and in URLs (no '/', '\\', '?', '#').
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@\-]{0,127}$"
ENTITY_TYPE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
#: A Graph item id (immutable ids are ~150 characters of base64 with '-', '_', '+', '=';
#: never '/', which would change the Graph URL it is put in).
GRAPH_ITEM_ID_PATTERN = r"^[A-Za-z0-9=_+\-]{1,512}$"
#: Our id of an attachment (``shared.rules.content.attachment_key``).
ATTACHMENT_ID_PATTERN = r"^att-[0-9a-f]{24}$"
KIND_PATTERN = r"^(email|meeting)$"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^[^@\s\"<>(),;:\\\[\]]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$"
MAX_EMAIL_LENGTH = 254

_ID = re.compile(ID_PATTERN)
_ENTITY_TYPE = re.compile(ENTITY_TYPE_PATTERN)
_EMAIL = re.compile(EMAIL_PATTERN)


def is_id(value: object) -> bool:
    return isinstance(value, str) and bool(_ID.fullmatch(value))


def is_entity_type(value: object) -> bool:
    return isinstance(value, str) and bool(_ENTITY_TYPE.fullmatch(value))


def is_email(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_EMAIL_LENGTH and bool(_EMAIL.match(value.strip()))


def require_id(value: object, field: str) -> str:
    if not is_id(value):
        raise ValidationError(
            "must be 1-128 letters, digits or . _ : @ - (starting with a letter or digit)", field
        )
    return str(value)


def require_pattern(value: object, pattern: str, field: str, what: str) -> str:
    """``value`` when it matches ``pattern`` in full, else ValidationError naming ``field``."""
    if not isinstance(value, str) or not re.fullmatch(pattern, value):
        raise ValidationError(f"must be {what}", field)
    return value


def require_entity_type(value: object, field: str) -> str:
    if not is_entity_type(value):
        raise ValidationError("must be a lower-case entity type name such as 'account'", field)
    return str(value)
