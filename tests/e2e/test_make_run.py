"""`make run` as a developer uses it: it starts, serves, stops on every stop signal leaving
nothing behind, refuses a taken port or a live earlier run in one line, keeps its state
across a restart, and the README's local commands work as written.

`make` is run with ``-o deps`` so that a test never reinstalls the shared packages.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from localdev.stack import ROOT, free_port
from localdev.state import Proc, RunState, read_state
from shared import config as names

pytestmark = pytest.mark.e2e

#: make's own lines (``make[1]:`` when the tests themselves run under ``make test``).
MAKE_LINE = re.compile(r"make(\[\d+\])?: ")

MAKE = ["make", "--no-print-directory", "-o", "deps", "-o", ".venv/.installed"]
BANNER_END = "Ctrl-C stops everything"
#: Every shell command the README's local sections show; each one is run below.
README_COMMANDS = {
    "make run",
    "make import FILE=records.jsonl",
    "make reset",
    "grep trk-3f2a… .local/logs/host.log",
}


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Run:
    """One `make run` (or its python program) in its own session, with its own workdir."""

    def __init__(self, tmp: Path, argv: list[str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.workdir = tmp / "work"
        self.settings = tmp / "local.settings.json"
        self.env = dict(
            os.environ,
            **{
                names.LOCAL_PORT: str(self.port),
                names.LOCAL_WORKDIR: str(self.workdir),
                names.LOCAL_SETTINGS_FILE: str(self.settings),
            },
        )
        self.stderr_path = tmp / "stderr.log"
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=self.stderr_path.open("w"),
            text=True,
            start_new_session=True,
        )
        self.banner = ""
        self.state: RunState | None = None

    def wait_banner(self, timeout: float = 180) -> str:
        deadline, lines = time.monotonic() + timeout, []
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if BANNER_END in line:
                break
        self.banner = "".join(lines)
        assert BANNER_END in self.banner, self.banner + self._stderr()
        self.state = read_state(self.workdir)
        assert self.state is not None
        return self.banner

    def _stderr(self) -> str:
        return self.stderr_path.read_text()[-3000:]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self) -> str:
        return re.search(r"TOKEN=(\S+)", self.banner).group(1)  # type: ignore[union-attr]

    def get(self, path: str) -> httpx.Response:
        return httpx.get(
            f"{self.base}{path}", headers={"Authorization": f"Bearer {self.token()}"}, timeout=30
        )

    def processes(self) -> list[Proc]:
        assert self.state is not None
        return [
            Proc.of(self.proc.pid),
            Proc(self.state.pid, self.state.started),
            *self.state.children.values(),
        ]

    def ports(self) -> set[int]:
        return {self.port, *(int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", self.banner))}

    def stop(self, sig: signal.Signals, *, group: bool = False, timeout: float = 30) -> float:
        """Send ``sig`` to make (or to its process group, as a terminal does); seconds until all is gone."""
        procs, ports = self.processes(), self.ports()
        started = time.monotonic()
        if group:
            os.killpg(self.proc.pid, sig)
        else:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=timeout)
        while time.monotonic() - started < timeout and any(p.alive for p in procs):
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        assert [p.pid for p in procs if p.alive] == []
        assert [p for p in ports if _listening(p)] == []
        return elapsed

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        for p in self.processes() if self.state else []:
            if p.alive:
                os.kill(p.pid, signal.SIGKILL)


@contextmanager
def make_run(tmp: Path, port: int | None = None) -> Iterator[Run]:
    run = Run(tmp, [*MAKE, "run"], port)
    try:
        yield run
    finally:
        run.kill()


def _readme(tmp: Path, command: str, **placeholders: str) -> subprocess.CompletedProcess[str]:
    """Run a README command as written, its placeholders (the tracking id, ``.local``,
    ``records.jsonl``) replaced by this test's own, and `make` kept off the shared installs."""
    assert command in README_COMMANDS
    for placeholder, value in placeholders.items():
        command = command.replace(placeholder, value)
    argv = shlex.split(command)
    if argv[0] == "make":
        argv = [*MAKE, *argv[1:]]
    env = dict(os.environ, **{names.LOCAL_WORKDIR: str(tmp / "work")})
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_run_program_serves_health_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    run = Run(tmp_path, [sys.executable, "-m", "localdev.run"])
    try:
        run.wait_banner()
        assert httpx.get(f"{run.base}/api/health", timeout=10).json()["status"] == "ok"
        timeline = run.get("/api/timeline/account/a-contoso").json()
        assert {i["state"] for i in timeline["items"]} == {"tracked", "untracked"}  # the seeded demo
        assert all(_listening(p) for p in run.ports())
        assert run.stop(signal.SIGINT) < 15
        assert run.proc.returncode == 0
    finally:
        run.kill()


def test_make_run_then_sigterm_to_make_leaves_no_process_behind(tmp_path: Path) -> None:
    with make_run(tmp_path) as run:
        run.wait_banner()
        assert run.stop(signal.SIGTERM) < 15


def test_make_run_then_sighup_to_make_alone_leaves_no_process_behind(tmp_path: Path) -> None:
    with make_run(tmp_path) as run:
        run.wait_banner()
        assert run.stop(signal.SIGHUP) < 15


def test_a_hang_up_of_the_terminal_stops_make_run_and_every_child(tmp_path: Path) -> None:
    with make_run(tmp_path) as run:
        run.wait_banner()
        assert run.stop(signal.SIGHUP, group=True) < 15


