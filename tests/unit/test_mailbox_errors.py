"""SDK and identity failures become the service's few mailbox errors."""

from __future__ import annotations

import json

import httpx
import pytest
from azure.core.exceptions import ClientAuthenticationError
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


@pytest.mark.parametrize("code", ["AADSTS50076", "AADSTS50079", "interaction_required"])
def test_conditional_access_is_interaction_required(code: str) -> None:
    error = translate(ClientAuthenticationError(message=f"OBO failed: {code}: MFA needed"), "token")
    assert isinstance(error, MailboxInteractionRequiredError) and error.code == "CONDITIONAL_ACCESS"


class EntraAnswer:
    """The part of azure-core's response the translation reads: the body's text."""

    def __init__(self, text: str) -> None:
        self._text = text

    def text(self) -> str:
        return self._text


CLAIMS = '{"access_token":{"capolids":{"essential":true,"values":["p1"]}}}'


def test_the_claims_challenge_is_kept_for_the_step_up_sign_in() -> None:
    body = '{"error":"interaction_required","error_description":"AADSTS50076: MFA","claims":%s}'
    exc = ClientAuthenticationError(message="(interaction_required) AADSTS50076: MFA")
    exc.response = EntraAnswer(body % json.dumps(CLAIMS))  # type: ignore[assignment]
    error = translate(exc, "token")
    assert isinstance(error, MailboxInteractionRequiredError) and error.claims == CLAIMS
    assert "AADSTS50076" in error.detail


@pytest.mark.parametrize("body", ["not json", '{"claims": "not an object"}', '{"claims": 3}', "[]"])
def test_a_malformed_claims_challenge_is_dropped_not_passed_on(body: str) -> None:
    exc = ClientAuthenticationError(message="AADSTS50079: enrol in MFA")
    exc.response = EntraAnswer(body)  # type: ignore[assignment]
    error = translate(exc, "token")
    assert isinstance(error, MailboxInteractionRequiredError) and error.claims is None


def test_a_hard_block_is_its_own_error_that_no_sign_in_fixes() -> None:
    exc = ClientAuthenticationError(message="(invalid_grant) AADSTS53003: Access has been blocked")
    error = translate(exc, "token")
    assert isinstance(error, MailboxBlockedByPolicyError) and error.code == "BLOCKED_BY_POLICY"
    assert not isinstance(error, MailboxInteractionRequiredError) and not error.transient


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
