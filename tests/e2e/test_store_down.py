"""When Cosmos DB cannot be reached: 503 problem+json with Retry-After, and health says which."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from localdev.stack import ROOT, free_port, wait_for_port
from shared import config as names
from tests.e2e.api import demo_caller

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def host_without_cosmos(peers):
    """A second host on the same peers, its Cosmos endpoint pointing at a closed port."""
    port = free_port()
    env = peers.env()
    env[names.COSMOS_ENDPOINT] = f"https://127.0.0.1:{free_port()}"
    env[names.LOCAL_PORT] = str(port)
    base = f"http://127.0.0.1:{port}"
    env[names.AUTH_ISSUER] = f"{base}/dev"
    env[names.AUTH_JWKS_URL] = f"{base}/dev/jwks"
    log = (peers.workdir / "logs" / "host-without-cosmos.log").open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "localdev.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_for_port(port, 60, proc)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def _token(base: str) -> str:
    caller = demo_caller("alice")
    body = {"user": caller.upn, "roles": list(caller.roles), "groups": list(caller.groups)}
    return httpx.post(f"{base}/dev/token", json=body, timeout=30).json()["token"]


def test_timeline_answers_503_problem_with_retry_after(host_without_cosmos):
    base = host_without_cosmos
    resp = httpx.get(
        f"{base}/api/timeline/account/a-contoso",
        headers={"Authorization": f"Bearer {_token(base)}"},
        timeout=60,
    )
    assert resp.status_code == 503
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert int(resp.headers["retry-after"]) >= 1
    body = resp.json()
    assert body["status"] == 503 and "Traceback" not in resp.text
    assert "data store" in body["detail"]


def test_track_answers_503_and_settings_too(host_without_cosmos):
    base = host_without_cosmos
    headers = {"Authorization": f"Bearer {_token(base)}"}
    assert httpx.get(f"{base}/api/settings", headers=headers, timeout=60).status_code == 503


def test_health_names_the_dependency_that_is_down(host_without_cosmos):
    resp = httpx.get(f"{host_without_cosmos}/api/health", timeout=60)
    assert resp.status_code == 503
    assert resp.json() == {
        "status": "degraded",
        "checks": {"cosmos": "unavailable", "queue": "ok", "files": "ok", "graph": "ok"},
    }
