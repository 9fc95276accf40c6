"""The track job message (shared.queue.TrackJob): what the HTTP side queues is what the
worker reads back, and anything else is refused with the field and the kind of error,
never the input."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.exceptions import ValidationError
from shared.model import RecordRef, TrackingRequest
from shared.queue import MAX_MESSAGE_BYTES, MAX_OWN_ADDRESSES, TrackJob

NOW = datetime(2026, 11, 20, 12, 30, 15, 123456, tzinfo=UTC)
REQUEST = TrackingRequest(
    id="trk-0123456789abcdef0123456789abcdef",
    user_id="7f1c2a8e-0000-4000-8000-000000000001",
    item_id="AAMk001",
    kind="email",
    regarding=RecordRef("account", "a1"),
    state="pending",
    created_at=NOW,
    updated_at=NOW,
)


def raw(**fields: object) -> bytes:
    return json.dumps(fields).encode()


def valid(**changes: object) -> bytes:
    fields: dict[str, object] = {"v": 1, "trackingId": REQUEST.id, "userId": REQUEST.user_id}
    fields.update(changes)
    return raw(**{k: v for k, v in fields.items() if v is not None})


def refusal(body: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        TrackJob.decode(body)
    return caught.value


def test_the_job_of_a_request_reads_back_as_the_same_job_with_its_exact_stamp():
    job = TrackJob.for_request(REQUEST)

    back = TrackJob.decode(job.encode())

    assert back == job
    assert (back.trackingId, back.userId, back.queuedAt) == (REQUEST.id, REQUEST.user_id, NOW)


def test_the_message_carries_only_the_ids_the_version_and_the_stamp():
    message = json.loads(TrackJob.for_request(REQUEST).encode())
    assert set(message) == {"v", "trackingId", "userId", "queuedAt"}


def test_a_message_without_a_stamp_is_accepted():
    assert TrackJob.decode(valid()).queuedAt is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"", "message"),
        (b"\xff\xfe", "message"),
        (b"hello, not json", "message"),
        (b"[]", "message"),
        (b"[" * 300, "message"),
        (valid(v=2), "message.v"),
        (valid(v=True), "message.v"),
        (valid(v="1"), "message.v"),
        (valid(v=1.0), "message.v"),
        (raw(trackingId=REQUEST.id, userId="u"), "message.v"),
        (valid(trackingId=None), "message.trackingId"),
        (valid(trackingId="../../x"), "message.trackingId"),
        (valid(trackingId="a b"), "message.trackingId"),
        (valid(trackingId="not-a-tracking-id"), "message.trackingId"),
        (valid(trackingId="trk-" + "a" * 125), "message.trackingId"),
        (valid(trackingId=7), "message.trackingId"),
        (valid(userId="u u"), "message.userId"),
        (valid(userId="u" * 129), "message.userId"),
        (valid(userId=["u"]), "message.userId"),
        (valid(queuedAt="yesterday"), "message.queuedAt"),
        (valid(queuedAt="2026-11-20T12:00:00"), "message.queuedAt"),
        (valid(queuedAt=1763640000), "message.queuedAt"),
    ],
)
def test_a_malformed_message_is_refused_naming_the_field(body, field):
    assert refusal(body).field == field


def test_an_unknown_field_is_refused_without_echoing_its_name_or_value():
    error = refusal(valid(**{"buyer@customer.example": "Quote for Contoso"}))

    assert error.field == "message"
    assert "@" not in error.detail and "Contoso" not in error.detail


def test_a_refusal_says_what_is_wrong_and_never_echoes_the_value_it_refused():
    error = refusal(valid(trackingId="trk-SECRET buyer@customer.example"))
    assert error.detail == "message.trackingId: string_pattern_mismatch"
    assert refusal(valid(userId=None)).detail == "message.userId: missing"


def test_a_message_longer_than_any_job_is_refused_before_parsing():
    padded = valid(trackingId=REQUEST.id + " " * MAX_MESSAGE_BYTES)
    assert "longer than" in refusal(padded).detail


def test_the_owners_addresses_travel_in_the_job_valid_and_capped():
    own = ["me@org.example", "not an address", *[f"alias{n}@org.example" for n in range(60)]]
    job = TrackJob.decode(TrackJob.for_request(REQUEST, own).encode())
    assert job.ownAddresses is not None and len(job.ownAddresses) == MAX_OWN_ADDRESSES
    assert job.ownAddresses[0] == "me@org.example" and "not an address" not in job.ownAddresses
    assert len(TrackJob.for_request(REQUEST, own).encode()) <= MAX_MESSAGE_BYTES


@pytest.mark.parametrize(
    "own",
    [["not-an-address"], [f"a{n}@org.example" for n in range(MAX_OWN_ADDRESSES + 1)], "me@org.example", [3]],
)
def test_a_message_with_bad_own_addresses_is_refused_by_field(own):
    error = refusal(valid(ownAddresses=own))
    assert error.field == "message.ownAddresses"
