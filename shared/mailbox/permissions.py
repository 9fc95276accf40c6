"""The identity model, declared once: who calls Microsoft Graph, and with which permission.

* **Delegated** (the timeline, Track's summary and the owner's addresses): the API's app
  registration (``AUTH_CLIENT_ID``) on behalf of the signed-in user (on-behalf-of). The
  app proves itself with a client assertion: a token of the Function App's managed
  identity for ``api://AzureADTokenExchange``, trusted by a federated identity
  credential on the registration. No secret exists anywhere.
* **Application** (the track job, the readiness check): the same app registration, with
  the same client assertion, through the client-credentials grant. Its service
  principal holds the application roles; the managed identity itself holds none (a
  managed identity's own token carries none of the registration's roles).

``GRAPH_CALLS`` ties every Graph request the code makes to the one permission it needs
and to where that permission is granted; ``tests/infra/test_permissions.py`` checks it
against the requests the code sends, the local Graph server's rules, the local
directory, ``infra/app/entra.bicep`` and ``docs/deploy.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

#: Microsoft Graph's well-known application (client) id.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
#: The audience of the client assertion (the managed identity's token).
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"  # noqa: S105 (an audience)

#: Graph's permission ids (from Graph's service principal; the same in every tenant).
DELEGATED_IDS: Mapping[str, str] = MappingProxyType(
    {
        "Mail.Read": "570282fd-fa5c-430d-a7fd-fc8dc98a9dca",
        "Calendars.Read": "465a38f9-76ea-45b9-9f34-9e8b0d4b0b42",
        "User.Read": "e1fe6dd8-ba31-4d61-89e7-88639da4683d",
    }
)
APPLICATION_IDS: Mapping[str, str] = MappingProxyType(
    {
        "Mail.Read": "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
        "Calendars.Read": "798ee544-9d2d-430c-a058-570e29e34338",
    }
)

Mode = Literal["application", "delegated"]
#: Where a permission is granted in Azure.
DELEGATED_GRANT = "infra/app/entra.bicep: oauth2PermissionGrants (admin consent for all users)"
APPLICATION_GRANT = (
    "infra/app/entra.bicep: appRoleAssignedTo (graphApplicationAccess 'entra'), or Exchange Online "
    "RBAC for Applications scoped to the sales mailboxes (docs/deploy.md)"
)


@dataclass(frozen=True)
class GraphCall:
    """One kind of Graph request the code makes."""

    name: str
    #: The request path after ``/v1.0`` (``{id}``: a user or item id).
    path: str
    mode: Mode
    permission: str
    used_by: str

    @property
    def granted_in(self) -> str:
        return DELEGATED_GRANT if self.mode == "delegated" else APPLICATION_GRANT

    def matches(self, path: str) -> bool:
        """Whether a request path (after ``/v1.0``, no query) is this call."""
        pattern = "^" + re.escape(self.path).replace(re.escape("{id}"), "[^/]+") + "$"
        return re.match(pattern, path, re.IGNORECASE) is not None


GRAPH_CALLS: tuple[GraphCall, ...] = (
    GraphCall("list messages", "/users/{id}/messages", "delegated", "Mail.Read", "timeline suggestions"),
    GraphCall(
        "calendar view", "/users/{id}/calendarView", "delegated", "Calendars.Read", "timeline suggestions"
    ),
    GraphCall(
        "get mail folder",
        "/users/{id}/mailFolders/{id}",
        "delegated",
        "Mail.Read",
        "timeline suggestions (which folders are correspondence)",
    ),
    GraphCall("get message", "/users/{id}/messages/{id}", "delegated", "Mail.Read", "Track (the summary)"),
    GraphCall("get event", "/users/{id}/events/{id}", "delegated", "Calendars.Read", "Track (the summary)"),
    GraphCall("get own user", "/users/{id}", "delegated", "User.Read", "Track (the owner's own addresses)"),
    GraphCall(
        "message attachments",
        "/users/{id}/messages/{id}/attachments",
        "delegated",
        "Mail.Read",
        "the owner's live mailbox item",
    ),
    GraphCall(
        "event attachments",
        "/users/{id}/events/{id}/attachments",
        "delegated",
        "Calendars.Read",
        "the owner's live mailbox item",
    ),
    GraphCall("get message", "/users/{id}/messages/{id}", "application", "Mail.Read", "track job"),
    GraphCall(
        "message attachments",
        "/users/{id}/messages/{id}/attachments",
        "application",
        "Mail.Read",
        "track job",
    ),
    GraphCall(
        "get message attachment",
        "/users/{id}/messages/{id}/attachments/{id}",
        "application",
        "Mail.Read",
        "track job (a file's content)",
    ),
    GraphCall("get event", "/users/{id}/events/{id}", "application", "Calendars.Read", "track job"),
    GraphCall(
        "get event attachment",
        "/users/{id}/events/{id}/attachments/{id}",
        "application",
        "Calendars.Read",
        "track job (a file's content)",
    ),
    GraphCall(
        "event attachments",
        "/users/{id}/events/{id}/attachments",
        "application",
        "Calendars.Read",
        "track job",
    ),
    GraphCall("list messages", "/users/{id}/messages", "application", "Mail.Read", "readiness check"),
    GraphCall("list events", "/users/{id}/events", "application", "Calendars.Read", "readiness check"),
)


def permissions(mode: Mode) -> frozenset[str]:
    """Every permission of ``mode`` the code uses: exactly what infra grants."""
    return frozenset(call.permission for call in GRAPH_CALLS if call.mode == mode)


#: The application roles the app registration's service principal holds.
APPLICATION_ROLES = frozenset(permissions("application"))
#: The delegated scopes consented for the app registration.
DELEGATED_SCOPES = frozenset(permissions("delegated"))


def call_for(path: str, mode: Mode) -> GraphCall | None:
    """The declared call a request path is, or None when the code should not make it."""
    return next((c for c in GRAPH_CALLS if c.mode == mode and c.matches(path)), None)
