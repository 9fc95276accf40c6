"""``make run``: the whole service on this machine, with real protocol peers.

Starts Azurite, the Cosmos emulator and the local Graph server, loads the demo records
and mailbox (or ``AUTOCAPTURE_RECORDS`` / ``AUTOCAPTURE_MAILBOX``), starts the local
Functions host on 127.0.0.1:7071 (``AUTOCAPTURE_PORT``), prints the URLs, and on Ctrl-C
stops every child process.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from localdev.demo import demo_users, write_demo
from localdev.stack import ROOT, Ports, Stack, free_port
from shared import config as names


def _ports() -> Ports:
    host = int(os.environ.get(names.LOCAL_PORT, "7071"))
    return Ports(host=host, cosmos=free_port(), queue=free_port(), graph=free_port())


def _example_token(base_url: str, user: dict[str, object]) -> str:
    body = json.dumps({k: user[k] for k in ("user", "roles", "groups")}).encode()
    req = urllib.request.Request(  # noqa: S310 - loopback URL we just started
        f"{base_url}/dev/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        return str(json.loads(resp.read())["token"])


def _call(base_url: str, method: str, path: str, token: str, body: object = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 - loopback URL we just started
        f"{base_url}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read() or b"null")


def _seed_demo(base_url: str, token: str) -> None:
    """Track one demo email as alice, so the demo timeline starts with a tracked item."""
    timeline = _call(base_url, "GET", "/api/timeline/account/a-contoso", token)
    items = timeline["items"] if isinstance(timeline, dict) else []
    for item in items:
        if item["state"] == "untracked" and item["subject"] == "Renewal quote for 2027":
            body = {
                "itemId": item["id"],
                "kind": item["kind"],
                "regarding": {"entityType": "account", "id": "a-contoso"},
            }
            accepted = _call(base_url, "POST", "/api/track", token, body)
            tracking_id = accepted["trackingId"] if isinstance(accepted, dict) else None
            for _ in range(100):  # the queue job copies it within a second or two
                status = _call(base_url, "GET", f"/api/track/{tracking_id}", token)
                if not isinstance(status, dict) or status.get("state") != "pending":
                    break
                time.sleep(0.2)


def main() -> int:
    workdir = Path(os.environ.get(names.LOCAL_WORKDIR) or ROOT / ".local")
    demo_records, demo_mailbox = write_demo(workdir / "demo")
    records = Path(os.environ.get(names.LOCAL_RECORDS) or demo_records)
    mailbox = Path(os.environ.get(names.LOCAL_MAILBOX) or demo_mailbox)
    stack = Stack(
        workdir=workdir, records=records, mailbox=mailbox, ports=_ports(), host_output=sys.stderr.buffer
    )
    print("starting Azurite, the Cosmos emulator and the local Graph server ...", flush=True)
    try:
        stack.start_peers()
        print(stack.load_records(), flush=True)
        stack.start_host()
        base = stack.base_url
        token = _example_token(base, demo_users()[0])
        if records == demo_records and mailbox == demo_mailbox:
            _seed_demo(base, token)
    except BaseException:
        stack.stop()
        raise
    print(
        f"""
autocapture is running (logs of the emulators: {workdir / "logs"})

  web page      {base}/
  API           {base}/api/...
  OpenAPI       {base}/api/openapi.json
  health        {base}/api/health
  dev tokens    POST {base}/dev/token
                {{"user": "alice@autocapture.dev", "roles": ["Sales.Person"], "groups": ["t-east"]}}
  Graph server  {stack.graph_url}/v1.0
  emulators     Azurite queues http://127.0.0.1:{stack.ports.queue}, Cosmos DB https://127.0.0.1:{stack.ports.cosmos}

Try it (token for alice, valid 1 hour):
  TOKEN={token}
  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/timeline/account/a-contoso

Ctrl-C stops everything.
""",
        flush=True,
    )
    stopping = {"now": False}

    def _stop(*_: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping["now"]:
            for name, proc in list(stack.procs.items()):
                if proc.poll() is not None:
                    print(f"{name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    stopping["now"] = True
            time.sleep(0.5)
    finally:
        print("stopping ...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
