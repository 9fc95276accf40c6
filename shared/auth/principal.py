"""The signed-in caller, as the validated access token describes them."""

from __future__ import annotations

from dataclasses import dataclass, field

#: App roles (the token's ``roles`` claim) the service knows (docs/design.md).
ADMIN = "AutoCapture.Admin"
MANAGER = "Sales.Manager"
SALES_PERSON = "Sales.Person"
KNOWN_ROLES = frozenset({ADMIN, MANAGER, SALES_PERSON})


@dataclass(frozen=True)
class Principal:
    """A user authenticated by a validated bearer token.

    ``oid`` is the user's Entra object id, which is also their Microsoft Graph user id
    and the ``userId`` of everything private to them (tracking requests, user settings).
    ``token`` is the raw bearer token, kept for the on-behalf-of exchange; it never
    appears in ``repr`` (and so never in a log line or a traceback).
    """

    oid: str
    upn: str
    name: str
    tenant_id: str
    roles: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    token: str = field(default="", repr=False)

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    @property
    def is_manager(self) -> bool:
        return MANAGER in self.roles

    @property
    def has_sales_role(self) -> bool:
        """Whether the user may get suggestions (needs Sales.Manager or Sales.Person)."""
        return MANAGER in self.roles or SALES_PERSON in self.roles
