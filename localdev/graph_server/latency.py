"""The latency model of the local Graph server: what a tenant's Graph adds to an answer.

``latency`` seconds per request, slept before the request is served, plus ``per_kb``
seconds per KiB of answer body, slept after the answer is built (the request stays in
flight meanwhile, so the per-mailbox concurrency counts see it). Both 0 by default (off);
``make bench`` turns it on (``bench/model.py``; docs/performance.md gives the figures and
where they come from).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from aiohttp import web


def transfer(options: MutableMapping[str, Any], size: int) -> float:
    """Seconds to hold an answer of ``size`` bytes after it is built."""
    return float(options.get("per_kb", 0.0)) * size / 1024


def admin_handler(options: MutableMapping[str, Any]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """``POST /_admin/latency {"latency": s, "perKb": s}`` (either may be left out)."""

    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        for key, name in (("latency", "latency"), ("perKb", "per_kb")):
            if key in body:
                options[name] = max(0.0, float(body[key]))
        return web.json_response({"latency": options["latency"], "perKb": options["per_kb"]})

    return handler
