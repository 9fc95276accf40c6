"""The queue boundary: the track job message, and sending it to Azure Storage queues.

``TrackJob`` is the one definition of the message: the HTTP side builds it from a
request and ``TrackQueue.send`` encodes it; the worker decodes it with
``TrackJob.decode``, which validates it strictly (no unknown fields, exact types, id
patterns, lengths) and raises our ``ValidationError`` naming the field and pydantic's
error type, never the input. Messages are base64-encoded JSON, matching host.json
``messageEncoding: base64`` so the queue trigger reads them. Locally the connection is
Azurite's connection string; in Azure it is identity-based
(``AzureWebJobsStorage__queueServiceUri`` + managed identity).

A bulk Track is one message (``bulk``: the further requests of the same user), so one
invocation reads that mailbox one request at a time whatever the host's scale-out.
``attempt`` counts the job's attempts: a throttled attempt sends the job again with a
``delay`` (the message's visibility timeout) and the next attempt number.

Every call has a deadline (``QUEUE_TIMEOUT``): a stalled or unreachable queue service is
a ``StoreUnavailableError`` within seconds, never the SDK's minute of retries. A queue
that went missing (the storage account was reset) is created again on the next send.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Annotated, Any, Protocol

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import BinaryBase64DecodePolicy, BinaryBase64EncodePolicy
from azure.storage.queue.aio import QueueClient
from pydantic import AwareDatetime, Field, StringConstraints

from shared.config import Config
from shared.exceptions import StoreUnavailableError
from shared.job_message import JobMessage
from shared.model import TrackingRequest
from shared.validation import EMAIL_PATTERN, ID_PATTERN, MAX_EMAIL_LENGTH

MESSAGE_VERSION = 1
#: At most this many of the owner's own addresses travel in a job (primary ones first).
MAX_OWN_ADDRESSES = 50
#: A job message is about 200 bytes (a 50-item bulk about 2 KB) plus the owner's addresses
#: (at most 50 x 254 bytes); anything longer is not one of ours. Storage queues accept 64 KiB.
MAX_MESSAGE_BYTES = 4096 + MAX_OWN_ADDRESSES * (MAX_EMAIL_LENGTH + 3)
#: The most requests one message carries (a bulk Track's limit).
MAX_JOB_ITEMS = 50
#: The most attempts a job message may claim.
MAX_JOB_ATTEMPT = 20
#: Seconds any one queue call may take (the SDK's own retries included).
QUEUE_TIMEOUT = 3.0
#: The longest visibility delay a job may ask for (Azure Storage allows 7 days).
MAX_DELAY_SECONDS = 3600
TRACKING_ID_PATTERN = r"^trk-[A-Za-z0-9._:@\-]{1,124}$"

_EMAIL = re.compile(EMAIL_PATTERN)
TrackingId = Annotated[str, StringConstraints(pattern=TRACKING_ID_PATTERN)]
UserId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
OwnAddress = Annotated[str, StringConstraints(max_length=MAX_EMAIL_LENGTH, pattern=EMAIL_PATTERN)]


class TrackJob(JobMessage):
    """A track job: which user's request(s) to copy. ``queuedAt`` is the request's
    ``updatedAt`` when queued, so a message superseded by a later click is recognisable;
    ``bulk``: further requests of the same user, copied one after the other; ``attempt``:
    which attempt of the job this message is (1 for the first). ``ownAddresses`` are the
    owner's own addresses, read at Track time with the user's own token (delegated
    ``User.Read``), so the job needs no tenant-wide permission to read them
    (``shared.mailbox.permissions``)."""

    MAX_BYTES = MAX_MESSAGE_BYTES

    v: Annotated[int, Field(ge=MESSAGE_VERSION, le=MESSAGE_VERSION)]
    trackingId: TrackingId
    userId: UserId
    queuedAt: AwareDatetime | None = None
    bulk: Annotated[tuple[TrackingId, ...], Field(max_length=MAX_JOB_ITEMS - 1)] = ()
    attempt: Annotated[int, Field(ge=1, le=MAX_JOB_ATTEMPT)] = 1
    ownAddresses: Annotated[tuple[OwnAddress, ...], Field(max_length=MAX_OWN_ADDRESSES)] | None = None

    @classmethod
    def for_request(cls, request: TrackingRequest, own_addresses: Sequence[str] = ()) -> TrackJob:
        """The job of one request."""
        return cls.for_requests([request], own_addresses)

    @classmethod
    def for_requests(cls, requests: list[TrackingRequest], own_addresses: Sequence[str] = ()) -> TrackJob:
        """One job for several requests of one user (a bulk Track), stamped by the first;
        the first ``MAX_OWN_ADDRESSES`` valid ``own_addresses`` travel with it."""
        own = tuple(a for a in own_addresses if len(a) <= MAX_EMAIL_LENGTH and _EMAIL.fullmatch(a))
        first, *rest = requests
        if any(r.user_id != first.user_id for r in rest):
            raise ValueError("a job carries the requests of one user")
        return cls(
            v=MESSAGE_VERSION,
            trackingId=first.id,
            userId=first.user_id,
            queuedAt=first.updated_at,
            bulk=tuple(r.id for r in rest),
            ownAddresses=own[:MAX_OWN_ADDRESSES] or None,
        )

    @property
    def tracking_ids(self) -> tuple[str, ...]:
        return (self.trackingId, *self.bulk)

    def retry(self, tracking_ids: tuple[str, ...], attempt: int, queued_at: datetime | None) -> TrackJob:
        """The job for the next attempt at ``tracking_ids`` (the first one stamped ``queued_at``)."""
        first, *rest = tracking_ids
        return self.model_copy(
            update={"trackingId": first, "bulk": tuple(rest), "attempt": attempt, "queuedAt": queued_at}
        )


class JobQueue(Protocol):
    """Where track jobs go (``TrackQueue``, or a fake in tests)."""

    async def send(self, job: TrackJob, delay: int = 0) -> datetime | None:
        """Queue ``job``, visible after ``delay`` seconds; when it becomes visible (if known)."""
        ...


async def _bounded[T](call: Awaitable[T], seconds: float, name: str) -> T:
    """``call`` within ``seconds``; a StoreUnavailableError naming queue ``name`` otherwise
    (a missing queue stays ``ResourceNotFoundError`` for the caller to create it, one that
    already exists ``ResourceExistsError``: another instance created it first)."""
    try:
        async with asyncio.timeout(seconds):
            return await call
    except (AzureError, OSError, TimeoutError) as exc:
        if isinstance(exc, ResourceNotFoundError | ResourceExistsError):
            raise
        raise StoreUnavailableError(f"the {name} queue cannot be reached") from exc


class Message(Protocol):
    """A job message: ``TrackJob``, ``shared.erasure_job.ErasureJob``."""

    def encode(self) -> bytes: ...


class TrackQueue:
    """Sends job messages to one queue: ``track-requests`` unless ``name`` says otherwise."""

    def __init__(
        self,
        config: Config,
        client: QueueClient | None = None,
        name: str | None = None,
        timeout: float = QUEUE_TIMEOUT,
    ) -> None:
        self._config = config
        self._client = client
        self._name = name or config.track_queue
        self._timeout = timeout
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
            # the deadline is ours (QUEUE_TIMEOUT): one quick retry, short socket timeouts
            "retry_total": 1,
            "connection_timeout": 2,
            "read_timeout": 2,
        }
        if cfg.storage_connection:
            return QueueClient.from_connection_string(cfg.storage_connection, self._name, **policies)
        if cfg.storage_queue_uri:
            from azure.identity.aio import DefaultAzureCredential

            credential = DefaultAzureCredential(
                managed_identity_client_id=cfg.managed_identity_client_id or None
            )
            return QueueClient(cfg.storage_queue_uri, self._name, credential=credential, **policies)
        raise StoreUnavailableError("no queue connection is configured")

    async def send(self, job: Message, delay: int = 0) -> datetime | None:
        """Queue ``job`` (visible after ``delay`` seconds), creating the queue if it is missing."""
        queue = await self._queue()
        delay = max(0, min(int(delay), MAX_DELAY_SECONDS))
        body = job.encode()
        try:
            sent = await _bounded(
                queue.send_message(body, visibility_timeout=delay or None), self._timeout, self._name
            )
        except ResourceNotFoundError:
            await self._create(queue)
            try:
                sent = await _bounded(
                    queue.send_message(body, visibility_timeout=delay or None), self._timeout, self._name
                )
            except ResourceNotFoundError as exc:
                raise StoreUnavailableError(f"the {self._name} queue cannot be reached") from exc
        next_visible = getattr(sent, "next_visible_on", None)
        return next_visible if isinstance(next_visible, datetime) else None

    async def _create(self, queue: QueueClient) -> None:
        try:
            await _bounded(queue.create_queue(), self._timeout, self._name)
        except ResourceExistsError:
            return
        except ResourceNotFoundError as exc:
            raise StoreUnavailableError(f"the {self._name} queue cannot be created") from exc

    async def ping(self) -> None:
        """StoreUnavailableError unless the queue exists and answers (a missing queue is
        reported, and created again by the next send)."""
        queue = await self._queue()
        try:
            await _bounded(queue.get_queue_properties(), self._timeout, self._name)
        except ResourceNotFoundError as exc:
            raise StoreUnavailableError(f"the {self._name} queue is missing") from exc

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None
