"""Cold start: importing ``function_app`` in a fresh interpreter, and a fresh local host
from spawn to its first 200 on ``/api/health`` (``make bench``).

``import_time(stack)`` runs ``python -X importtime -c "import function_app"`` a few times
with the stack's environment: wall time of the process, time of the import itself, and the
heaviest top-level imports. ``host_start(stack)`` spawns ``python -m localdev.serve`` (the
process ``Stack.start_host`` runs) and polls health every 20 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from typing import Any

import httpx

from localdev.stack import Stack

RUNS = 3
PROBE = "import time; t = time.perf_counter(); import function_app; print(time.perf_counter() - t)"


def _heaviest(importtime_stderr: str, top: int = 8) -> list[dict[str, Any]]:
    """Import time by root package (self times summed), from ``-X importtime`` output."""
    found: dict[str, int] = {}
    for line in importtime_stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        root = parts[2].strip().split(".", 1)[0]
        found[root] = found.get(root, 0) + int(parts[0])
    ranked = sorted(found.items(), key=lambda kv: kv[1], reverse=True)[:top]
    return [{"package": m, "ms": round(us / 1e3, 1)} for m, us in ranked]


def import_time(stack: Stack) -> dict[str, Any]:
    walls, imports = [], []
    heaviest: list[dict[str, Any]] = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = stack.run_python("-X", "importtime", "-c", PROBE, timeout=120)
        result.check_returncode()
        walls.append(time.perf_counter() - started)
        imports.append(float(result.stdout.strip().splitlines()[-1]))
        heaviest = _heaviest(result.stderr)
    return {
        "runs": RUNS,
        "process_ms": round(statistics.median(walls) * 1e3),
        "import_function_app_ms": round(statistics.median(imports) * 1e3),
        "heaviest_imports": heaviest,
        "note": "-X importtime adds some overhead to the figures",
    }


def host_start(stack: Stack, timeout: float = 90.0) -> dict[str, Any]:
    """Spawn the host and wait for the first 200 of /api/health; the host keeps running."""
    started = time.perf_counter()
    proc = stack._spawn("host", [sys.executable, "-m", "localdev.serve"], stack.host_output)
    first_answer: float | None = None
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the host exited with {proc.returncode} during start")
            try:
                answer = client.get(f"{stack.base_url}/api/health")
            except httpx.TransportError:
                time.sleep(0.02)
                continue
            if first_answer is None:
                first_answer = time.perf_counter() - started
            if answer.status_code == 200:
                healthy = time.perf_counter() - started
                return {
                    "spawn_to_listening_ms": round(first_answer * 1e3),
                    "spawn_to_first_200_ms": round(healthy * 1e3),
                }
            time.sleep(0.02)
    raise TimeoutError(f"the host was not healthy {timeout}s after spawn")
