"""``make run``: the whole service on this machine, with real protocol peers.

Refuses at once, with one line, when an earlier run is still alive (its pid and port, from
``<workdir>/run.json``) or when the host port is taken. Otherwise starts Azurite, the
Cosmos emulator and the local Graph server (their state kept under the workdir), loads
the records and mailbox files (the demo, or ``AUTOCAPTURE_RECORDS`` /
``AUTOCAPTURE_MAILBOX``), starts the local Functions host on 127.0.0.1:7071
(``AUTOCAPTURE_PORT``), writes ``run.json`` and ``local.settings.json``, and prints the
URLs. SIGINT (Ctrl-C), SIGTERM or SIGHUP, to this program or to the ``make`` running it,
stops every child.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from localdev.demo import write_demo
from localdev.settings_file import DEFAULT_PATH, write_local_settings
from localdev.stack import COSMOS_EMULATOR_KEY, Ports, Stack, free_port
from localdev.state import (
    Proc,
    RunState,
    demo_anchor,
    local_workdir,
    process_start,
    read_state,
    remove_state,
    running_message,
    write_state,
)
from localdev.stopping import ParentWatch, StopRequested, ignore_stop_signals, raise_on_stop_signals
from shared import config as names


class StartError(Exception):
    """make run cannot start; the message is the one line it prints."""


def _say(text: str, stream: object = None) -> None:
    """Print, but never fail: after a hang-up the terminal is gone and so is stdout."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=stream or sys.stdout, flush=True)  # type: ignore[call-overload]


def _host_port() -> int:
    raw = os.environ.get(names.LOCAL_PORT) or "7071"
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise StartError(f"{names.LOCAL_PORT}={raw!r} is not a port number (1-65535)")
    return int(raw)


def check_port_free(port: int) -> None:
    with socket.socket() as s:
        # as the host binds (aiohttp): a listener refuses, connections in TIME_WAIT of a
        # run just stopped do not
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise StartError(f"port {port} cannot be used ({exc.strerror})") from exc
            raise StartError(
                f"port {port} is already in use: stop what listens on it, or set {names.LOCAL_PORT}"
            ) from exc


def check_no_earlier_run(workdir: Path) -> None:
    state = read_state(workdir)
    if state is None:
        return
    if state.live_processes():
        raise StartError(running_message(state))
    remove_state(workdir)  # a stale file of a run that is gone


def _call(
    base_url: str, method: str, path: str, token: str = "", body: object = None, timeout: float = 30
) -> object:
    """One JSON request to the local host (with ``token`` as its bearer, if given)."""
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310 - loopback URL we just started
        f"{base_url}{path}", data=data, method=method, headers=headers
    )
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        return json.loads(resp.read() or b"null")


def _first_user(base_url: str) -> str:
    with urllib.request.urlopen(f"{base_url}/dev/directory", timeout=10) as resp:  # noqa: S310
        users = json.loads(resp.read())["users"]
    return str(users[0]["userPrincipalName"]) if users else "alice@autocapture.dev"


def _seed_demo(base_url: str, token: str) -> None:
    """Track one demo email as alice (once: it stays tracked across restarts)."""
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


def _state(stack: Stack) -> RunState:
    return RunState(
        pid=os.getpid(),
        started=process_start(os.getpid()),
        host_port=stack.ports.host,
        base_url=stack.base_url,
        cosmos_endpoint=stack.cosmos_endpoint,
        cosmos_key=COSMOS_EMULATOR_KEY,
        queue_connection=stack.queue_connection,
        graph_url=stack.graph_url,
        children={name: Proc.of(proc.pid) for name, proc in stack.procs.items()},
    )


def _banner(stack: Stack, workdir: Path, settings: Path, user: str, token: str) -> str:
    base = stack.base_url
    return f"""
autocapture is running (state and logs under {workdir}; host log {workdir / "logs" / "host.log"})

  web page      {base}/
  API           {base}/api/...
  OpenAPI       {base}/api/openapi.json
  health        {base}/api/health
  dev tokens    POST {base}/dev/token  {{"user": "{user}"}} (roles and groups from the directory)
  directory     GET  {base}/dev/directory
  Graph server  {stack.graph_url}/v1.0
  emulators     Azurite queue :{stack.ports.queue} blob :{stack.ports.blob}, Cosmos {stack.cosmos_endpoint}
  settings      {settings} (for Core Tools' func start)

Try it (token for {user}, valid 1 hour):
  TOKEN={token}
  curl -s -H "Authorization: Bearer $TOKEN" {base}/api/timeline/account/a-contoso

Ctrl-C stops everything.
"""


def _start(stack: Stack, workdir: Path, settings: Path, demo: bool) -> None:
    _say("starting Azurite, the Cosmos emulator and the local Graph server ...")
    stack.start_peers()
    write_state(workdir, _state(stack))
    _say(stack.load_records())
    stack.start_host()
    write_state(workdir, _state(stack))
    write_local_settings(settings, stack.app_settings())
    user = _first_user(stack.base_url)
    token = str(_call(stack.base_url, "POST", "/dev/token", body={"user": user}, timeout=10)["token"])  # type: ignore[index]
    if demo:
        _seed_demo(stack.base_url, token)
    _say(_banner(stack, workdir, settings, user, token))


def _watch(stack: Stack, parent: ParentWatch) -> None:
    while True:
        for name, proc in list(stack.procs.items()):
            if proc.poll() is not None:
                _say(f"{name} exited with {proc.returncode}; stopping", sys.stderr)
                return
        if reason := parent.reason():
            _say(f"{reason}; stopping", sys.stderr)
            return
        time.sleep(0.3)


def main() -> int:
    raise_on_stop_signals()
    parent = ParentWatch()
    workdir = local_workdir()
    settings = Path(os.environ.get(names.LOCAL_SETTINGS_FILE) or DEFAULT_PATH)
    stack: Stack | None = None
    try:
        port = _host_port()
        check_no_earlier_run(workdir)
        check_port_free(port)
        demo_records, demo_mailbox = write_demo(workdir / "demo", demo_anchor(workdir, datetime.now(UTC)))
        records = Path(os.environ.get(names.LOCAL_RECORDS) or demo_records)
        mailbox = Path(os.environ.get(names.LOCAL_MAILBOX) or demo_mailbox)
        ports = Ports(host=port, cosmos=free_port(), queue=free_port(), graph=free_port(), blob=free_port())
        stack = Stack(
            workdir=workdir, records=records, mailbox=mailbox, ports=ports, host_output=sys.stderr.buffer
        )
        _start(stack, workdir, settings, demo=(records, mailbox) == (demo_records, demo_mailbox))
        _watch(stack, parent)
    except StartError as exc:
        _say(f"make run: {exc}", sys.stderr)
        return 1
    except StopRequested:
        pass
    except (RuntimeError, TimeoutError) as exc:
        _say(f"make run: could not start: {exc} (logs: {workdir / 'logs'})", sys.stderr)
        return 1
    finally:
        ignore_stop_signals()
        if stack is not None:
            _say("stopping ...")
            stack.stop()
            remove_state(workdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
