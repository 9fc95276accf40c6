"""CPU cost of one timeline's rule work: match_items + build_timeline.

Run: ``.venv/bin/python -m bench.rules``. ``run()`` returns the figures as a dict (for
``make bench``). A record with 150 related addresses against 300 / 3,000 / 30,000
candidate items, 3-6 participants each (the user's own address on every one), about
10% matching; CPU time (``time.process_time``) per timeline, median of many runs.
Goal: under 5 ms for 3,000 items x 150 addresses, growing linearly with items.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.model import MailItem, Participant, RecordRef
from shared.rules import AddressSet, AddressSetBuilder, build_timeline, claim_key, match_items, names

ADDRESSES = 150
SIZES = (300, 3_000, 30_000)
MATCH_RATE = 0.10
GOAL_MS = 5.0
GOAL_ITEMS = 3_000
OWN = "me@mycorp.example"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
RULES = (names.PRIMARY_CONTACT, names.ACCOUNT_CONTACT, names.RECORD_EMAIL, names.STAKEHOLDER)


def make_addresses(rng: random.Random) -> tuple[AddressSet, list[str]]:
    builder = AddressSetBuilder()
    related = [f"contact{i}@customer{i % 7}.example" for i in range(ADDRESSES)]
    for i, address in enumerate(related):
        builder.add(RULES[i % len(RULES)], RecordRef("contact", f"c{i}"), [address])
    builder.add(names.RECORD_EMAIL, RecordRef("account", "a1"), [OWN])  # the user's own: never matches
    return builder.build(), related


def make_items(rng: random.Random, count: int, related: list[str]) -> list[MailItem]:
    strangers = [f"Person.{i}@Vendor{i % 50}.example" for i in range(5_000)]
    items = []
    for i in range(count):
        people = [Participant(rng.choice(strangers), "Someone") for _ in range(rng.randint(2, 5))]
        if rng.random() < MATCH_RATE:
            people[rng.randrange(len(people))] = Participant(rng.choice(related).upper(), "Contact")
        people.insert(rng.randrange(len(people) + 1), Participant(OWN, "Me"))
        meeting = rng.random() < 0.2
        offset = timedelta(minutes=rng.randint(-3 * 24 * 60, 3 * 24 * 60 if meeting else 0))
        split = rng.randint(1, len(people) - 1)
        items.append(
            MailItem(
                id=f"AAMkAG{i:08d}",
                kind="meeting" if meeting else "email",
                key=f"<{i}.{rng.getrandbits(40):x}@mail.example>",
                subject=f"Subject {i}",
                preview="",
                sender=people[0],
                to=tuple(people[1 : split + 1]),
                cc=tuple(people[split + 1 :]),
                occurred_at=NOW + offset,
            )
        )
    return items


def timeline_once(items: list[MailItem], addresses: AddressSet, tracked_keys: frozenset[str]) -> int:
    suggestions = match_items(items, addresses, (OWN,))
    return len(build_timeline(NOW, suggestions, (), (), tracked_keys))


def measure(items: list[MailItem], addresses: AddressSet, budget_s: float = 1.0) -> dict[str, Any]:
    tracked_keys = frozenset(claim_key(item) for item in items[::50])
    matched = len(match_items(items, addresses, (OWN,)))
    shown = timeline_once(items, addresses, tracked_keys)
    samples: list[float] = []
    deadline = time.process_time() + budget_s
    while len(samples) < 7 or (time.process_time() < deadline and len(samples) < 500):
        start = time.process_time()
        timeline_once(items, addresses, tracked_keys)
        samples.append(time.process_time() - start)
    median = statistics.median(samples)
    return {
        "items": len(items),
        "matched": matched,
        "shown": shown,
        "repetitions": len(samples),
        "median_ms": round(median * 1e3, 3),
        "us_per_item": round(median * 1e6 / len(items), 3),
    }


def run(sizes: tuple[int, ...] = SIZES, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    addresses, related = make_addresses(rng)
    results = [measure(make_items(rng, n, related), addresses) for n in sizes]
    goal = next((r for r in results if r["items"] == GOAL_ITEMS), None)
    return {
        "benchmark": "rules.match_and_build_timeline",
        "addresses": ADDRESSES,
        "clock": "time.process_time (CPU), median per timeline",
        "results": results,
        "goal_ms": GOAL_MS,
        "goal_items": GOAL_ITEMS,
        "meets_goal": goal is not None and goal["median_ms"] < GOAL_MS,
    }


def main() -> None:
    report = run()
    print(f"rules: match_items + build_timeline, {report['addresses']} addresses, CPU time per timeline")
    print(f"{'items':>8} {'matched':>8} {'shown':>6} {'reps':>5} {'median ms':>10} {'us/item':>8}")
    for r in report["results"]:
        print(
            f"{r['items']:>8} {r['matched']:>8} {r['shown']:>6} {r['repetitions']:>5} "
            f"{r['median_ms']:>10.3f} {r['us_per_item']:>8.3f}"
        )
    verdict = "meets" if report["meets_goal"] else "MISSES"
    print(f"{verdict} the goal: < {report['goal_ms']} ms for {report['goal_items']} items")


if __name__ == "__main__":
    main()
