"""Operators follow a track job by its trackingId in the host log (JSON lines); the log
never carries a subject, a body or an address."""

from __future__ import annotations

import pytest

from tests.integration.track_support import events, host_lines

pytestmark = pytest.mark.integration

QUEUE_SIDE = ("track.started", "track.copied", "track.failed", "track.poisoned", "track.retry")


async def test_each_step_of_a_job_is_one_json_line_with_its_tracking_id_and_no_content(world):
    ok = world.message(world.tracker, 1, attachments=[("q.pdf", 10, "application/pdf")])
    denied_user = world.user("den", ("Sales.Person",), (world.team,))
    flaky_user = world.user("flk", ("Sales.Person",), (world.team,))
    denied, flaky = world.message(denied_user, 1), world.message(flaky_user, 1)
    world.publish(world.tracker, denied_user, flaky_user)
    world.fault(denied_user, {"status": 403, "for": "app"})
    world.fault(flaky_user, {"status": 503, "retryAfter": 1, "for": "app"})

    t_ok = world.track(world.tracker, ok).json()["trackingId"]
    t_denied = world.track(denied_user, denied).json()["trackingId"]
    t_flaky = world.track(flaky_user, flaky).json()["trackingId"]
    assert world.wait_for(world.tracker, t_ok)["state"] == "tracked"
    assert world.wait_for(denied_user, t_denied)["state"] == "failed"
    assert world.wait_for(flaky_user, t_flaky, timeout=60)["state"] == "failed"

    def steps(tid: str) -> list[str]:
        return [e["event"] for e in events(world.stack, tid) if str(e.get("event", "")).startswith("track.")]

    assert steps(t_ok) == ["track.accepted", "track.started", "track.copied"]
    assert steps(t_denied) == ["track.accepted", "track.started", "track.failed"]
    assert steps(t_flaky)[:3] == ["track.accepted", "track.started", "track.retry"]
    assert steps(t_flaky)[-1] == "track.failed"
    assert steps(t_flaky).count("track.started") == 5
    assert steps(t_flaky).count("track.retry") == 4

    mine = [e for tid in (t_ok, t_denied, t_flaky) for e in events(world.stack, tid)]
    for line in mine:
        if line["event"].startswith("track."):
            assert line["trackingId"] in (t_ok, t_denied, t_flaky)
            assert line["level"] in ("INFO", "WARNING", "ERROR")
        if line["event"] in QUEUE_SIDE:
            assert isinstance(line.get("attempt", line.get("dequeueCount")), int), line
        if line["event"] in ("track.copied", "track.failed", "track.retry"):
            assert line["durationMs"] >= 0
    [copied] = events(world.stack, t_ok, "track.copied")
    assert copied["attachments"] == 1
    assert copied["activityId"]


async def test_no_host_log_line_carries_a_subject_a_body_or_an_address(world):
    msg = world.message(world.tracker, 1)
    world.publish(world.tracker)
    tid = world.track(world.tracker, msg).json()["trackingId"]
    world.wait_for(world.tracker, tid)
    world.timeline(world.tracker)

    lines = host_lines(world.stack)
    track_lines = [e for e in lines if str(e.get("event", "")).startswith("track.")]
    assert track_lines
    for line in track_lines:
        text = str(line)
        assert "@" not in text, line
        assert "SECRET-BODY" not in text and "Deal " not in text, line
    raw = (world.stack.workdir / "logs" / "host.log").read_text(errors="replace")
    for secret in (msg["subject"], "SECRET-BODY", world.customer, world.tracker.upn):
        assert secret not in raw
