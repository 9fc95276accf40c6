"""Queue messages the worker cannot act on - malformed, or naming no request - in
process, on real repositories (Cosmos emulator): each is consumed on its first delivery,
logged by id without its content, and writes nothing (not even a mailbox read)."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest

from shared.config import Config
from shared.exceptions import NotFoundError
from shared.queue import TrackJob
from shared.services.track_worker import TrackingWorker
from shared.store.cosmos import CosmosDatabase
from shared.store.stores import stores_over
from shared.store.tracking import TrackingRepository

pytestmark = pytest.mark.integration


class UnreadMailbox:
    """A mailbox these messages must never get to."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the worker read the mailbox ({name}) for a message it cannot act on")


@pytest.fixture
async def db(peers):
    database = CosmosDatabase(Config.from_env(peers.env()))
    yield database
    await database.close()


@pytest.fixture
def tracking(db) -> TrackingRepository:
    return TrackingRepository(db)


@pytest.fixture
def worker(db) -> TrackingWorker:
    return TrackingWorker(stores_over(db), UnreadMailbox(), UnreadMailbox())  # nor the queue


def tag() -> str:
    return uuid.uuid4().hex[:10]


@pytest.mark.parametrize(
    "raw",
    [b"", b"\xff\xfe", b"[]", b'{"v": 2}', b'{"v": 1, "trackingId": "a b", "userId": "u"}', b'{"v": 1}'],
)
async def test_an_invalid_message_is_consumed_not_retried(worker, raw):
    assert await worker.process(raw, 1) == "invalid"
    await worker.poisoned(raw)  # logs, never raises


def _events(caplog: pytest.LogCaptureFixture, name: str) -> list[dict[str, Any]]:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.getMessage().startswith("{")]
    return [line for line in lines if line.get("event") == name]


async def test_a_malformed_message_is_logged_by_its_message_id_and_field_never_its_content(worker, caplog):
    raw = json.dumps({"v": 1, "trackingId": "trk-1", "userId": "u", "subject": "Quote for b@c.example"})
    caplog.set_level(logging.INFO)

    assert await worker.process(raw.encode(), 1, "msg-1") == "invalid"
    await worker.poisoned(raw.encode(), 1, "msg-2")

    [failed], [poisoned] = _events(caplog, "track.failed"), _events(caplog, "track.poisoned")
    assert (failed["messageId"], failed["reason"], failed["dequeueCount"]) == ("msg-1", "invalid message", 1)
    assert (poisoned["messageId"], poisoned["reason"]) == ("msg-2", "invalid message")
    assert failed["detail"] == "message: extra_forbidden"
    assert "@" not in caplog.text and "Quote" not in caplog.text


async def test_a_message_for_an_unknown_request_is_consumed_and_its_poison_writes_nothing(
    worker, tracking, caplog
):
    user, tid = f"u-{tag()}", f"trk-{tag()}"
    raw = TrackJob(v=1, trackingId=tid, userId=user).encode()
    caplog.set_level(logging.INFO)

    assert await worker.process(raw, 1) == "unknown"
    await worker.poisoned(raw, 1, "msg-3")

    [line] = _events(caplog, "track.poisoned")
    assert (line["trackingId"], line["messageId"], line["reason"]) == (
        tid,
        "msg-3",
        "no such tracking request",
    )
    with pytest.raises(NotFoundError):
        await tracking.get_request(user, tid)
