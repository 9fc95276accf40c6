"""JSON-line logs with a correlation id on every line.

In Azure the Python worker forwards each record's *message* to Application Insights
(``traces.message``), so events are logged as a JSON object in the message itself:
``traces | extend e = parse_json(message) | where e.trackingId == "..."``.
Locally ``JsonLineFormatter`` prints every record as one JSON line.

Never log tokens, subjects, bodies or email addresses above DEBUG: log ids and counts.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


@contextmanager
def correlation(value: str | None) -> Iterator[None]:
    """Set the correlation id (invocation id, or the tracking id in the track job)."""
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event as a JSON object message."""
    payload: dict[str, Any] = {"event": event}
    cid = correlation_id.get()
    if cid is not None:
        payload["correlationId"] = cid
    payload.update({k: v for k, v in fields.items() if v is not None})
    logger.log(level, json.dumps(payload, default=str, separators=(",", ":")))


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, then the event fields or the message."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        message = record.getMessage()
        parsed: Any = None
        if message.startswith("{"):
            try:
                parsed = json.loads(message)
            except ValueError:
                parsed = None
        if isinstance(parsed, dict):
            out.update(parsed)
        else:
            out["message"] = message
            cid = correlation_id.get()
            if cid is not None:
                out["correlationId"] = cid
        if record.exc_info and record.levelno >= logging.ERROR:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, separators=(",", ":"))


def configure_local_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """Local runs: every log record as a JSON line on stderr (Azure configures its own)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("azure", "aiohttp.access", "httpx", "httpcore", "msal", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
