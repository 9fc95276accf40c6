"""SDK and identity failures become the service's few mailbox errors."""

from __future__ import annotations

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import CredentialUnavailableError
from kiota_abstractions.api_error import APIError

from shared.exceptions import (
    MailboxError,
    MailboxInteractionRequiredError,
    MailboxItemNotFoundError,
    MailboxPermissionDeniedError,
    MailboxThrottledError,
    MailboxUnavailableError,
)
from shared.mailbox.errors import translate


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, MailboxPermissionDeniedError),
        (403, MailboxPermissionDeniedError),
        (404, MailboxItemNotFoundError),
        (429, MailboxThrottledError),
        (500, MailboxUnavailableError),
        (503, MailboxUnavailableError),
        (504, MailboxUnavailableError),
    ],
)
def test_graph_status_maps_to_one_error_type(status: int, expected: type[MailboxError]) -> None:
    error = translate(APIError("x", status, {"Retry-After": "7"}), "messages")
    assert type(error) is expected


def test_throttling_keeps_retry_after() -> None:
    error = translate(APIError("x", 429, {"retry-after": "12"}), "messages")
    assert isinstance(error, MailboxThrottledError) and error.retry_after == 12 and error.transient


def test_bad_request_is_a_non_transient_mailbox_error() -> None:
    error = translate(APIError("x", 400, {}), "messages")
    assert type(error) is MailboxError and not error.transient


@pytest.mark.parametrize("code", ["AADSTS50076", "AADSTS50079", "AADSTS53003", "interaction_required"])
def test_conditional_access_is_interaction_required(code: str) -> None:
    error = translate(ClientAuthenticationError(message=f"OBO failed: {code}: MFA needed"), "token")
    assert isinstance(error, MailboxInteractionRequiredError) and error.code == "CONDITIONAL_ACCESS"


def test_other_token_refusals_are_permission_denied_and_missing_identity_is_unavailable() -> None:
    assert (
        type(translate(ClientAuthenticationError(message="AADSTS700016"), "t"))
        is MailboxPermissionDeniedError
    )
    assert type(translate(CredentialUnavailableError(message="no MI"), "t")) is MailboxUnavailableError


@pytest.mark.parametrize("exc", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), TimeoutError()])
def test_network_failures_are_unavailable(exc: Exception) -> None:
    assert type(translate(exc, "messages")) is MailboxUnavailableError


def test_messages_never_echo_sdk_text() -> None:
    error = translate(APIError("secret body text", 403, {}), "messages")
    assert "secret" not in str(error)
