"""Timeline latency and request counts against a running local stack (``make bench``).

``await latency(stack, report)`` and ``await flat(stack, report)`` measure, over loopback HTTP with httpx:
- the first timeline request after the host became healthy (cold clients and caches);
- p50/p95 sequentially and at 8 and 32 concurrent callers for the one-address contact
  and the 50 x 3 account; Graph requests (the Graph server's ``/_admin/stats``) and Cosmos
  requests (the host's ``/dev/stats``) counted for each sequential timeline;
- Cosmos requests per timeline for accounts with 10 / 1,000 / 10,000 child contacts;
- the floor: a single ``list_candidates`` through ``shared.mailbox`` (msgraph-sdk) and a
  single Cosmos point read through ``azure.cosmos.aio``, timed in this process against
  the same emulators, so that "timeline p50 / (Graph call + point read)" is one run's ratio.

Every loop is bounded in count and in time.
"""

from __future__ import annotations

import asyncio
import functools
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from azure.cosmos.aio import CosmosClient

from bench import data
from localdev.graph_credentials import local_connector
from localdev.stack import COSMOS_EMULATOR_KEY, Stack
from shared.config import Config

SEQUENTIAL = 20
CONCURRENCY = ((8, 48), (32, 96))  # (callers, requests)
PHASE_BUDGET_S = 40.0
FLAT_CALLS = 5
FLOOR_CALLS = 25
TARGETS = {
    "contact": ("contact", data.SOLO, "contact, 1 address"),
    "account": ("account", data.BIG, f"account, {data.BIG_CONTACTS} contacts x 3 addresses"),
}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100]) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(latencies: Sequence[float], wall: float | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": len(latencies),
        "p50_ms": round(percentile(latencies, 50) * 1e3, 1),
        "p95_ms": round(percentile(latencies, 95) * 1e3, 1),
    }
    if wall:
        out["per_second"] = round(len(latencies) / wall, 1)
    return out


@dataclass
class Counts:
    graph: list[int] = field(default_factory=list)
    cosmos: list[int] = field(default_factory=list)
    by_container: list[dict[str, int]] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        containers = sorted({c for d in self.by_container for c in d})
        return {
            "graph_per_timeline": statistics.median(self.graph) if self.graph else None,
            "graph_range": [min(self.graph), max(self.graph)] if self.graph else None,
            "cosmos_per_timeline": statistics.median(self.cosmos) if self.cosmos else None,
            "cosmos_range": [min(self.cosmos), max(self.cosmos)] if self.cosmos else None,
            "cosmos_by_container": {
                c: statistics.median([d.get(c, 0) for d in self.by_container]) for c in containers
            },
        }


