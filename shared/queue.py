"""The queue boundary: the track job message, and sending it to Azure Storage queues.

``TrackJob`` is the one definition of the message: the HTTP side builds it from a
request and ``TrackQueue.send`` encodes it; the worker decodes it with
``TrackJob.decode``, which validates it strictly (no unknown fields, exact types, id
patterns, lengths) and raises our ``ValidationError`` naming the field and pydantic's
error type, never the input. Messages are base64-encoded JSON, matching host.json
``messageEncoding: base64`` so the queue trigger reads them. Locally the connection is
Azurite's connection string; in Azure it is identity-based
(``AzureWebJobsStorage__queueServiceUri`` + managed identity).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Annotated, Any, Protocol

import pydantic
from azure.core.exceptions import AzureError
from azure.storage.queue import BinaryBase64DecodePolicy, BinaryBase64EncodePolicy
from azure.storage.queue.aio import QueueClient
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shared.config import Config
from shared.exceptions import StoreUnavailableError, ValidationError
from shared.model import TrackingRequest
from shared.validation import EMAIL_PATTERN, ID_PATTERN, MAX_EMAIL_LENGTH

MESSAGE_VERSION = 1
#: At most this many of the owner's own addresses travel in a job (primary ones first).
MAX_OWN_ADDRESSES = 50
#: A job message is about 200 bytes plus the owner's addresses (at most 50 x 254 bytes);
#: anything longer is not one of ours. Storage queues accept 64 KiB.
MAX_MESSAGE_BYTES = 1024 + MAX_OWN_ADDRESSES * (MAX_EMAIL_LENGTH + 3)
TRACKING_ID_PATTERN = r"^trk-[A-Za-z0-9._:@\-]{1,124}$"

_EMAIL = re.compile(EMAIL_PATTERN)
TrackingId = Annotated[str, StringConstraints(pattern=TRACKING_ID_PATTERN)]
UserId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
OwnAddress = Annotated[str, StringConstraints(max_length=MAX_EMAIL_LENGTH, pattern=EMAIL_PATTERN)]


class TrackJob(BaseModel):
    """A track job: which user's request to copy. ``queuedAt`` is the request's
    ``updatedAt`` when queued, so a message superseded by a later click is recognisable.
    ``ownAddresses`` are the owner's own addresses, read at Track time with the user's
    own token (delegated ``User.Read``), so the job needs no tenant-wide permission to
    read them (``shared.mailbox.permissions``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    v: Annotated[int, Field(ge=MESSAGE_VERSION, le=MESSAGE_VERSION)]
    trackingId: TrackingId
    userId: UserId
    queuedAt: AwareDatetime | None = None
    ownAddresses: Annotated[tuple[OwnAddress, ...], Field(max_length=MAX_OWN_ADDRESSES)] | None = None

    @classmethod
    def for_request(cls, request: TrackingRequest, own_addresses: Sequence[str] = ()) -> TrackJob:
        """The job of ``request``; the first ``MAX_OWN_ADDRESSES`` valid ``own_addresses``."""
        own = tuple(a for a in own_addresses if len(a) <= MAX_EMAIL_LENGTH and _EMAIL.match(a))
        return cls(
            v=MESSAGE_VERSION,
            trackingId=request.id,
            userId=request.user_id,
            queuedAt=request.updated_at,
            ownAddresses=own[:MAX_OWN_ADDRESSES] or None,
        )

    def encode(self) -> bytes:
        """The message body (compact JSON; the queue client base64-encodes it)."""
        return self.model_dump_json(exclude_none=True).encode()

    @classmethod
    def decode(cls, body: bytes) -> TrackJob:
        """The job in a message body; ValidationError if it is not one of ours."""
        if len(body) > MAX_MESSAGE_BYTES:
            raise ValidationError(f"the message is longer than {MAX_MESSAGE_BYTES} bytes", "message")
        try:
            return cls.model_validate_json(body)
        except pydantic.ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            loc = first["loc"][0] if first["loc"] else None
            name = f"message.{loc}" if isinstance(loc, str) and loc in cls.model_fields else "message"
            # The error's type code (``missing``, ``string_pattern_mismatch``...): its
            # message may quote the pattern or the input, which logs must not carry.
            raise ValidationError(first["type"], name) from exc


class JobQueue(Protocol):
    """Where the HTTP side puts track jobs (``TrackQueue``, or a fake in tests)."""

    async def send(self, job: TrackJob) -> None: ...


class TrackQueue:
    """Sends track jobs to the ``track-requests`` queue."""

    def __init__(self, config: Config, client: QueueClient | None = None) -> None:
        self._config = config
        self._client = client
        self._lock = asyncio.Lock()

    async def _queue(self) -> QueueClient:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = self._make_client()
        return self._client

    def _make_client(self) -> QueueClient:
        cfg = self._config
        policies: dict[str, Any] = {
            "message_encode_policy": BinaryBase64EncodePolicy(),
            "message_decode_policy": BinaryBase64DecodePolicy(),
        }
        if cfg.storage_connection:
            return QueueClient.from_connection_string(cfg.storage_connection, cfg.track_queue, **policies)
        if cfg.storage_queue_uri:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential(
                managed_identity_client_id=cfg.managed_identity_client_id or None
            )
            return QueueClient(cfg.storage_queue_uri, cfg.track_queue, credential=credential, **policies)
        raise StoreUnavailableError("no queue connection is configured")

    async def send(self, job: TrackJob) -> None:
        queue = await self._queue()
        try:
            await queue.send_message(job.encode())
        except (AzureError, OSError) as exc:
            raise StoreUnavailableError("the track queue cannot be reached") from exc

    async def ping(self) -> None:
        queue = await self._queue()
        try:
            await queue.get_queue_properties()
        except (AzureError, OSError) as exc:
            raise StoreUnavailableError("the track queue cannot be reached") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
