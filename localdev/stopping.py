"""How ``make run`` learns that it should stop: SIGINT, SIGTERM or SIGHUP to itself, or
the same signals sent to the ``make`` that runs it.

GNU make forwards SIGTERM to its recipe but not SIGINT or SIGHUP (it expects the whole
process group to get those from the terminal); sent to make alone, they leave make
waiting for a child that was never told. While make handles such a signal it keeps it
blocked, which ``/proc/<make>/status`` shows (``SigBlk``): ``ParentWatch`` polls that,
and notices when that make is gone altogether.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class StopRequested(Exception):
    """A stop signal arrived."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise(signum: int, frame: FrameType | None) -> None:
    raise StopRequested(signum)


def raise_on_stop_signals() -> None:
    """From now on a stop signal raises ``StopRequested`` wherever the main thread is.

    A signal ignored when the program started (SIGHUP under ``nohup``) stays ignored."""
    for sig in STOP_SIGNALS:
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _raise)


def ignore_stop_signals() -> None:
    """While stopping: a second Ctrl-C must not interrupt the clean-up."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def _blocked(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigBlk:"):
                return int(line.split()[1], 16)
    except (OSError, ValueError):
        return None
    return None


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class ParentWatch:
    """Tells when the ``make`` that started us is gone or is handling a stop signal."""

    def __init__(self) -> None:
        self.parent = os.getppid()
        self._make = _name(self.parent) in ("make", "gmake")
        self._baseline = _blocked(self.parent) or 0
        self._stop_bits = sum(1 << (int(s) - 1) for s in STOP_SIGNALS)

    def reason(self) -> str | None:
        """Why to stop now, or None."""
        if not self._make:
            return None
        if os.getppid() != self.parent:
            return "make is gone"
        blocked = _blocked(self.parent)
        if blocked is not None and blocked & self._stop_bits & ~self._baseline:
            return "make got a stop signal"
        return None