class Client:
    """The host, the Graph server's admin endpoints and a user token."""

    def __init__(self, stack: Stack) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self.host = httpx.AsyncClient(base_url=stack.base_url, timeout=60, limits=limits)
        self.graph = httpx.AsyncClient(base_url=stack.graph_url, timeout=30)
        self.headers: dict[str, str] = {}
        self.token = ""

    async def sign_in(self) -> None:
        answer = await self.host.post("/dev/token", json={"user": data.USER_UPN, "roles": ["Sales.Person"]})
        answer.raise_for_status()
        self.token = answer.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    async def timeline(self, entity: str, record: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        answer = await self.host.get(f"/api/timeline/{entity}/{record}", headers=self.headers)
        elapsed = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(
                f"timeline {entity}/{record} answered {answer.status_code}: {answer.text[:300]}"
            )
        return elapsed, answer.json()

    async def reset_counts(self) -> None:
        await asyncio.gather(self.host.post("/dev/stats/reset"), self.graph.post("/_admin/reset"))

    async def counts(self) -> tuple[int, dict[str, int]]:
        host, graph = await asyncio.gather(self.host.get("/dev/stats"), self.graph.get("/_admin/stats"))
        host.raise_for_status()
        graph.raise_for_status()
        return int(graph.json()["total"]), dict(host.json()["cosmos"])

    async def aclose(self) -> None:
        await asyncio.gather(self.host.aclose(), self.graph.aclose())


async def sequential(client: Client, entity: str, record: str, calls: int) -> dict[str, Any]:
    """``calls`` timelines one after another, each counted on its own (counting is untimed)."""
    latencies: list[float] = []
    counts = Counts()
    body: dict[str, Any] = {}
    deadline = time.monotonic() + PHASE_BUDGET_S
    while len(latencies) < calls and time.monotonic() < deadline:
        await client.reset_counts()
        elapsed, body = await client.timeline(entity, record)
        graph, cosmos = await client.counts()
        latencies.append(elapsed)
        counts.graph.append(graph)
        counts.cosmos.append(sum(cosmos.values()))
        counts.by_container.append(cosmos)
    items = body.get("items", [])
    return {
        **summary(latencies),
        **counts.report(),
        "items": len(items),
        "suggestions": sum(1 for i in items if i.get("state") == "untracked"),
        "active": bool(body.get("autoCapture", {}).get("active")),
    }


async def concurrent(client: Client, entity: str, record: str, callers: int, total: int) -> dict[str, Any]:
    """``callers`` callers sharing ``total`` requests (or the phase budget, whichever ends first).
    A failed request is counted (by status) with its latency, not retried."""
    latencies: list[float] = []
    failures: dict[str, int] = {}
    remaining = total
    deadline = time.monotonic() + PHASE_BUDGET_S

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0 and time.monotonic() < deadline:
            remaining -= 1
            started = time.perf_counter()
            try:
                answer = await client.host.get(f"/api/timeline/{entity}/{record}", headers=client.headers)
                status = str(answer.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            latencies.append(time.perf_counter() - started)
            if status != "200":
                failures[status] = failures.get(status, 0) + 1

    await client.reset_counts()
    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    wall = time.perf_counter() - started
    graph, cosmos = await client.counts()
    done = max(1, len(latencies))
    return {
        "callers": callers,
        **summary(latencies, wall),
        "failed": failures,
        "graph_per_timeline": round(graph / done, 2),
        "cosmos_per_timeline": round(sum(cosmos.values()) / done, 2),
    }


async def timed(calls: int, op: Callable[[], Awaitable[object]]) -> list[float]:
    await op()  # warm: connections, token, caches
    samples: list[float] = []
    deadline = time.monotonic() + PHASE_BUDGET_S
    while len(samples) < calls and time.monotonic() < deadline:
        started = time.perf_counter()
        await op()
        samples.append(time.perf_counter() - started)
    return samples


async def floors(stack: Stack, client: Client) -> dict[str, Any]:
    """One Graph ``list_candidates`` (1 and 151 addresses) and one Cosmos point read."""
    config = Config.from_env(stack.env())
    connector = local_connector(config)
    mailbox = connector.delegated(client.token)
    now = datetime.now(UTC)
    out: dict[str, Any] = {}
    try:
        for name, addresses in (("contact", [data.SOLO_ADDRESS]), ("account", data.big_account_addresses())):
            await client.reset_counts()
            samples = await timed(
                FLOOR_CALLS, functools.partial(mailbox.list_candidates, data.USER_OID, addresses, now)
            )
            graph, _ = await client.counts()
            out[f"graph_list_{name}"] = {
                **summary(samples),
                "addresses": len(addresses),
                "graph_requests": round(graph / (len(samples) + 1), 2),
            }
    finally:
        await mailbox.aclose()
        await connector.aclose()
    key = f"contact:{data.SOLO}"
    async with CosmosClient(
        config.cosmos_endpoint, credential=COSMOS_EMULATOR_KEY, connection_verify=False
    ) as cosmos:
        container = cosmos.get_database_client(config.cosmos_database).get_container_client("records")
        samples = await timed(FLOOR_CALLS, lambda: container.read_item(key, partition_key=key))
    out["cosmos_point_read"] = summary(samples)
    return out


async def latency(stack: Stack, report: dict[str, Any]) -> None:
    """First timeline, the two targets sequential and concurrent, the floor; fills ``report``."""
    client = Client(stack)
    try:
        await client.sign_in()
        first, _ = await client.timeline("contact", data.SOLO)
        report["first_timeline_ms"] = round(first * 1e3, 1)
        report["targets"] = {}
        for key, (entity, record, label) in TARGETS.items():
            for _ in range(3):
                await client.timeline(entity, record)
            target: dict[str, Any] = {"label": label}
            report["targets"][key] = target
            target["sequential"] = await sequential(client, entity, record, SEQUENTIAL)
            target["concurrent"] = [await concurrent(client, entity, record, c, n) for c, n in CONCURRENCY]
        report["floor"] = await floors(stack, client)
    finally:
        await client.aclose()


async def warm(client: Client, entity: str, record: str, attempts: int = 5) -> int:
    """One timeline as a client would make it: a 503 (the emulator's first query over a
    container it has just filled can pass the store's 3 s deadline) is asked again after
    its ``Retry-After``; how many 503s it took."""
    for n in range(attempts):
        answer = await client.host.get(f"/api/timeline/{entity}/{record}", headers=client.headers)
        if answer.status_code != 503:
            answer.raise_for_status()
            return n
        await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
    raise RuntimeError(f"timeline {entity}/{record} answered 503 {attempts} times")


async def flat(stack: Stack, report: dict[str, Any]) -> None:
    """Cosmos (and Graph) requests per timeline for the 10 / 1,000 / 10,000-contact accounts."""
    client = Client(stack)
    report["flat"] = {}
    try:
        await client.sign_in()
        for size in data.FLAT_SIZES:
            account = data.flat_account(size)
            retries = await warm(client, "account", account)
            report["flat"][str(size)] = await sequential(client, "account", account, FLAT_CALLS)
            report["flat"][str(size)]["warm_up_503s"] = retries
    finally:
        await client.aclose()