def test_a_taken_host_port_fails_within_5_seconds_with_one_line_naming_it(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        run = Run(tmp_path, [*MAKE, "run"], port)
        out, _ = run.proc.communicate(timeout=30)
        elapsed = time.monotonic() - started
        err = run.stderr_path.read_text()
    assert run.proc.returncode != 0 and elapsed <= 5
    ours = [line for line in (out + err).splitlines() if line and not MAKE_LINE.match(line)]
    assert ours == [
        f"make run: port {port} is already in use: stop what listens on it, or set AUTOCAPTURE_PORT"
    ]


def test_a_live_earlier_run_is_named_by_pid_and_port_instead_of_a_banner(tmp_path: Path) -> None:
    earlier = subprocess.Popen(["sleep", "60"])
    try:
        workdir = tmp_path / "work"
        workdir.mkdir()
        state = RunState(
            pid=earlier.pid, started=Proc.of(earlier.pid).started, host_port=7071,
            base_url="http://127.0.0.1:7071", cosmos_endpoint="https://127.0.0.1:1", cosmos_key="k",
            queue_connection="", graph_url="", children={"host": Proc.of(earlier.pid)},
        )  # fmt: skip
        (workdir / "run.json").write_text(state.to_json())
        run = Run(tmp_path, [*MAKE, "run"])
        out, _ = run.proc.communicate(timeout=30)
        err = run.stderr_path.read_text()
    finally:
        earlier.kill()
        earlier.wait()
    assert run.proc.returncode != 0 and BANNER_END not in out
    [line] = [line for line in (out + err).splitlines() if line and not MAKE_LINE.match(line)]
    assert f"pid {earlier.pid}" in line and "port 7071" in line


def test_a_stale_state_file_of_a_dead_run_does_not_stop_make_run(tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    dead = RunState(1, "not-a-start-time", 7071, "", "", "", "", "")
    (workdir / "run.json").write_text(dead.to_json())
    with make_run(tmp_path) as run:
        run.wait_banner()
        assert run.state is not None and run.state.pid != 1
        run.stop(signal.SIGTERM)
    assert not (workdir / "run.json").exists()


def test_make_import_without_a_running_stack_says_so_in_one_line(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    records.write_text('{"entityType": "lead", "id": "l-1", "name": "Lead"}\n')
    result = _readme(tmp_path, "make import FILE=records.jsonl", **{"records.jsonl": str(records)})
    ours = [line for line in (result.stdout + result.stderr).splitlines() if not MAKE_LINE.match(line)]
    assert result.returncode != 0
    assert ours == [
        f"make import: no running `make run` (no live {tmp_path / 'work' / 'run.json'}); start it first"
    ]


def _readme_local_commands() -> set[str]:
    text = (ROOT / "README.md").read_text()
    commands = set()
    for section in re.split(r"\n## ", text)[1:]:
        title = section.splitlines()[0]
        if any(word in title for word in ("make run", "Configuration", "Following", "Tests")):
            for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
                commands |= {
                    re.sub(r"\s+#.*$", "", line).strip() for line in block.splitlines() if line.strip()
                }
    return commands


def test_the_readme_local_sections_show_only_commands_these_tests_run() -> None:
    assert _readme_local_commands() == README_COMMANDS


def test_state_survives_a_restart_and_the_readme_commands_work_as_written(tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    account = {"entityType": "account", "id": "a-imported", "name": "Imported Ltd", "teamIds": ["t-east"]}
    records.write_text(json.dumps(account) + "\n")  # alice, in t-east, may read it
    with make_run(tmp_path) as run:
        run.wait_banner()
        tracked = [
            i for i in run.get("/api/timeline/account/a-contoso").json()["items"] if i["state"] == "tracked"
        ]
        assert len(tracked) == 1
        assert run.get("/api/timeline/account/a-imported").status_code == 404
        imported = _readme(tmp_path, "make import FILE=records.jsonl", **{"records.jsonl": str(records)})
        assert (imported.returncode, imported.stdout.strip()) == (0, "imported: 1 record(s)"), imported.stderr
        assert run.get("/api/timeline/account/a-imported").status_code == 200
        tracking_id = re.search(
            r'"trackingId":"(trk-[0-9a-f]+)"', (run.workdir / "logs/host.log").read_text()
        )
        assert tracking_id, "the seeded track job is in the host log"
        grep = _readme(
            tmp_path,
            "grep trk-3f2a… .local/logs/host.log",
            **{"trk-3f2a…": tracking_id.group(1), ".local": str(run.workdir)},
        )
        events = [json.loads(line)["event"] for line in grep.stdout.splitlines()]
        assert {"track.accepted", "track.copied"} <= set(events), grep.stdout
        settings = json.loads(run.settings.read_text())
        example = json.loads((ROOT / "local.settings.example.json").read_text())
        assert settings["IsEncrypted"] is False and settings["Values"]["FUNCTIONS_WORKER_RUNTIME"] == "python"
        assert set(settings["Values"]) == set(example["Values"])
        assert settings["Values"]["COSMOS_ACCOUNT_ENDPOINT"] == run.state.cosmos_endpoint  # type: ignore[union-attr]
        run.stop(signal.SIGTERM)
    with make_run(tmp_path, run.port) as again:
        again.wait_banner()
        after = [
            i for i in again.get("/api/timeline/account/a-contoso").json()["items"] if i["state"] == "tracked"
        ]
        assert [i["id"] for i in after] == [i["id"] for i in tracked]
        again.stop(signal.SIGTERM)
    reset = _readme(tmp_path, "make reset")
    assert reset.returncode == 0 and "removed" in reset.stdout, reset.stderr
    assert not (tmp_path / "work" / "cosmos-state.json").exists()
    assert not (tmp_path / "work" / "azurite").exists()
