"""Issue 19's figures (``make bench``): the timeline with the Graph latency model off and
on, the host process's own CPU time per timeline, bytes and requests from Graph per
timeline, 32-caller throughput, and the bytes today's window listing would move.

The latency model (``localdev/graph_server/latency.py``) is switched at run time through
the Graph server's ``POST /_admin/latency``. ``MODEL`` holds its figures for a tenant:
``latency`` per request and ``per_kb`` per KiB of answer (docs/performance.md, "Latency
model", says where they come from). Host CPU is read from the kernel's counters of the
host process (``/proc/<pid>/stat``: utime + stime), around each sequential timeline.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from bench import data
from bench.timeline import PHASE_BUDGET_S, TARGETS, Client, concurrent, summary
from localdev.graph_credentials import local_connector
from localdev.stack import Stack
from shared.config import Config
from shared.mailbox import QueryPolicy

#: Seconds per request and per KiB of answer a tenant's Graph adds (docs/performance.md).
MODEL = {"latency": 0.100, "perKb": 0.0005}
OFF = {"latency": 0.0, "perKb": 0.0}
CALLS = 20
TODAY_RATE = 6.6  # account timelines/s at 32 callers before issue 19 (docs/performance.md)
Goal = tuple[str, bool | None, str]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def graph_bytes(client: Client) -> tuple[int, int]:
    answer = await client.graph.get("/_admin/stats")
    answer.raise_for_status()
    body = answer.json()
    return int(body["total"]), int(body.get("bytes", 0))


async def measured(client: Client, pid: int, entity: str, record: str) -> dict[str, Any]:
    """``CALLS`` sequential timelines: wall latency, host CPU, Graph requests and bytes each."""
    latencies, cpu, requests, sent = [], [], [], []
    deadline = time.monotonic() + PHASE_BUDGET_S
    while len(latencies) < CALLS and time.monotonic() < deadline:
        await client.reset_counts()
        before = cpu_seconds(pid)
        elapsed, _ = await client.timeline(entity, record)
        cpu.append(cpu_seconds(pid) - before)
        latencies.append(elapsed)
        total, size = await graph_bytes(client)
        requests.append(total)
        sent.append(size)
    n = max(1, len(latencies))
    return {
        **summary(latencies),
        "host_cpu_ms": round(sum(cpu) / n * 1e3, 2),
        "graph_requests": round(sum(requests) / n, 2),
        "graph_kib": round(sum(sent) / n / 1024, 1),
    }


async def window_listing_bytes(stack: Stack, client: Client) -> dict[str, Any]:
    """What the account's mailbox side cost before issue 19: the 3-day window listed."""
    connector = local_connector(Config.from_env(stack.env()))
    mailbox = connector.delegated(client.token, policy=QueryPolicy(strategy="window"))
    now = datetime.now(UTC)
    try:
        await mailbox.list_candidates(data.USER_OID, data.big_account_addresses(), now)  # warm
        await client.reset_counts()
        await mailbox.list_candidates(data.USER_OID, data.big_account_addresses(), now)
        total, size = await graph_bytes(client)
    finally:
        await mailbox.aclose()
        await connector.aclose()
    return {"graph_requests": total, "graph_kib": round(size / 1024, 1)}


async def run(stack: Stack, report: dict[str, Any]) -> None:
    """Fill ``report["model"]``: per model (off, on) and target, the sequential figures;
    the account at 32 callers with the model on; the window listing's bytes."""
    client = Client(stack)
    pid = stack.procs["host"].pid
    out: dict[str, Any] = {"model": dict(MODEL)}
    report["model"] = out
    try:
        await client.sign_in()
        for name, setting in (("off", OFF), ("on", MODEL)):
            (await client.graph.post("/_admin/latency", json=setting)).raise_for_status()
            out[name] = {}
            for key, (entity, record, _) in TARGETS.items():
                for _ in range(3):
                    await client.timeline(entity, record)
                out[name][key] = await measured(client, pid, entity, record)
        out["on"]["account_32"] = await concurrent(client, "account", data.BIG, 32, 96)
        (await client.graph.post("/_admin/latency", json=OFF)).raise_for_status()
        out["window_listing"] = await window_listing_bytes(stack, client)
    finally:
        await client.graph.post("/_admin/latency", json=OFF)
        await client.aclose()


def goals(t: dict[str, Any], rate_32: float | None) -> list[Goal]:
    m = t.get("model")
    if not m or "on" not in m:
        return []
    on, off = m["on"], m["off"]
    ratio = on["account"]["p50_ms"] / on["contact"]["p50_ms"]
    cpu = on["account"]["host_cpu_ms"] / max(on["contact"]["host_cpu_ms"], 1e-9)
    out: list[Goal] = [
        ("account p50 <= 2.0x contact p50, latency model on", ratio <= 2.0, f"{ratio:.2f}x"),
        ("host CPU per account timeline <= 2.0x the contact's (model on)", cpu <= 2.0, f"{cpu:.2f}x"),
    ]
    ratio_off = off["account"]["p50_ms"] / off["contact"]["p50_ms"]
    out.append(("(for reference) account p50 / contact p50, model off", None, f"{ratio_off:.2f}x"))
    if rate_32 is not None:
        goal = f"32 callers: account timelines/s >= 3x {TODAY_RATE} (model off)"
        out.append((goal, rate_32 >= 3 * TODAY_RATE, f"{rate_32:g}/s"))
    rate_on = on.get("account_32", {}).get("per_second")
    if rate_on is not None:
        out.append(("(for reference) 32 callers, account, model on", None, f"{rate_on:g}/s"))
    window = m.get("window_listing", {}).get("graph_kib")
    if window:
        share = on["account"]["graph_kib"] / window
        goal = "bytes from Graph per account timeline <= 10% of the window listing"
        out.append(
            (goal, share <= 0.10, f"{on['account']['graph_kib']:g} KiB = {share:.1%} of {window:g} KiB")
        )
    budget = QueryPolicy().max_search_requests + 1
    requests = on["account"]["graph_requests"]
    out.append((f"Graph requests per account timeline <= {budget}", requests <= budget, f"{requests:g}"))
    return out


def lines(t: dict[str, Any]) -> list[str]:
    m = t.get("model")
    if not m or "on" not in m:
        return []
    model = m["model"]
    out = [
        f"Graph latency model: off, and on ({model['latency'] * 1e3:g} ms per request + "
        f"{model['perKb'] * 1e3:g} ms per KiB of answer)"
    ]
    out.append(
        f"  {'model':<5} {'target':<8} {'p50 ms':>8} {'p95 ms':>8} {'host CPU ms':>12} "
        f"{'Graph':>6} {'KiB':>8}"
    )
    for name in ("off", "on"):
        for key in ("contact", "account"):
            q = m[name][key]
            out.append(
                f"  {name:<5} {key:<8} {q['p50_ms']:>8.1f} {q['p95_ms']:>8.1f} {q['host_cpu_ms']:>12.2f} "
                f"{q['graph_requests']:>6g} {q['graph_kib']:>8.1f}"
            )
    c = m["on"].get("account_32")
    if c:
        out.append(
            f"  on    account at 32 callers: {c['per_second']}/s, p50 {c['p50_ms']} ms, failed {c['failed']}"
        )
    w = m.get("window_listing")
    if w:
        out.append(
            f"  the window listing (before issue 19), account: {w['graph_requests']} requests, "
            f"{w['graph_kib']:g} KiB"
        )
    return out
