"""``python -m localdev.serve``: run ``function_app`` under the local host (env-configured).

Started by ``localdev.stack`` (``make run`` and the test suite) with the environment
that points at the emulators. Logs JSON lines only. Stops cleanly on SIGINT / SIGTERM /
SIGHUP.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from localdev.host import LocalHost
from shared import config as names
from shared.logging import configure_local_logging, log_event

ROOT = Path(__file__).resolve().parent.parent


def _host_json() -> dict[str, object]:
    host: dict[str, object] = json.loads((ROOT / "host.json").read_text())
    override = os.environ.get(names.LOCAL_VISIBILITY_TIMEOUT)
    if override:
        queues = host.setdefault("extensions", {}).setdefault("queues", {})  # type: ignore[union-attr]
        queues["visibilityTimeout"] = str(timedelta(seconds=float(override)))
    return host


async def serve() -> None:
    import function_app

    port = int(os.environ.get(names.LOCAL_PORT, "7071"))
    lease = timedelta(seconds=float(os.environ.get(names.LOCAL_QUEUE_LEASE, "300")))
    host = LocalHost(
        function_app.app,
        host_json=_host_json(),
        connections={names.STORAGE_CONNECTION: os.environ.get(names.STORAGE_CONNECTION, "")},
        lease=lease,
        timer_schedule=os.environ.get(names.LOCAL_TIMER_SCHEDULE) or None,
    )
    runner = web.AppRunner(host.web_app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, shutdown_timeout=2.0).start()
    await host.start_queue_listeners()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    log_event(logging.getLogger("localdev.serve"), "host.listening", port=port, pid=os.getpid())
    await stop.wait()
    await host.stop()
    await runner.cleanup()
    await function_app.runtime.close()


def main() -> None:
    configure_local_logging()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
