"""The whole local stack as child processes: Azurite (queues and blobs), the Cosmos emulator, the local
Graph server and the local Functions host. Used by ``make run`` and by the test suite.

Every child runs in its own session so that ``stop()`` can end it and anything it
started, and (on Linux) gets SIGTERM from the kernel if the process that started it
dies, even by SIGKILL: nothing is left behind. Azurite keeps its data and the Cosmos
emulator saves its documents under the workdir (``azurite/``, ``cosmos-state.json``),
so both survive a restart; the ``records`` container is the exception, reloaded from
the records file at every start. Logs go to ``<workdir>/logs/<name>.log``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from localdev.devtools.tokens import generate_signing_key
from shared import config as names

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"
# The well-known, public development keys of the emulators (not secrets).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
COSMOS_EMULATOR_KEY = (
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
)
AUDIENCE = "api://autocapture"
COSMOS_STATE = "cosmos-state.json"
AZURITE_DIR = "azurite"
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask the kernel to SIGTERM this child when the process that started it dies."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _tee(source: IO[bytes], *sinks: IO[bytes]) -> None:
    """Copy ``source`` line by line to every sink; a sink that fails (a closed terminal) is dropped."""
    live = list(sinks)
    for line in iter(source.readline, b""):
        for sink in list(live):
            try:
                sink.write(line)
                sink.flush()
            except (OSError, ValueError):
                live.remove(sink)
    source.close()


@dataclass
class Ports:
    host: int = 7071
    cosmos: int = 8081
    queue: int = 10001
    graph: int = 7072
    blob: int = 10000

    @classmethod
    def random(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port(), free_port())


@dataclass
class Stack:
    """Starts and stops the local stack. ``records``/``mailbox`` are JSONL / JSON files."""

    workdir: Path
    records: Path
    mailbox: Path
    ports: Ports = field(default_factory=Ports)
    extra_env: dict[str, str] = field(default_factory=dict)
    host_output: IO[bytes] | None = None
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _key: str = field(default_factory=generate_signing_key)
    _tees: list[threading.Thread] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.host}"

    @property
    def graph_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.graph}"

    @property
    def queue_connection(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};"
            f"QueueEndpoint=http://127.0.0.1:{self.ports.queue}/{AZURITE_ACCOUNT};"
            f"BlobEndpoint=http://127.0.0.1:{self.ports.blob}/{AZURITE_ACCOUNT};"
        )

    @property
    def cosmos_endpoint(self) -> str:
        return f"https://127.0.0.1:{self.ports.cosmos}"

    def app_settings(self) -> dict[str, str]:
        """Every app setting the local host gets (also written to local.settings.json)."""
        settings = {
            names.MODE: "local",
            names.TRACK_QUEUE_NAME: "track-requests",
            names.ERASURE_QUEUE_NAME: names.DEFAULT_ERASURE_QUEUE,
            names.RETENTION_SCHEDULE: names.DEFAULT_RETENTION_SCHEDULE,
            names.COSMOS_ENDPOINT: self.cosmos_endpoint,
            names.COSMOS_KEY: COSMOS_EMULATOR_KEY,
            names.COSMOS_VERIFY_TLS: "false",
            names.COSMOS_CREATE_CONTAINERS: "true",
            names.STORAGE_CONNECTION: self.queue_connection,
            names.GRAPH_BASE_URL: f"{self.graph_url}/v1.0",
            names.GRAPH_AUTH: "local",
            names.AUTH_ISSUER: f"{self.base_url}/dev",
            names.AUTH_AUDIENCE: AUDIENCE,
            names.AUTH_JWKS_URL: f"{self.base_url}/dev/jwks",
            names.AUTH_TENANT_ID: "local",
            names.DEV_SIGNING_KEY: self._key,
            names.LOCAL_PORT: str(self.ports.host),
            names.LOCAL_MAILBOX: str(self.mailbox),
            names.LOCAL_RECORDS: str(self.records),
        }
        settings.update(self.extra_env)
        return settings

    def env(self) -> dict[str, str]:
        """The environment of the local host (and of tools that talk to the same stack)."""
        return {**os.environ, **self.app_settings(), "PYTHONUNBUFFERED": "1"}

    def _spawn(self, name: str, argv: list[str], output: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
        """Start a child; its output goes to ``logs/<name>.log`` (and to ``output`` too, when given)."""
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = (logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(),
            stdout=log if output is None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )
        if output is not None and proc.stdout is not None:
            tee = threading.Thread(
                target=_tee, args=(proc.stdout, log, output), name=f"tee:{name}", daemon=True
            )
            tee.start()
            self._tees.append(tee)
        else:
            log.close()
        self.procs[name] = proc
        return proc

    def _spawn_azurite(self, name: str, service: str, port: int) -> subprocess.Popen[bytes]:
        """Azurite's ``service`` (``queue`` or ``blob``) on ``port``, its state under the workdir."""
        return self._spawn(
            name,
            [
                str(NODE_BIN / f"azurite-{service}"),
                f"--{service}Host",
                "127.0.0.1",
                f"--{service}Port",
                str(port),
                "--location",
                str(self.workdir / AZURITE_DIR),
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
            ],
        )

    def start_peers(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / AZURITE_DIR).mkdir(exist_ok=True)
        azurite = self._spawn_azurite("azurite", "queue", self.ports.queue)
        # Tracked bodies and attachment files (CONTENT_CONTAINER), as Blob Storage in Azure.
        blobs = self._spawn_azurite("azurite-blob", "blob", self.ports.blob)
        cosmos = self._spawn(
            "cosmos",
            [
                "node",
                str(ROOT / "localdev" / "cosmos-server.js"),
                str(self.ports.cosmos),
                "--state",
                str(self.workdir / COSMOS_STATE),
                "--transient",
                "records",
            ],
        )
        graph = self._spawn(
            "graph",
            [
                sys.executable,
                "-m",
                "localdev.graph_server",
                "--mailbox",
                str(self.mailbox),
                "--port",
                str(self.ports.graph),
                "--jwks-url",
                f"{self.base_url}/dev/jwks",
            ],
        )
        for proc, port in (
            (azurite, self.ports.queue),
            (blobs, self.ports.blob),
            (cosmos, self.ports.cosmos),
            (graph, self.ports.graph),
        ):
            wait_for_port(port, 60, proc)

    def run_python(self, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
        """``python ARGS`` from the project root with the stack's environment, output captured."""
        return subprocess.run(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )

    def load_records(self, path: Path | None = None, timeout: float = 300) -> str:
        """Import a records file (default ``records``) through the importer CLI; its summary line."""
        path = path or self.records
        result = self.run_python("-m", "shared.importer", str(path), timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"record import of {path.name} failed:\n{result.stderr}")
        return result.stdout.strip()

    def start_host(self) -> None:
        proc = self._spawn("host", [sys.executable, "-m", "localdev.serve"], self.host_output)
        wait_for_port(self.ports.host, 60, proc)
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/health", timeout=5) as resp:  # noqa: S310
                    return dict(json.loads(resp.read()))
            except (urllib.error.URLError, OSError, ValueError) as exc:
                last = exc
            time.sleep(0.2)
        raise TimeoutError(f"the host did not become healthy: {last}")

    def stop_process(self, name: str, kill: bool = False) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def start(self) -> None:
        try:
            self.start_peers()
            self.load_records()
            self.start_host()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for name in ("host", "graph", "cosmos", "azurite-blob", "azurite"):
            self.stop_process(name)
        for name in list(self.procs):
            self.stop_process(name)
        for tee in self._tees:
            tee.join(timeout=5)
        self._tees.clear()
