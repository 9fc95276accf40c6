"""Bodies of the local-only ``/dev/*`` routes, as pydantic models.

``POST /dev/token`` is validated with ``DevTokenRequest`` itself and the local OpenAPI
document is generated from the same models, so what is documented is what is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from shared.exceptions import ValidationError

MAX_GROUPS = 50
MAX_DIRECTORY_RECORDS = 200
#: A user principal name as sent: a local part and a domain of printable ASCII without
#: spaces, ``@`` or quotes, spaces or tabs around it (trimmed). ASCII classes only, so that
#: pydantic's Rust engine, Python's ``re`` and ECMA-262 (the document) read it alike.
UPN_PATTERN = r"^[ \t]*[!#-?A-~]{1,64}@[!#-?A-~]{1,190}[ \t]*$"
GROUP_PATTERN = r"^[A-Za-z0-9._:\-]{1,64}$"

Role = Literal["AutoCapture.Admin", "Sales.Manager", "Sales.Person"]
Group = Annotated[str, StringConstraints(pattern=GROUP_PATTERN)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DevTokenRequest(_Request):
    """Leave out ``roles`` / ``groups`` to get the user's own from the local directory."""

    user: Annotated[str, StringConstraints(pattern=UPN_PATTERN)] = Field(
        description="userPrincipalName (or mail) of a mailbox user"
    )
    roles: list[Role] = Field(default=[], description="default: the user's roles in the directory")
    groups: Annotated[list[Group], Field(max_length=MAX_GROUPS)] = Field(
        default=[], description="default: the user's groups in the directory"
    )


class DevTokenResponse(_Response):
    token: str
    tokenType: Literal["Bearer"]
    expiresIn: int


class Jwk(_Response):
    model_config = ConfigDict(extra="allow")
    kty: str
    kid: str


class JwksResponse(_Response):
    keys: list[Jwk]


class DevStatsResponse(_Response):
    cosmos: dict[str, int] = Field(description="Cosmos DB operations by container")
    cosmosTotal: int


class DirectoryUserBody(_Response):
    userPrincipalName: str
    displayName: str
    roles: list[Role]
    groups: list[str]


class DirectoryRecordBody(_Response):
    entityType: str
    id: str
    name: str


class DirectoryResponse(_Response):
    users: list[DirectoryUserBody]
    records: list[DirectoryRecordBody] = Field(
        description=f"the records of the records file loaded at start, at most {MAX_DIRECTORY_RECORDS}"
    )


@dataclass(frozen=True)
class TokenRequest:
    """A validated ``POST /dev/token`` body; ``None`` means "not named: ask the directory"."""

    user: str
    roles: tuple[str, ...] | None = None
    groups: tuple[str, ...] | None = None


def parse_token_request(body: object) -> TokenRequest:
    """Validate with ``DevTokenRequest``; a ``ValidationError`` names the field (never echoes it)."""
    try:
        model = DevTokenRequest.model_validate(body)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "extra_forbidden":
            unknown = sorted(str(e["loc"][0]) for e in exc.errors() if e["type"] == "extra_forbidden")
            raise ValidationError(f"unknown field(s) {', '.join(unknown)}") from exc
        if not first["loc"]:
            raise ValidationError("the body must be a JSON object") from exc
        field = str(first["loc"][0])
        raise ValidationError(_DETAILS.get(field, str(first["msg"])), field) from exc
    named = model.model_fields_set
    return TokenRequest(
        model.user.strip(),
        tuple(sorted(set(model.roles))) if "roles" in named else None,
        tuple(sorted(set(model.groups))) if "groups" in named else None,
    )


_DETAILS = {
    "user": "must be a user principal name like alice@contoso.com",
    "roles": "must be a list of AutoCapture.Admin, Sales.Manager, Sales.Person",
    "groups": f"at most {MAX_GROUPS} ids, each 1-64 letters, digits or . _ : -",
}
