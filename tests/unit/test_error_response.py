"""Which errors answer with Retry-After: every 503, and only they."""

from __future__ import annotations

import pytest

from shared import exceptions
from shared.exceptions import AutoCaptureError, MailboxThrottledError, NotFoundError, UnavailableError
from shared.http import error_response


def _all_errors(cls: type[AutoCaptureError]) -> list[type[AutoCaptureError]]:
    return [cls] + [c for sub in cls.__subclasses__() for c in _all_errors(sub)]


def test_every_503_error_is_an_unavailable_error_and_back() -> None:
    errors = [c for c in _all_errors(AutoCaptureError) if c.__module__ == exceptions.__name__]
    assert {c for c in errors if c.status == 503} == {c for c in errors if issubclass(c, UnavailableError)}


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        (UnavailableError("down"), "5"),
        (MailboxThrottledError("slow down", retry_after=12), "12"),
        (NotFoundError("gone"), None),
    ],
)
def test_retry_after_header(error: AutoCaptureError, retry_after: str | None) -> None:
    assert error_response(error).headers.get("Retry-After") == retry_after
