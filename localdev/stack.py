"""The whole local stack as child processes: Azurite, the Cosmos emulator, the local
Graph server and the local Functions host. Used by ``make run`` and by the test suite.

Every child runs in its own session so that ``stop()`` can end it and anything it
started; nothing is left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

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


def dev_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class Ports:
    host: int = 7071
    cosmos: int = 8081
    queue: int = 10001
    graph: int = 7072

    @classmethod
    def random(cls) -> Ports:
        return cls(free_port(), free_port(), free_port(), free_port())


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
    _key: str = field(default_factory=dev_signing_key)

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
        )

    def env(self) -> dict[str, str]:
        """The environment of the local host (and of tools that talk to the same stack)."""
        env = dict(os.environ)
        env.update(
            {
                names.MODE: "local",
                names.TRACK_QUEUE_NAME: "track-requests",
                names.COSMOS_ENDPOINT: f"https://127.0.0.1:{self.ports.cosmos}",
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
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, argv: list[str], output: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        out: IO[bytes] | int = output if output is not None else (logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def start_peers(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        azurite = self._spawn(
            "azurite",
            [
                str(NODE_BIN / "azurite-queue"),
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                str(self.ports.queue),
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
            ],
        )
        cosmos = self._spawn(
            "cosmos", ["node", str(ROOT / "localdev" / "cosmos-server.js"), str(self.ports.cosmos)]
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
        for name in ("host", "graph", "cosmos", "azurite"):
            self.stop_process(name)
        for name in list(self.procs):
            self.stop_process(name)
