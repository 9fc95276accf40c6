"""Measure request counts and timings of the candidate query strategies against the local
Graph server: ``.venv/bin/python -m tests.integration.graph_bench`` (numbers in docs/graph.md)."""

from __future__ import annotations

import asyncio
import statistics
import time

from shared.mailbox import QueryPolicy
from tests.integration.graph_fixtures import NOW, busy_user, pool, start_server


async def main() -> None:
    for days in (3.0, 30.0):
        server = await start_server({"users": [busy_user("busy", "busy@contoso.com", count=3000, days=days)]})
        print(f"\n3000 emails over {days:g} days, 60 meetings")
        print("strategy  addresses  requests  found  median_ms")
        connector = server.connector()
        for strategy in ("auto", "search", "window"):
            mailbox = connector.application(policy=QueryPolicy(strategy=strategy))  # type: ignore[arg-type]
            for count in (1, 20, 150):
                timings = []
                for _ in range(5):
                    server.stats.reset()
                    started = time.perf_counter()
                    items = await mailbox.list_candidates("busy", pool(count), NOW)
                    timings.append((time.perf_counter() - started) * 1000)
                requests = server.stats.requests("busy")
                median = statistics.median(timings)
                print(f"{strategy:8}  {count:9}  {requests:8}  {len(items):5}  {median:9.1f}")
        await connector.aclose()
        await server.server.close()


if __name__ == "__main__":
    asyncio.run(main())
