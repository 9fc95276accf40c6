"""Track when things go wrong: permanent and transient Graph failures, poison, bad
messages, and a worker killed in the middle of a copy (real queue, real host)."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.integration.track_support import (
    aid_of,
    events,
    host_lines,
    send_job,
    send_raw,
    stored_docs,
    uid,
    wait_until,
)

pytestmark = pytest.mark.integration


def _by_message(stack, message_id: str, event: str) -> list[dict]:
    """Worker lines of the invocations that handled queue message ``message_id``."""
    lines = host_lines(stack)
    invocations = {
        e["invocationId"]
        for e in lines
        if e.get("event") == "function.executing" and e.get("messageId") == message_id
    }
    return [e for e in lines if e.get("event") == event and e.get("correlationId") in invocations]


async def test_no_access_to_the_mailbox_fails_the_request_with_a_reason_without_retrying(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    # The app is shut out of this mailbox (an application access policy); the owner still reads it.
    world.fault(world.tracker, {"status": 403, "for": "app"})

    resp = world.track(world.tracker, msg)

    assert resp.status_code == 202, resp.text
    tid = resp.json()["trackingId"]
    done = world.wait_for(world.tracker, tid)
    assert done["state"] == "failed"
    assert done["error"].startswith("INSUFFICIENT_PERMISSIONS")
    assert "activityId" not in done
    [started] = events(world.stack, tid, "track.started")
    assert started["dequeueCount"] == 1
    [failed] = events(world.stack, tid, "track.failed")
    assert failed["attempt"] == 1
    assert not events(world.stack, tid, "track.retry", "track.poisoned")
    assert await stored_docs(world.stack, aid_of(msg)) == []


async def test_an_item_deleted_before_the_copy_fails_the_request_as_not_found(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    world.fault(world.tracker, {"status": 429, "retryAfter": 2, "times": 1, "for": "app"})

    tid = world.track(world.tracker, msg).json()["trackingId"]
    world.tracker.messages.clear()
    world.publish(world.tracker)  # the owner deleted it while the job waited

    done = world.wait_for(world.tracker, tid)
    assert done["state"] == "failed"
    assert done["error"].startswith("NOT_FOUND")
    assert [e["attempt"] for e in events(world.stack, tid, "track.started")] in ([1], [1, 2])
    assert await stored_docs(world.stack, aid_of(msg)) == []


async def test_a_job_graph_keeps_refusing_fails_after_five_attempts_and_can_be_tracked_again(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    world.fault(world.tracker, {"status": 503, "retryAfter": 1, "for": "app"})

    tid = world.track(world.tracker, msg).json()["trackingId"]

    done = world.wait_for(world.tracker, tid, timeout=60)
    assert done["state"] == "failed"
    assert done["error"].startswith("TEMPORARY") and done["error"].endswith("try again")
    retries = events(world.stack, tid, "track.retry")
    assert [e["attempt"] for e in retries] == [1, 2, 3, 4]
    assert {(e["reason"], e["delaySeconds"]) for e in retries} == {("TEMPORARY", 1)}, "Graph's Retry-After"
    assert not events(world.stack, tid, "track.poisoned"), "attempts end in the job, not in poison"
    assert await stored_docs(world.stack, aid_of(msg)) == []

    world.fault(world.tracker, None)
    again = world.track(world.tracker, msg)
    assert again.status_code == 202 and again.json()["trackingId"] == tid
    assert world.wait_for(world.tracker, tid)["state"] == "tracked"


async def test_a_transient_failure_is_retried_through_the_queue_and_then_tracked(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    world.fault(world.tracker, {"status": 500, "times": 2, "for": "app"})

    tid = world.track(world.tracker, msg).json()["trackingId"]

    assert world.wait_for(world.tracker, tid)["state"] == "tracked"
    [copied] = events(world.stack, tid, "track.copied")
    assert copied["attempt"] == 3
    retries = events(world.stack, tid, "track.retry")
    assert [(e["attempt"], e["delaySeconds"]) for e in retries] == [(1, 5), (2, 10)], "doubling back-off"


async def test_invalid_queue_messages_are_consumed_and_logged_and_the_host_keeps_working(world, stack):
    not_json = send_raw(stack, b"hello, not json")
    wrong_version = send_raw(stack, json.dumps({"v": 99, "trackingId": "trk-x", "userId": "u"}).encode())
    bad_ids = send_raw(stack, json.dumps({"v": 1, "trackingId": "../../x", "userId": "u u"}).encode())
    unknown_field = send_raw(
        stack, json.dumps({"v": 1, "trackingId": f"trk-{uid()}", "userId": "u", "subject": "Hi"}).encode()
    )
    unknown_tid = f"trk-{uid()}"
    [unknown] = send_job(stack, world.tracker.oid, unknown_tid)
    not_base64 = send_raw(stack, b"{not base64!}", base64_encode=False)

    for message_id in (not_json, wrong_version, bad_ids, unknown_field):
        [line] = wait_until(
            lambda m=message_id: _by_message(stack, m, "track.failed"), what="an invalid message"
        )
        assert line["reason"] == "invalid message"
        assert line["messageId"] == message_id
        assert line["dequeueCount"] == 1
    [line] = wait_until(lambda: events(stack, unknown_tid, "track.failed"), what="the unknown request")
    assert line["reason"] == "no such tracking request"
    # Not base64: the host cannot bind it; after maxDequeueCount it is moved to the poison queue.
    wait_until(
        lambda: [
            e
            for e in host_lines(stack)
            if e.get("event") == "function.poisoned" and e.get("messageId") == not_base64
        ],
        what="the undecodable message moved to poison",
    )
    for message_id in (not_json, wrong_version, bad_ids, unknown_field, unknown):
        runs = [
            e
            for e in host_lines(stack)
            if e.get("event") == "function.executed"
            and e.get("invocationId")
            in {
                x["invocationId"]
                for x in host_lines(stack)
                if x.get("event") == "function.executing" and x.get("messageId") == message_id
            }
        ]
        assert [r["succeeded"] for r in runs] == [True], "consumed on the first delivery"
    assert httpx.get(f"{stack.base_url}/api/health", timeout=10).status_code == 200


async def test_a_worker_killed_mid_copy_and_restarted_makes_one_activity(world, stack):
    msg = world.message(world.tracker, 1, attachments=[("a.txt", 10, "text/plain")])
    world.publish(world.tracker)
    # Graph throttles the job's first read for 3 s: the worker is inside the copy when it dies.
    world.fault(world.tracker, {"status": 429, "retryAfter": 3, "times": 1, "for": "app"})
    before = world.graph_requests(world.tracker)

    tid = world.track(world.tracker, msg).json()["trackingId"]
    # the click reads the summary and the owner's addresses (2), then the job's first read (3)
    wait_until(lambda: world.graph_requests(world.tracker) >= before + 3, what="the job's first Graph read")
    stack.stop_process("host", kill=True)
    stack.start_host()

    done = world.wait_for(world.tracker, tid, timeout=30)
    assert done == {
        "trackingId": tid,
        "state": "tracked",
        "activityId": aid_of(msg),
        "regarding": {"entityType": world.account.entity_type, "id": world.account.id},
    }
    assert len(events(stack, tid, "track.started")) >= 2
    assert len(events(stack, tid, "track.copied")) == 1
    docs = await stored_docs(stack, aid_of(msg))
    assert sorted(d["type"] for d in docs) == ["activity", "claim"]
