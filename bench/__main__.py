"""``make bench`` (``python -m bench``): the performance figures of docs/performance.md.

Runs the rule engine benchmark, then starts the local stack (Azurite, the Cosmos
emulator, the local Graph server, the local host) on free loopback ports with generated
data (``bench/data.py``; records through the real importer), measures cold start,
timeline latency and request counts, the track pipeline (``bench/track.py``, when
present) and the Cosmos bytes a timeline reads (``bench/content.py``), prints a table
and writes ``bench/results/latest.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import coldstart, content, data, model, rules, timeline
from localdev.stack import ROOT, Ports, Stack

RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / ".local" / "bench"
WALL_GOAL_S = 600


def import_records(stack: Stack, path: Path) -> dict[str, Any]:
    """``Stack.load_records(path)`` (``python -m shared.importer FILE``), timed."""
    started = time.perf_counter()
    stack.load_records(path, timeout=400)
    seconds = time.perf_counter() - started
    lines = sum(1 for _ in path.open())
    return {
        "file": path.name,
        "records": lines,
        "seconds": round(seconds, 1),
        "per_second": round(lines / seconds),
    }


def stack_benchmarks(report: dict[str, Any]) -> dict[str, Any]:
    """Fill ``report`` as figures come (a failure keeps the figures measured before it)."""
    shutil.rmtree(WORKDIR, ignore_errors=True)
    paths = data.write(WORKDIR / "data")
    stack = Stack(WORKDIR, records=paths["base"], mailbox=paths["mailbox"], ports=Ports.random())
    try:
        stack.start_peers()
        report["import"] = [import_records(stack, paths["base"])]
        report["cold_start"] = {**coldstart.import_time(stack), **coldstart.host_start(stack)}
        report["timeline"] = {}
        asyncio.run(timeline.latency(stack, report["timeline"]))
        asyncio.run(model.run(stack, report["timeline"]))
        # The 10,000-contact account last: the emulator's queries slow down with the size of
        # the container (real Cosmos DB does not), so the latency figures above use ~2,100 documents.
        report["import"].append(import_records(stack, paths["flat"]))
        asyncio.run(timeline.flat(stack, report["timeline"]))
    finally:
        stack.stop()
    return report


def track_benchmark() -> dict[str, Any]:
    try:
        from bench import track
    except ImportError as exc:
        return {"skipped": f"bench/track.py is not available ({exc})"}
    run: Callable[[], dict[str, Any]] | None = getattr(track, "run", None)
    if run is None:
        return {"skipped": "bench/track.py has no run()"}
    return run()


def section(report: dict[str, Any], name: str, step: Callable[[], dict[str, Any]]) -> None:
    started = time.perf_counter()
    print(f"... {name}", file=sys.stderr, flush=True)
    try:
        report[name] = step()
    except Exception as exc:
        traceback.print_exc()
        report.setdefault("errors", {})[name] = f"{type(exc).__name__}: {exc}"
    report.setdefault("section_seconds", {})[name] = round(time.perf_counter() - started, 1)


Goal = tuple[str, bool | None, str]


def _rule_goals(r: dict[str, Any]) -> list[Goal]:
    by = {x["items"]: x for x in r["results"]}
    at, big = by.get(3_000), by.get(30_000)
    if not at:
        return []
    out: list[Goal] = [
        (
            "rules < 5 ms for 3,000 items x 150 addresses",
            at["median_ms"] < rules.GOAL_MS,
            f"{at['median_ms']} ms",
        )
    ]
    if big:
        growth = big["us_per_item"] / at["us_per_item"]
        out.append(
            ("rules linear in items (us/item at 30k within 1.5x of 3k)", growth <= 1.5, f"{growth:.2f}x")
        )
    return out


def _flat_goal(flat: dict[str, Any]) -> Goal:
    """Flat: the same count by container whatever the size (settings aside: its cache is time-based)."""
    shapes = {
        json.dumps({c: n for c, n in v["cosmos_by_container"].items() if c != "settings"}, sort_keys=True)
        for v in flat.values()
    }
    cosmos = [v["cosmos_per_timeline"] for v in flat.values()]
    met = len(shapes) == 1 and max(cosmos) - min(cosmos) <= 1
    sizes = " / ".join(f"{int(k):,}" for k in flat)
    return (
        f"Cosmos requests per timeline flat for {sizes} contacts",
        met,
        " / ".join(f"{c:g}" for c in cosmos),
    )


def _timeline_goals(t: dict[str, Any]) -> list[Goal]:
    out: list[Goal] = []
    targets = t.get("targets", {})
    if "sequential" in targets.get("contact", {}):
        g1 = targets["contact"]["sequential"]["graph_per_timeline"]
        out.append(("Graph requests <= 2 for <= 20 addresses", g1 <= 2, f"{g1:g}"))
    if "sequential" in targets.get("account", {}):
        g150 = targets["account"]["sequential"]["graph_per_timeline"]
        out.append(
            ("Graph requests <= 6 for 151 addresses (3,000 emails in the window)", g150 <= 6, f"{g150:g}")
        )
    ratios = t.get("ratios", {})
    if "account_over_contact_p50" in ratios:
        ratio = ratios["account_over_contact_p50"]
        out.append(("account (50 x 3) p50 <= 2x one-address contact p50", ratio <= 2, f"{ratio:.2f}x"))
    for key in ("contact", "account"):
        if f"{key}_over_floor_p50" in ratios:
            floor = ratios[f"{key}_over_floor_p50"]
            goal = f"{key} timeline p50 <= 1.5x (Graph list call + Cosmos point read)"
            out.append((goal, floor <= 1.5, f"{floor:.2f}x"))
    if t.get("flat"):
        out.append(_flat_goal(t["flat"]))
    concurrent = targets.get("account", {}).get("concurrent", [])
    out += model.goals(t, concurrent[-1]["per_second"] if concurrent else None)
    return out


def goals(report: dict[str, Any]) -> list[Goal]:
    """(goal, met?, figure) for every goal of the issues that this run measured."""
    out = _rule_goals(report["rules"]) if report.get("rules") else []
    out += _timeline_goals(report.get("stack", {}).get("timeline", {}))
    c = report.get("content") or {}
    if "results" in c:
        figures = " / ".join(f"{r['cosmos_bytes_per_timeline']:,} B" for r in c["results"])
        out.append(("Cosmos bytes per timeline, 3 MB bodies within 10% of 1 KB bodies", c["met"], figures))
    wall = report.get("wall_seconds")
    if wall is not None:
        out.append(("make bench < 10 minutes", wall < WALL_GOAL_S, f"{wall:.0f} s"))
    return out


def add_ratios(report: dict[str, Any]) -> None:
    t = report.get("stack", {}).get("timeline", {})
    targets, floor = t.get("targets", {}), t.get("floor")
    if not floor or not all("sequential" in targets.get(k, {}) for k in ("contact", "account")):
        return
    p50 = {k: targets[k]["sequential"]["p50_ms"] for k in ("contact", "account")}
    point = floor["cosmos_point_read"]["p50_ms"]
    t["ratios"] = {
        "account_over_contact_p50": round(p50["account"] / p50["contact"], 2),
        "contact_over_floor_p50": round(p50["contact"] / (floor["graph_list_contact"]["p50_ms"] + point), 2),
        "account_over_floor_p50": round(p50["account"] / (floor["graph_list_account"]["p50_ms"] + point), 2),
    }


def _rules_lines(r: dict[str, Any]) -> list[str]:
    out = [f"Rule engine: match_items + build_timeline, {r['addresses']} addresses, CPU time per timeline"]
    out.append(f"  {'items':>7} {'matched':>8} {'median ms':>10} {'us/item':>8}")
    for x in r["results"]:
        out.append(f"  {x['items']:>7,} {x['matched']:>8,} {x['median_ms']:>10.3f} {x['us_per_item']:>8.3f}")
    return out


def _latency_lines(t: dict[str, Any]) -> list[str]:
    head = ("target", "callers", "n", "p50 ms", "p95 ms", "req/s", "Graph", "Cosmos")
    out = [f"Timeline over HTTP, mailbox of {data.EMAILS:,} emails in 3 days + {data.MEETINGS} meetings"]
    out.append("  {:<36} {:>7} {:>4} {:>8} {:>8} {:>6} {:>6} {:>6}".format(*head))
    row = "  {:<36} {:>7} {:>4} {:>8.1f} {:>8.1f} {:>6} {:>6g} {:>6g}{}"
    for target in t.get("targets", {}).values():
        q = target.get("sequential")
        if not q:
            continue
        out.append(
            row.format(
                target["label"],
                1,
                q["n"],
                q["p50_ms"],
                q["p95_ms"],
                "",
                q["graph_per_timeline"],
                q["cosmos_per_timeline"],
                "",
            )
        )
        for c in target.get("concurrent", []):
            failed = f"  failed: {c['failed']}" if c["failed"] else ""
            out.append(
                row.format(
                    "",
                    c["callers"],
                    c["n"],
                    c["p50_ms"],
                    c["p95_ms"],
                    c["per_second"],
                    c["graph_per_timeline"],
                    c["cosmos_per_timeline"],
                    failed,
                )
            )
        by = ", ".join(f"{k} {v:g}" for k, v in q["cosmos_by_container"].items())
        out.append(f"  {'':<36} suggestions shown {q['suggestions']}; Cosmos per timeline: {by}")
    if "first_timeline_ms" in t:
        out.append(f"  first timeline after the host started: {t['first_timeline_ms']} ms")
    return out


def _flat_lines(flat: dict[str, Any]) -> list[str]:
    out = ["Cosmos requests per account timeline by number of child contacts"]
    out.append(
        f"  {'contacts':>8} {'Cosmos':>6} {'range':>7} {'Graph':>6} {'p50 ms':>8}   Cosmos by container"
    )
    for size, f in flat.items():
        span = "-".join(str(v) for v in f["cosmos_range"])
        by = ", ".join(f"{k} {v:g}" for k, v in f["cosmos_by_container"].items())
        cosmos, graph = f["cosmos_per_timeline"], f["graph_per_timeline"]
        out.append(f"  {int(size):>8,} {cosmos:>6g} {span:>7} {graph:>6g} {f['p50_ms']:>8.1f}   {by}")
    warm = {size: f["warm_up_503s"] for size, f in flat.items() if f.get("warm_up_503s")}
    if warm:
        out.append(f"  warm-up timelines answered 503 (Retry-After honoured) before the counted ones: {warm}")
    return out


def _floor_lines(t: dict[str, Any]) -> list[str]:
    fl = t["floor"]
    out = ["Floor, measured in the same run (from the bench process, same emulators)"]
    for key in ("graph_list_contact", "graph_list_account"):
        g = fl[key]
        out.append(
            f"  list_candidates, {g['addresses']:>3} address(es): p50 {g['p50_ms']:>7.1f} ms, "
            f"p95 {g['p95_ms']:>7.1f} ms, {g['graph_requests']:g} Graph requests"
        )
    c = fl["cosmos_point_read"]
    out.append(f"  Cosmos point read:                p50 {c['p50_ms']:>7.1f} ms, p95 {c['p95_ms']:>7.1f} ms")
    ra = t.get("ratios", {})
    out.append(f"  account p50 / contact p50: {ra.get('account_over_contact_p50')}x")
    out.append(
        f"  contact timeline p50 / (list, 1 address + point read): {ra.get('contact_over_floor_p50')}x"
    )
    out.append(
        f"  account timeline p50 / (list, 151 addresses + point read): {ra.get('account_over_floor_p50')}x"
    )
    return out


def _stack_lines(s: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for imp in s.get("import", []):
        out.append(
            f"Import through shared.importer ({imp['file']}): {imp['records']:,} records "
            f"in {imp['seconds']} s ({imp['per_second']:,}/s)"
        )
    cs = s.get("cold_start")
    if cs:
        out.append(
            f"Cold start: import function_app {cs['import_function_app_ms']} ms "
            f"(whole process {cs['process_ms']} ms); spawn host to first 200 of /api/health "
            f"{cs.get('spawn_to_first_200_ms', '-')} ms"
        )
        out.append(
            "  heaviest imports: "
            + ", ".join(f"{h['package']} {h['ms']:g} ms" for h in cs["heaviest_imports"])
        )
    t = s.get("timeline", {})
    if t.get("targets"):
        out += ["", *_latency_lines(t)]
    if t.get("flat"):
        out += ["", *_flat_lines(t["flat"])]
    if t.get("floor"):
        out += ["", *_floor_lines(t)]
    if t.get("model"):
        out += ["", *model.lines(t)]
    return out


def _track_lines(tr: dict[str, Any] | None) -> list[str]:
    if not tr:
        return ["Track: not measured (see errors)"]
    if "skipped" in tr:
        return [f"Track: skipped: {tr['skipped']}"]
    out = ["Track (bench/track.py)"]
    click = tr.get("click_to_tracked", {})
    for name, c in click.items():
        out.append(
            f"  click-to-tracked, {name}: n {c.get('n')}, p50 {c.get('p50_ms')} ms, p95 {c.get('p95_ms')} ms"
        )
    for th in tr.get("throughput", []):
        out.append(
            f"  worker, {th.get('queued'):,} queued: {th.get('activities_per_s')} activities/s, "
            f"tracked {th.get('tracked')}, failed {th.get('failed')}, "
            f"all done {th.get('drain_s_from_host_start')} s after the host started"
        )
    if not click and not tr.get("throughput"):
        out.append("  " + json.dumps(tr, sort_keys=True)[:1500])
    return out


def render(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [f"make bench, {report['started_at']}: {m['cpus']} CPUs, Python {m['python']}, {m['platform']}"]
    if report.get("rules"):
        lines += ["", *_rules_lines(report["rules"])]
    lines += ["", *_stack_lines(report.get("stack", {}))]
    lines += ["", *_track_lines(report.get("track"))]
    lines += ["", *content.lines(report.get("content"))]
    lines += ["", "Goals"]
    for goal, met, figure in goals(report):
        mark = "met" if met else ("NOT MET" if met is False else "n/a")
        lines.append(f"  [{mark:>7}] {goal}: {figure}")
    for name, error in report.get("errors", {}).items():
        lines.append(f"  ERROR in {name}: {error}")
    sections = ", ".join(f"{k} {v:g} s" for k, v in report.get("section_seconds", {}).items())
    lines.append(f"Wall time: {report.get('wall_seconds', 0):.0f} s ({sections})")
    return "\n".join(lines)


def main() -> int:
    started = time.perf_counter()
    report: dict[str, Any] = {
        "started_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    section(report, "rules", rules.run)
    report["stack"] = {}
    section(report, "stack", lambda: stack_benchmarks(report["stack"]))
    section(report, "track", track_benchmark)
    section(report, "content", content.run)
    add_ratios(report)
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["goals"] = [{"goal": g, "met": m, "figure": f} for g, m, f in goals(report)]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    print(render(report))
    print(f"\nJSON: {RESULTS / 'latest.json'}")
    return 1 if report.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
