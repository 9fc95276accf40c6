"""Dependency checks for ``GET /api/health``: Cosmos DB, the track queue, the file store, Graph."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import httpx

from shared.exceptions import AutoCaptureError
from shared.runtime import Runtime

TIMEOUT_SECONDS = 3.0


async def _check(probe: Awaitable[None]) -> str:
    try:
        await asyncio.wait_for(probe, TIMEOUT_SECONDS)
    except (AutoCaptureError, TimeoutError):
        return "unavailable"
    return "ok"


async def _graph_answers(base_url: str) -> None:
    """Any HTTP answer from the Graph endpoint counts: it is reachable."""
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        try:
            await client.get(base_url + "/$metadata")
        except httpx.HTTPError as exc:
            raise AutoCaptureError("graph unreachable") from exc


async def check_dependencies(runtime: Runtime) -> dict[str, str]:
    names = ("cosmos", "queue", "files", "graph")
    results = await asyncio.gather(
        _check(runtime.stores.ping()),
        _check(runtime.queue.ping()),
        _check(runtime.stores.blobs.ping()),
        _check(_graph_answers(runtime.config.graph_base_url)),
    )
    return dict(zip(names, results, strict=True))
