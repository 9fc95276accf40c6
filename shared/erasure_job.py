"""The erasure job message: which erasure to run, and the address it erases.

Like ``shared.queue.TrackJob``: strict pydantic (no unknown fields, exact types, id
pattern, lengths), decoded with our ``ValidationError`` naming the field and pydantic's
error type, never the input. The address travels in the message because the receipt
must never hold it (only its keyed hash); the job checks the two agree. Messages go to
``erasure-requests`` (``ERASURE_QUEUE_NAME``) through ``shared.queue.TrackQueue``.
"""

from __future__ import annotations

from typing import Annotated

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.exceptions import ValidationError
from shared.rules.exclusions import MAX_ENTRY_LENGTH

MESSAGE_VERSION = 1
#: An erasure message is under 400 bytes; anything much longer is not one of ours.
MAX_MESSAGE_BYTES = 1024
ERASURE_ID_PATTERN = r"^ers-[0-9a-f]{32}$"

ErasureId = Annotated[str, StringConstraints(pattern=ERASURE_ID_PATTERN)]
Address = Annotated[str, StringConstraints(min_length=3, max_length=MAX_ENTRY_LENGTH)]


class ErasureJob(BaseModel):
    """An erasure job: the receipt it reports to and the (normalized) address it erases."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    v: Annotated[int, Field(ge=MESSAGE_VERSION, le=MESSAGE_VERSION)]
    erasureId: ErasureId
    address: Address

    @classmethod
    def of(cls, erasure_id: str, address: str) -> ErasureJob:
        return cls(v=MESSAGE_VERSION, erasureId=erasure_id, address=address)

    def encode(self) -> bytes:
        """The message body (compact JSON; the queue client base64-encodes it)."""
        return self.model_dump_json().encode()

    @classmethod
    def decode(cls, body: bytes) -> ErasureJob:
        """The job in a message body; ValidationError if it is not one of ours."""
        if len(body) > MAX_MESSAGE_BYTES:
            raise ValidationError(f"the message is longer than {MAX_MESSAGE_BYTES} bytes", "message")
        try:
            return cls.model_validate_json(body)
        except pydantic.ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            loc = first["loc"][0] if first["loc"] else None
            name = f"message.{loc}" if isinstance(loc, str) and loc in cls.model_fields else "message"
            raise ValidationError(first["type"], name) from exc
