"""What every job message shares: strict pydantic, one encoding, one decoding.

``TrackJob`` (``shared.queue``) and ``ErasureJob`` (``shared.erasure_job``) are
``JobMessage``s: no unknown fields, exact types, frozen. ``decode`` refuses a body longer
than the message's ``MAX_BYTES`` and raises our ``ValidationError`` naming the field and
pydantic's error type, never the input (its message may quote the pattern or the input,
which logs must not carry). ``decode_or_log`` is the workers' first step: the job, or
``None`` after logging why the message is not one (with its message id and delivery
count), so a malformed message is consumed, never redelivered.
"""

from __future__ import annotations

import logging
from typing import ClassVar, Self

import pydantic
from pydantic import BaseModel, ConfigDict

from shared.exceptions import ValidationError
from shared.logging import log_event


class JobMessage(BaseModel):
    """A queue message of ours; subclasses set ``MAX_BYTES``."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    #: Anything longer is not one of ours.
    MAX_BYTES: ClassVar[int]

    def encode(self) -> bytes:
        """The message body (compact JSON without defaults; the queue client base64-encodes it)."""
        return self.model_dump_json(exclude_defaults=True).encode()

    @classmethod
    def decode(cls, body: bytes) -> Self:
        """The job in a message body; ValidationError if it is not one of ours."""
        if len(body) > cls.MAX_BYTES:
            raise ValidationError(f"the message is longer than {cls.MAX_BYTES} bytes", "message")
        try:
            return cls.model_validate_json(body)
        except pydantic.ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            loc = first["loc"][0] if first["loc"] else None
            name = f"message.{loc}" if isinstance(loc, str) and loc in cls.model_fields else "message"
            # The error's type code (``missing``, ``string_pattern_mismatch``...).
            raise ValidationError(first["type"], name) from exc


def decode_or_log[J: JobMessage](
    job_type: type[J],
    body: bytes,
    log: logging.Logger,
    event: str,
    message_id: str | None,
    dequeue_count: int | None = None,
) -> J | None:
    """The job in ``body``, or None after logging ``event`` with why it is not one."""
    try:
        return job_type.decode(body)
    except ValidationError as exc:
        log_event(
            log,
            event,
            level=logging.ERROR,
            reason="invalid message",
            detail=exc.detail,
            messageId=message_id,
            dequeueCount=dequeue_count,
        )
        return None
