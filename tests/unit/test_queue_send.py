"""TrackQueue.send against a queue client that answers as Azure Storage does: a missing
queue is created and the message sent again, also when another instance created the
queue in between (409 QueueAlreadyExists); a failure names the queue it concerns."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError, ServiceRequestError

from shared.config import Config
from shared.exceptions import StoreUnavailableError
from shared.queue import TrackJob, TrackQueue

JOB = TrackJob(v=1, trackingId="trk-1", userId="u1")


class Sent:
    next_visible_on = None


class Queue:
    """Answers ``send_message`` with the queued errors first, then accepts."""

    def __init__(self, send_errors: list[Exception], create_error: Exception | None = None) -> None:
        self.send_errors, self.create_error = send_errors, create_error
        self.sent: list[bytes] = []
        self.created = 0

    async def send_message(self, body: bytes, **_: Any) -> Sent:
        if self.send_errors:
            raise self.send_errors.pop(0)
        self.sent.append(body)
        return Sent()

    async def create_queue(self) -> None:
        self.created += 1
        if self.create_error is not None:
            raise self.create_error


async def test_a_queue_another_instance_just_created_takes_the_message() -> None:
    client = Queue([ResourceNotFoundError("QueueNotFound")], ResourceExistsError("QueueAlreadyExists"))
    queue = TrackQueue(Config(), client=client)  # type: ignore[arg-type]
    await queue.send(JOB)
    assert client.created == 1 and client.sent == [JOB.encode()]


async def test_an_unreachable_queue_is_named_in_the_error() -> None:
    client = Queue([ServiceRequestError("connection refused")])
    queue = TrackQueue(Config(), client=client, name="erasure-requests")  # type: ignore[arg-type]
    with pytest.raises(StoreUnavailableError, match="the erasure-requests queue cannot be reached"):
        await queue.send(JOB)
