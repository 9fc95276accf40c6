"""The few error types the whole service speaks.

SDK exceptions (azure-core, msgraph/kiota, azure-identity, aiohttp) are translated into
these at the boundary that calls the SDK; nothing above a boundary sees an SDK type.
``shared.http`` maps each one to a problem+json response once.
"""

from __future__ import annotations


class AutoCaptureError(Exception):
    """Base class of every error this service raises on purpose."""

    status = 500
    title = "Internal error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class UnavailableError(AutoCaptureError):
    """Cannot be answered now, may be later (503); ``retry_after``: the seconds to wait."""

    status = 503
    title = "Service unavailable"
    #: ``retry_after`` when the raiser names none (None: unknown, the caller backs off).
    default_retry_after: int | None = None

    def __init__(self, detail: str = "", retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = self.default_retry_after if retry_after is None else retry_after


class ValidationError(AutoCaptureError):
    """Input from outside (body, route, query, file, queue message) is malformed."""

    status = 400
    title = "Invalid request"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {detail}" if field else detail)
        self.field = field


class PayloadTooLargeError(ValidationError):
    """The request body or a list in it is larger than the service accepts."""

    status = 413
    title = "Payload too large"


class AuthenticationError(AutoCaptureError):
    """The bearer token is missing, malformed, expired or not ours."""

    status = 401
    title = "Unauthorized"

    def __init__(self, detail: str = "", error: str | None = "invalid_token") -> None:
        super().__init__(detail)
        #: RFC 6750 §3.1 error code; None when no token was sent (the challenge then has none).
        self.error = error

    @property
    def www_authenticate(self) -> str:
        """The ``WWW-Authenticate`` header value every 401 answer carries (RFC 6750 §3)."""
        if self.error is None:
            return "Bearer"
        description = "".join(c for c in self.detail if " " <= c <= "~" and c not in '"\\')
        return f'Bearer error="{self.error}", error_description="{description}"'


class AuthUnavailableError(UnavailableError):
    """The token signing keys (JWKS) cannot be fetched, so no token can be checked; retry later."""

    title = "Authentication unavailable"
    default_retry_after = 5


class ForbiddenError(AutoCaptureError):
    """The caller is authenticated but lacks the role or access for this action."""

    status = 403
    title = "Forbidden"


class NotFoundError(AutoCaptureError):
    """The addressed resource does not exist (or must not be revealed to the caller)."""

    status = 404
    title = "Not found"


class ConflictError(AutoCaptureError):
    """The request conflicts with the current state (e.g. a setting that is not offered)."""

    status = 409
    title = "Conflict"


class PreconditionFailedError(AutoCaptureError):
    """An optimistic-concurrency check (etag) failed; the caller should re-read and retry."""

    status = 412
    title = "Precondition failed"


class AlreadyExistsError(ConflictError):
    """A create-if-absent write found the item already there."""


class StoreUnavailableError(UnavailableError):
    """Cosmos DB (or the queue) cannot be reached or refused the call; retry later."""

    default_retry_after = 5


class StoreRejectedError(AutoCaptureError):
    """The data store refuses an item as written (id, partition key or JSON); retrying cannot help."""

    title = "Item refused by the data store"


class ItemTooLargeError(StoreRejectedError):
    """An item is larger than the data store accepts (Cosmos DB: 2 MB as the SDK serializes it)."""

    title = "Item too large for the data store"


class MailboxError(AutoCaptureError):
    """Base class of mailbox (Microsoft Graph / identity) failures."""

    status = 502
    title = "Mailbox error"
    #: Stable, user-facing cause code used in timeline notices and tracking failures.
    code = "MAILBOX_ERROR"
    #: Whether a retry later may succeed (queue jobs retry these, fail fast otherwise).
    transient = False


class MailboxItemNotFoundError(MailboxError):
    """The mail or meeting does not exist in the mailbox (deleted, moved, or not theirs)."""

    status = 404
    title = "Item not found"
    code = "NOT_FOUND"


class MailboxPermissionDeniedError(MailboxError):
    """Graph answered 401/403: the app or user has no right to read the mailbox."""

    status = 403
    title = "Mailbox access denied"
    code = "INSUFFICIENT_PERMISSIONS"


class MailboxInteractionRequiredError(MailboxPermissionDeniedError):
    """Conditional access needs the user to sign in again (interaction_required)."""

    code = "CONDITIONAL_ACCESS"

    def __init__(self, detail: str = "", claims: str | None = None) -> None:
        super().__init__(detail)
        #: Entra ID's ``claims`` challenge, for the client's step-up sign-in (MSAL ``claims``).
        self.claims = claims


class MailboxBlockedByPolicyError(MailboxPermissionDeniedError):
    """Conditional access blocks the user outright (AADSTS53003): no sign-in fixes it."""

    code = "BLOCKED_BY_POLICY"


class MailboxThrottledError(MailboxError, UnavailableError):
    """Graph kept answering 429 after the SDK's retries (``retry_after``: Graph's, if it named one)."""

    status = 503
    title = "Mailbox throttled"
    code = "THROTTLED"
    transient = True


class MailboxUnavailableError(MailboxError, UnavailableError):
    """Graph is down or unreachable (5xx after retries, network failure, timeout)."""

    status = 503
    title = "Mailbox unavailable"
    code = "TEMPORARY"
    transient = True
