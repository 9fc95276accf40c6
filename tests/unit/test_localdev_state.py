"""make run's state file: round trip, and which of its processes count as alive."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from localdev.state import Proc, RunState, read_state, running_message, write_state


def _state(pid: int, started: str, children: dict[str, Proc] | None = None) -> RunState:
    return RunState(
        pid, started, 7071, "http://127.0.0.1:7071", "https://127.0.0.1:8081", "k", "q", "g", children or {}
    )


def test_the_state_file_reads_back_what_was_written(tmp_path: Path) -> None:
    state = _state(os.getpid(), Proc.of(os.getpid()).started, {"host": Proc(12, "34")})
    write_state(tmp_path, state)
    assert read_state(tmp_path) == state


def test_a_missing_or_torn_state_file_reads_as_none(tmp_path: Path) -> None:
    assert read_state(tmp_path) is None
    (tmp_path / "run.json").write_text('{"pid": 1, "sta')
    assert read_state(tmp_path) is None


def test_a_pid_reused_by_another_process_is_not_alive() -> None:
    me = Proc.of(os.getpid())
    assert me.alive
    assert not Proc(os.getpid(), str(int(me.started) + 1)).alive


def test_only_live_processes_are_named_with_the_port() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        dead = subprocess.Popen(["true"])
        dead.wait()
        state = _state(dead.pid, "1", {"host": Proc.of(child.pid), "graph": Proc(dead.pid, "1")})
        assert state.live_processes() == {"host": child.pid}
        message = running_message(state)
        assert f"host pid {child.pid}" in message and "port 7071" in message and "graph" not in message
    finally:
        child.kill()
        child.wait()
