"""The erasure job message: which erasure to run, and the address it erases.

Like ``shared.queue.TrackJob``, a ``shared.job_message.JobMessage``: strict pydantic (no
unknown fields, exact types, id pattern, lengths), decoded with our ``ValidationError``
naming the field and pydantic's error type, never the input. The address travels in the
message because the receipt must never hold it (only its keyed hash); the job checks the
two agree. Messages go to ``erasure-requests`` (``ERASURE_QUEUE_NAME``) through ``shared.queue.TrackQueue``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.job_message import JobMessage
from shared.rules.exclusions import MAX_ENTRY_LENGTH

MESSAGE_VERSION = 1
#: An erasure message is under 400 bytes; anything much longer is not one of ours.
MAX_MESSAGE_BYTES = 1024
ERASURE_ID_PATTERN = r"^ers-[0-9a-f]{32}$"

ErasureId = Annotated[str, StringConstraints(pattern=ERASURE_ID_PATTERN)]
Address = Annotated[str, StringConstraints(min_length=3, max_length=MAX_ENTRY_LENGTH)]


class ErasureJob(JobMessage):
    """An erasure job: the receipt it reports to and the (normalized) address it erases."""

    MAX_BYTES = MAX_MESSAGE_BYTES

    v: Annotated[int, Field(ge=MESSAGE_VERSION, le=MESSAGE_VERSION)]
    erasureId: ErasureId
    address: Address

    @classmethod
    def of(cls, erasure_id: str, address: str) -> ErasureJob:
        return cls(v=MESSAGE_VERSION, erasureId=erasure_id, address=address)
