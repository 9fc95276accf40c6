"""`make run`'s program: starts everything, answers health, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from localdev.stack import ROOT, free_port
from shared import config as names

pytestmark = pytest.mark.e2e


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_run_serves_health_and_ctrl_c_stops_every_process(tmp_path):
    port = free_port()
    env = dict(os.environ, **{names.LOCAL_PORT: str(port), names.LOCAL_WORKDIR: str(tmp_path)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "localdev.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    banner = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            banner.append(line)
            if "Ctrl-C stops everything" in line:
                break
        text = "".join(banner)
        assert "Ctrl-C stops everything" in text, text
        assert httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).json()["status"] == "ok"
        token = re.search(r"TOKEN=(\S+)", text).group(1)
        timeline = httpx.get(
            f"http://127.0.0.1:{port}/api/timeline/account/a-contoso",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()
        assert {i["state"] for i in timeline["items"]} == {"tracked", "untracked"}  # the seeded demo
        ports = [port] + [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", text)]
        assert all(_listening(p) for p in set(ports))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    time.sleep(0.5)
    assert [p for p in set(ports) if _listening(p)] == []
