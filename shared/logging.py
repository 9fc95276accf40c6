"""JSON-line logs with a correlation id on every line (python-json-logger does the JSON).

In Azure the Python worker forwards each record's *message* to Application Insights
(``traces.message``), so an event is logged with a JSON object as its message:
``traces | extend e = parse_json(message) | where e.trackingId == "..."``. Locally
``JsonLineFormatter`` prints every record as one JSON line, the event's fields merged in.

The correlation id is the Functions invocation id (the tracking id in the track job),
set once at handler entry with ``correlation``. Never log tokens, subjects, bodies or
email addresses: log ids and counts.
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

from pythonjsonlogger.core import LogData
from pythonjsonlogger.json import JsonEncoder, JsonFormatter

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)


@contextmanager
def correlation(value: str | None) -> Iterator[None]:
    """Set the correlation id (invocation id, or the tracking id in the track job)."""
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)


def event_message(event: str, **fields: Any) -> str:
    """The JSON message of one structured event: its name, the correlation id, the fields."""
    payload: dict[str, Any] = {"event": event}
    cid = correlation_id.get()
    if cid is not None:
        payload["correlationId"] = cid
    payload.update({k: v for k, v in fields.items() if v is not None})
    return json.dumps(payload, cls=JsonEncoder, separators=(",", ":"))


def ms_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()``), to 0.1 ms: an event's ``durationMs``."""
    return round((time.perf_counter() - started) * 1000, 1)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event as a JSON object message."""
    logger.log(level, event_message(event, **fields))


def _compact(value: Any, **kwargs: Any) -> str:
    """JSON without spaces after separators: the same text as an event's message."""
    return json.dumps(value, separators=(",", ":"), **kwargs)


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, then the event fields or the message."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "exc_info": "exception",
            },
            json_ensure_ascii=False,
            json_serializer=_compact,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """UTC, ISO 8601, milliseconds: ``2026-12-01T07:43:20.123Z``."""
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"

    def process_log_record(self, log_data: LogData) -> LogData:
        message = log_data.get("message")
        parsed: Any = None
        if isinstance(message, str) and message.startswith("{"):
            try:
                parsed = json.loads(message)
            except ValueError:
                parsed = None
        if isinstance(parsed, dict):
            del log_data["message"]
            log_data.update(parsed)
        elif (cid := correlation_id.get()) is not None:
            log_data["correlationId"] = cid
        return log_data


def configure_local_logging(level: int = logging.INFO, stream: Any = None) -> None:
    """Local runs: every log record as a JSON line on stderr (Azure configures its own)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonLineFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("azure", "aiohttp.access", "httpx", "httpcore", "msal", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
