"""Who may do what: pure checks on a Principal against records, activities, requests.

Decisions (docs/auth.md):

- A record's ``ownerId`` (and an activity's ``trackedBy``) names a user by Entra object
  id (``oid``) only, compared case-insensitively. ``preferred_username`` and ``upn`` are
  mutable and may name someone else tomorrow (Microsoft documents them as unfit for
  authorization), so a UPN in ``ownerId`` names nobody; the importer refuses one.
- Lacking access to a record, or to someone else's tracking request, answers 404,
  exactly as if it did not exist, so ids cannot be probed. Missing a *role* for an
  action (Admin for the org setting) answers 403: the action is not secret.
- The Admin role administers settings; it grants no access to records or to other
  users' private items.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.auth.principal import Principal
from shared.exceptions import ForbiddenError, NotFoundError
from shared.model import Activity, CrmRecord, TrackingRequest


def _fold(value: str) -> str:
    return value.strip().casefold()


def is_user(principal: Principal, user_ref: str | None) -> bool:
    """Whether ``user_ref`` is this principal's object id (``oid``; never their UPN)."""
    if not user_ref or not user_ref.strip() or not principal.oid.strip():
        return False
    return _fold(user_ref) == _fold(principal.oid)


def in_any_team(principal: Principal, team_ids: Iterable[str]) -> bool:
    """Whether one of the token's ``groups`` is one of ``team_ids``."""
    groups = {_fold(g) for g in principal.groups}
    return any(_fold(t) in groups for t in team_ids)


def can_read_record(principal: Principal, record: CrmRecord) -> bool:
    """Owner, member of one of its teams, or Sales.Manager (docs/design.md)."""
    return (
        principal.is_manager or is_user(principal, record.owner_id) or in_any_team(principal, record.team_ids)
    )


def require_record_access(principal: Principal, record: CrmRecord | None) -> CrmRecord:
    """Return the record, or raise NotFoundError when it is missing *or* not readable."""
    if record is None or not can_read_record(principal, record):
        raise NotFoundError("No such record")
    return record


def require_admin(principal: Principal) -> None:
    """Raise ForbiddenError unless the caller holds AutoCapture.Admin."""
    if not principal.is_admin:
        raise ForbiddenError("This action needs the AutoCapture.Admin role")


def require_sales_role(principal: Principal) -> None:
    """Raise ForbiddenError unless the caller holds Sales.Manager or Sales.Person (Track)."""
    if not principal.has_sales_role:
        raise ForbiddenError("This action needs the Sales.Person or Sales.Manager role")


def can_untrack(principal: Principal, activity: Activity) -> bool:
    """The user who tracked it, an Admin or a Sales.Manager."""
    return principal.is_admin or principal.is_manager or is_user(principal, activity.tracked_by)


def require_owner(principal: Principal, user_id: str | None, detail: str = "No such item") -> None:
    """Raise NotFoundError unless ``user_id`` is the caller's oid (private items)."""
    if not user_id or _fold(user_id) != _fold(principal.oid):
        raise NotFoundError(detail)


def require_tracking_owner(principal: Principal, request: TrackingRequest | None) -> TrackingRequest:
    """Return the tracking request, or raise NotFoundError when missing or someone else's.

    Both cases answer the same detail, so a tracking id cannot be probed.
    """
    detail = "No such tracking request"
    if request is None:
        raise NotFoundError(detail)
    require_owner(principal, request.user_id, detail)
    return request
