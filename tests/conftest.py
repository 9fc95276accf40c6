"""Shared fixtures: the local stack (Azurite, Cosmos emulator, local Graph server, host).

The stack starts once per test session on free ports, with the demo data generated for
"now"; tests that need other data import their own records under unique ids.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from localdev.demo import write_demo
from localdev.stack import ROOT, Ports, Stack
from shared import config as names


def _require_node_modules() -> None:
    if not (ROOT / "node_modules" / ".bin" / "azurite-queue").exists() or shutil.which("node") is None:
        pytest.fail("node_modules are missing: run `make test` (it runs `npm ci` first)")


@contextmanager
def demo_peers(workdir: Path) -> Iterator[Stack]:
    """Azurite, the Cosmos emulator and the Graph server under ``workdir``, with the demo
    records imported; stopped on exit."""
    _require_node_modules()
    records, mailbox = write_demo(workdir / "demo")
    stack = Stack(
        workdir=workdir,
        records=records,
        mailbox=mailbox,
        ports=Ports.random(),
        extra_env={
            names.LOCAL_VISIBILITY_TIMEOUT: "0",
            names.LOCAL_QUEUE_LEASE: "4",
            # the sweeper every 2 s, for requests pending 20 s (above any test's retry delay)
            names.LOCAL_TIMER_SCHEDULE: "*/2 * * * * *",
            names.TRACK_STALE_SECONDS: "20",
        },
    )
    try:
        stack.start_peers()
        stack.load_records()
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The session's peers (see ``demo_peers``)."""
    with demo_peers(tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@pytest.fixture(scope="session")
def stack(peers: Stack) -> Iterator[Stack]:
    """The peers plus the local Functions host serving function_app (a child process)."""
    if "host" not in peers.procs:
        peers.start_host()
    yield peers


def host_log(stack: Stack) -> str:
    path: Path = stack.workdir / "logs" / "host.log"
    return path.read_text() if path.exists() else ""


@pytest.fixture(scope="session")
def api(stack: Stack):
    from tests.e2e.api import Api

    client = Api(stack.base_url)
    yield client
    client.http.close()


@pytest.fixture
async def track_world(stack, api):
    """A fresh account and mailbox users for one Track test (tests/integration/track_support.py)."""
    from tests.integration.track_support import TrackWorld

    track_world = TrackWorld(stack, api)
    await track_world.create_account()
    yield track_world
    track_world.close()


@pytest.fixture
def world(track_world):
    """The Track tests' ``world`` (tests/e2e/conftest.py gives the timeline tests theirs)."""
    return track_world
