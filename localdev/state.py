"""The state file of a running ``make run`` (``<workdir>/run.json``) and the checks on it.

``make run`` writes it once its peers (Azurite, the Cosmos emulator, the Graph server)
run, writes it again once the Functions host listens, and removes it when it stops: its
own pid, every child's pid, the ports, the endpoints and the emulator key, which
``make import`` reads to reach the running stack. Each pid is stored with its process
start time (``/proc/<pid>/stat``), so a pid the system has since given to another
process does not count as alive.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from localdev.stack import ROOT
from shared import config as names

STATE_FILE = "run.json"


def local_workdir() -> Path:
    """Where ``make run`` keeps its state: ``AUTOCAPTURE_WORKDIR``, by default ``.local/``."""
    return Path(os.environ.get(names.LOCAL_WORKDIR) or ROOT / ".local").resolve()


def process_start(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot ('' when there is no such process)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]  # field 22, after the "(comm)" field


def alive(pid: int, started: str) -> bool:
    return pid > 0 and bool(started) and process_start(pid) == started


@dataclass(frozen=True)
class Proc:
    pid: int
    started: str

    @classmethod
    def of(cls, pid: int) -> Proc:
        return cls(pid, process_start(pid))

    @property
    def alive(self) -> bool:
        return alive(self.pid, self.started)


@dataclass(frozen=True)
class RunState:
    """What ``make run`` tells other tools about the stack it runs."""

    pid: int
    started: str
    host_port: int
    base_url: str
    cosmos_endpoint: str
    cosmos_key: str
    queue_connection: str
    graph_url: str
    children: dict[str, Proc] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> RunState:
        raw: dict[str, Any] = json.loads(text)
        children = {
            name: Proc(int(p["pid"]), str(p["started"])) for name, p in raw.pop("children", {}).items()
        }
        return cls(**raw, children=children)

    def live_processes(self) -> dict[str, int]:
        """``name -> pid`` of the processes of this run that are still alive."""
        live = {"make run": self.pid} if alive(self.pid, self.started) else {}
        live.update({name: p.pid for name, p in self.children.items() if p.alive})
        return live


def state_path(workdir: Path) -> Path:
    return workdir / STATE_FILE


def write_state(workdir: Path, state: RunState) -> None:
    path = state_path(workdir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(state.to_json())
    os.replace(tmp, path)


def read_state(workdir: Path) -> RunState | None:
    """The state file, or None when there is none or it is unreadable (a crash mid-write)."""
    try:
        return RunState.from_json(state_path(workdir).read_text())
    except (OSError, ValueError, TypeError, KeyError):
        return None


def remove_state(workdir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        state_path(workdir).unlink()


def running_message(state: RunState) -> str:
    """One line naming what is still alive of an earlier run (pid, port)."""
    live = state.live_processes()
    pids = ", ".join(f"{name} pid {pid}" for name, pid in live.items())
    return (
        f"an earlier `make run` is still running ({pids}; host port {state.host_port}): "
        f"stop it first (Ctrl-C in its terminal, or kill {' '.join(str(p) for p in live.values())})"
    )


#: How long the demo keeps the "now" it was generated for: restarts within it see the very
#: same mails (same sent times, so the same item identities: a tracked demo mail stays
#: tracked), while a demo older than that is generated afresh for the present.
DEMO_ANCHOR_HOURS = 12


def demo_anchor(workdir: Path, now: datetime) -> datetime:
    """The instant the demo data is generated for: the saved one while it is recent."""
    path = workdir / "demo" / "anchor.txt"
    try:
        saved = datetime.fromisoformat(path.read_text().strip())
        if saved.tzinfo is not None and timedelta(0) <= now - saved < timedelta(hours=DEMO_ANCHOR_HOURS):
            return saved
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(now.isoformat())
    return now
