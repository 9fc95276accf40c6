"""Reading the caller's mailbox for a request: one deadline, errors turned into a reason.

The timeline and its explanation both answer without mailbox content (and with a
notice) rather than fail or hang when the mailbox cannot be read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from shared.auth.principal import Principal
from shared.exceptions import MailboxError
from shared.logging import log_event
from shared.mailbox.base import Mailbox

log = logging.getLogger(__name__)
#: Seconds a request waits for the mailbox, retries included. Graph's ``Retry-After`` can
#: ask for minutes and the SDK's retry handler honours up to 180 s per attempt; the
#: timeline answers without suggestions (and a notice) rather than hang the page.
MAILBOX_DEADLINE = 10.0
MailboxOpener = Callable[[Principal], AbstractAsyncContextManager[Mailbox]]


async def read_mailbox[T](
    open_mailbox: MailboxOpener,
    principal: Principal,
    read: Callable[[Mailbox], Awaitable[T]],
    empty: T,
    deadline: float = MAILBOX_DEADLINE,
) -> tuple[T, str | None, str | None]:
    """``(read(mailbox), None, None)``, or ``(empty, reason, claims)`` when the mailbox fails
    or is too slow; ``claims`` is Entra ID's challenge of a step-up sign-in (CONDITIONAL_ACCESS)."""
    try:
        async with asyncio.timeout(deadline):
            async with open_mailbox(principal) as mailbox:
                return await read(mailbox), None, None
    except MailboxError as exc:
        log_event(log, "timeline.mailbox_unavailable", level=logging.WARNING, reason=exc.code)
        return empty, exc.code, getattr(exc, "claims", None)
    except TimeoutError:
        log_event(
            log, "timeline.mailbox_unavailable", level=logging.WARNING, reason="TEMPORARY", deadline=deadline
        )
        return empty, "TEMPORARY", None
