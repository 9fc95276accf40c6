"""Translate SDK, identity and transport failures into ``shared.exceptions`` types.

The one place that knows kiota / msgraph / azure-identity / httpx exception types.
Messages never carry tokens or mail content; the original is chained (``from``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping

import httpx
from azure.core.exceptions import AzureError, ClientAuthenticationError
from azure.identity import CredentialUnavailableError
from kiota_abstractions.api_error import APIError

from shared.exceptions import (
    MailboxBlockedByPolicyError,
    MailboxError,
    MailboxInteractionRequiredError,
    MailboxItemNotFoundError,
    MailboxPermissionDeniedError,
    MailboxThrottledError,
    MailboxUnavailableError,
)

logger = logging.getLogger(__name__)

#: Markers of a conditional-access challenge in an on-behalf-of token error.
INTERACTION_MARKERS = ("interaction_required", "AADSTS50076", "AADSTS50079")
#: A conditional-access block: no sign-in fixes it (checked first).
BLOCK_MARKERS = ("AADSTS53003",)
#: Longest ``claims`` challenge passed on to the client (Entra's are a few hundred bytes).
MAX_CLAIMS_LENGTH = 4096

AADSTS = re.compile(r"AADSTS\d{4,7}")

#: Exceptions this boundary translates (anything else is a bug and propagates).
TRANSLATED: tuple[type[BaseException], ...] = (
    APIError,
    httpx.HTTPError,
    httpx.InvalidURL,
    AzureError,
    TimeoutError,
    asyncio.TimeoutError,
    OSError,
)


def _retry_after(headers: Mapping[str, str] | None) -> int | None:
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "retry-after":
            try:
                return max(0, int(str(value).strip()))
            except ValueError:
                return None
    return None


def _graph_code(exc: APIError) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    return code if isinstance(code, str) else ""


def from_api_error(exc: APIError, what: str) -> MailboxError:
    """A Graph error answer (kiota ``APIError`` / ``ODataError``) by its status."""
    status = exc.response_status_code or 0
    code = _graph_code(exc)
    detail = f"Graph answered {status}{f' ({code})' if code else ''} for {what}"
    if status in (401, 403):
        return MailboxPermissionDeniedError(detail)
    if status == 404:
        return MailboxItemNotFoundError(detail)
    if status == 429:
        return MailboxThrottledError(detail, retry_after=_retry_after(exc.response_headers))
    if status == 400 and code == "ErrorInvalidIdMalformed":
        return MailboxItemNotFoundError(detail)
    if status >= 500:
        return MailboxUnavailableError(detail, retry_after=_retry_after(exc.response_headers))
    # 400 and other 4xx: our request is wrong; not transient, not the user's fault.
    return MailboxError(detail)


def claims_challenge(exc: ClientAuthenticationError) -> str | None:
    """The ``claims`` of Entra ID's error answer (a JSON object as a string), if any."""
    response = getattr(exc, "response", None)
    try:
        body = json.loads(response.text()) if response is not None else None
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
        return None
    claims = body.get("claims") if isinstance(body, dict) else None
    if not isinstance(claims, str) or not claims or len(claims) > MAX_CLAIMS_LENGTH:
        return None
    try:
        return claims if isinstance(json.loads(claims), dict) else None
    except ValueError:
        return None


def aadsts_code(text: str) -> str | None:
    """The first ``AADSTS<n>`` code in an Entra ID error text."""
    match = AADSTS.search(text)
    return match.group(0) if match else None


def from_auth_error(exc: ClientAuthenticationError, what: str) -> MailboxError:
    """An azure-identity token failure: conditional access, missing identity, or denial.

    The detail names Entra ID's ``AADSTS`` code (never the message: it may name the user)."""
    if isinstance(exc, CredentialUnavailableError):
        return MailboxUnavailableError(f"no credential available for {what}")
    text = str(exc.message or exc)
    code = aadsts_code(text)
    lowered = text.lower()
    if any(marker.lower() in lowered for marker in BLOCK_MARKERS):
        return MailboxBlockedByPolicyError(f"conditional access blocks {what} ({code})")
    if any(marker.lower() in lowered for marker in INTERACTION_MARKERS):
        return MailboxInteractionRequiredError(
            f"conditional access requires interaction for {what} ({code or 'interaction_required'})",
            claims=claims_challenge(exc),
        )
    return MailboxPermissionDeniedError(f"token request refused for {what}{f' ({code})' if code else ''}")


def translate(exc: BaseException, what: str) -> MailboxError:
    """Any translated failure (see ``TRANSLATED``) as a ``MailboxError``."""
    if isinstance(exc, MailboxError):
        return exc
    if isinstance(exc, APIError):
        return from_api_error(exc, what)
    if isinstance(exc, ClientAuthenticationError):
        return from_auth_error(exc, what)
    if isinstance(exc, httpx.TimeoutException | TimeoutError | asyncio.TimeoutError):
        return MailboxUnavailableError(f"Graph timed out for {what}")
    logger.debug("Graph call failed for %s: %s", what, type(exc).__name__)
    return MailboxUnavailableError(f"Graph unreachable for {what} ({type(exc).__name__})")
