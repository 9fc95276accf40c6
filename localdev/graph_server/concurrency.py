"""Graph's per-mailbox concurrency limit, as the Outlook service enforces it.

Microsoft Graph's Outlook limits are evaluated per app ID and mailbox: at most 4
concurrent requests (besides 10,000 per 10 minutes). A fifth request while four are in
flight is refused with 429, code ``ApplicationThrottled``, message "Application is over
its MailboxConcurrency limit.", a ``Retry-After`` and ``RateLimit-Exceeded:
MailboxConcurrency`` / ``RateLimit-Scope: Mailbox`` headers. The stand-in counts in-flight
requests per (app, mailbox) the same way, so a test can see a client that goes over it;
``refused`` counts the 429s it answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web

from localdev.graph_server.errors import GraphError

#: Concurrent requests per app per mailbox (Outlook service limits).
MAILBOX_CONCURRENCY = 4
MESSAGE = "Application is over its MailboxConcurrency limit."


class ConcurrencyError(GraphError):
    """429 ``ApplicationThrottled``: the app is over its MailboxConcurrency limit."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "ApplicationThrottled", MESSAGE, retry_after=retry_after)

    def response(self) -> web.Response:
        answer = super().response()
        answer.headers["RateLimit-Exceeded"] = "MailboxConcurrency"
        answer.headers["RateLimit-Scope"] = "Mailbox"
        return answer


@dataclass
class MailboxConcurrency:
    """In-flight requests per (app id, mailbox id); ``slot`` refuses the one over ``limit``."""

    limit: int = MAILBOX_CONCURRENCY
    retry_after: int = 1
    inflight: Counter[tuple[str, str]] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    @contextmanager
    def slot(self, app_id: str, mailbox_id: str) -> Iterator[None]:
        key = (app_id.lower(), mailbox_id.lower())
        if self.limit > 0 and self.inflight[key] >= self.limit:
            self.refused[mailbox_id] += 1
            raise ConcurrencyError(self.retry_after)
        self.inflight[key] += 1
        try:
            yield
        finally:
            self.inflight[key] -= 1
            if self.inflight[key] <= 0:
                del self.inflight[key]

    def snapshot(self) -> dict[str, object]:
        return {"limit": self.limit, "refused": dict(self.refused)}

    def reset(self) -> None:
        self.refused.clear()
