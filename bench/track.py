"""Track: click-to-tracked latency and worker throughput on a local stack of its own.

Run: ``.venv/bin/python -m bench.track``. ``run()`` returns the figures as a dict (for
``make bench``). It starts Azurite, the Cosmos emulator, the local Graph server and the
local host on random ports (host.json's real queue settings: ``batchSize`` 16,
``maxPollingInterval`` 2 s), with one salesperson whose mailbox holds enough generated
emails, all matching one account they own, so every email can be tracked once.

- **click to tracked**: ``POST /api/track``, then ``GET /api/track/{id}`` every 20 ms
  until ``tracked`` (client clock), and the request's own ``createdAt`` → ``updatedAt``
  (server clock: accepted → marked tracked). Measured one click at a time (an idle
  queue: the listener's polling back-off is part of the figure) and for a burst of 50
  items in one ``POST /api/track/bulk``.
- **worker throughput**: with the host stopped, 100 and then 1,000 tracking requests
  are written and their jobs queued (as ``POST /api/track`` would); the host is
  started and the bench waits until every request is ``tracked``. Activities per
  second = completions between the first and the last ``updatedAt``; the drain time
  from the host start (cold process included) is reported too.

All the emails sit in one mailbox, so the copy jobs share Graph's per-mailbox limit of 4
concurrent requests (``MailboxLimiter``): this is the throughput of one user's bulk
track, a lower bound for jobs spread over many mailboxes.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.timeline import summary
from localdev import graph_json
from localdev.devtools.tokens import derive_user_oid
from localdev.stack import Ports, Stack
from shared.config import Config
from shared.model import RecordRef, TrackingRequest
from shared.queue import TrackJob, TrackQueue
from shared.store.base import Query
from shared.store.codec import parse_time
from shared.store.cosmos import CosmosDatabase
from shared.store.tracking import TrackingRepository

USER = "trackbench@autocapture.dev"
OID = derive_user_oid(USER)
CUSTOMER = "buyer@track-bench.example"
ACCOUNT = RecordRef("account", "a-track-bench")
SEQUENTIAL = 30
BURST = 50
QUEUED = (100, 1_000)
POLL_S = 0.02
DRAIN_TIMEOUT_S = 90.0


def _latency(values: Sequence[float]) -> dict[str, Any]:
    return {**summary(values), "max_ms": round(max(values) * 1e3, 1) if values else 0.0}


# --- data ------------------------------------------------------------------------------------


def _message(n: int, now: datetime) -> dict[str, Any]:
    stamp = (now - timedelta(minutes=n % 2_000 + 1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    person = {"emailAddress": {"name": "Buyer", "address": CUSTOMER}}
    me = {"emailAddress": {"name": "Bench", "address": USER}}
    incoming = n % 2 == 0
    return {
        "id": f"AAMkTrackBench{n:06d}",
        "createdDateTime": stamp,
        "lastModifiedDateTime": stamp,
        "receivedDateTime": stamp,
        "sentDateTime": stamp,
        "hasAttachments": n % 5 == 0,
        "internetMessageId": f"<bench.{n}@track-bench.example>",
        "subject": f"Order {n}",
        "bodyPreview": "Please find the order attached.",
        "body": {"contentType": "html", "content": f"<p>Order {n}: {'x' * 2_000}</p>"},
        "sender": person if incoming else me,
        "from": person if incoming else me,
        "toRecipients": [me if incoming else person],
        "ccRecipients": [],
        "bccRecipients": [],
        "attachments": (
            [{"id": f"att{n}", "name": f"order-{n}.pdf", "size": 40_960, "contentType": "application/pdf"}]
            if n % 5 == 0
            else []
        ),
    }


def write_data(directory: Path, emails: int, now: datetime) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    records, mailbox = directory / "records.jsonl", directory / "mailbox.json"
    account = {
        "entityType": ACCOUNT.entity_type,
        "id": ACCOUNT.id,
        "name": "Track Bench Ltd",
        "emails": [CUSTOMER],
        "ownerId": OID,
        "teamIds": ["t-bench"],
    }
    records.write_text(json.dumps(account) + "\n")
    user = graph_json.mailbox_user(
        OID, USER, [_message(n, now) for n in range(emails)], display_name="Track Bench"
    )
    mailbox.write_text(json.dumps({"users": [user]}))
    return records, mailbox


# --- phases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """A tracking request's state and server times."""

    id: str
    state: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, doc: dict[str, Any]) -> Done:
        return cls(doc["id"], doc["state"], parse_time(doc["createdAt"]), parse_time(doc["updatedAt"]))


class Bench:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.config = Config.from_env(stack.env())
        self.http = httpx.Client(base_url=stack.base_url, timeout=30)
        body = {"user": USER, "roles": ["Sales.Person"], "groups": ["t-bench"]}
        token = self.http.post("/dev/token", json=body).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.next_item = 0

    def items(self, count: int) -> list[str]:
        start, self.next_item = self.next_item, self.next_item + count
        return [f"AAMkTrackBench{n:06d}" for n in range(start, start + count)]

    def _track_body(self, item_id: str) -> dict[str, Any]:
        return {"itemId": item_id, "kind": "email", "regarding": {"entityType": "account", "id": ACCOUNT.id}}

    def sequential_clicks(self, count: int) -> tuple[list[float], list[str]]:
        client, ids = [], []
        for item_id in self.items(count):
            started = time.perf_counter()
            resp = self.http.post("/api/track", json=self._track_body(item_id))
            resp.raise_for_status()
            tid = resp.json()["trackingId"]
            deadline = started + 30
            while time.perf_counter() < deadline:
                if self.http.get(f"/api/track/{tid}").json()["state"] != "pending":
                    break
                time.sleep(POLL_S)
            client.append(time.perf_counter() - started)
            ids.append(tid)
        return client, ids

    def burst(self, count: int) -> tuple[float, list[str]]:
        started = time.perf_counter()
        resp = self.http.post(
            "/api/track/bulk", json={"items": [self._track_body(i) for i in self.items(count)]}
        )
        resp.raise_for_status()
        return time.perf_counter() - started, [r["trackingId"] for r in resp.json()["results"]]

    async def requests(self, ids: Sequence[str], within: float = DRAIN_TIMEOUT_S) -> list[Done]:
        """The requests' states and times once none is pending (or at the timeout): one
        single-partition query per poll, so that polling barely loads the emulator."""
        database = CosmosDatabase(self.config)
        wanted = set(ids)
        deadline = time.monotonic() + within
        try:
            while True:
                query = Query(
                    {"userId": OID}, partition_key=OID, fields=("id", "state", "createdAt", "updatedAt")
                )
                docs = await database.query("tracking", query, "tracking request")
                found = [Done.of(d) for d in docs if d["id"] in wanted]
                settled = len(found) == len(wanted) and all(r.state != "pending" for r in found)
                if settled or time.monotonic() > deadline:
                    return found
                await asyncio.sleep(0.5)
        finally:
            await database.close()

    async def enqueue(self, count: int, phase: str) -> list[str]:
        """What POST /api/track writes for ``count`` clicks: pending requests and their jobs."""
        database = CosmosDatabase(self.config)
        repo, queue = TrackingRepository(database), TrackQueue(self.config)
        gate = asyncio.Semaphore(32)
        now = datetime.now(UTC)

        async def one(n: int, item_id: str) -> str:
            request = TrackingRequest(
                id=f"trk-bench-{phase}-{n:05d}",
                user_id=OID,
                item_id=item_id,
                kind="email",
                regarding=ACCOUNT,
                state="pending",
                created_at=now,
                updated_at=now,
                key=f"<bench.{int(item_id[-6:])}@track-bench.example>",
            )
            async with gate:
                await repo.create_request(request)
                await queue.send(TrackJob.for_request(request))
            return request.id

        try:
            return list(await asyncio.gather(*(one(n, i) for n, i in enumerate(self.items(count)))))
        finally:
            await queue.close()
            await database.close()

    def throughput(self, count: int) -> dict[str, Any]:
        self.stack.stop_process("host")
        ids = asyncio.run(self.enqueue(count, str(count)))
        started = time.perf_counter()
        self.stack.start_host()
        found = asyncio.run(self.requests(ids))
        drain = time.perf_counter() - started
        tracked = [r for r in found if r.state == "tracked"]
        done = sorted(r.updated_at for r in tracked)
        span = (done[-1] - done[0]).total_seconds() if len(done) > 1 else 0.0
        return {
            "queued": count,
            "tracked": len(tracked),
            "failed": sum(1 for r in found if r.state == "failed"),
            "pending": sum(1 for r in found if r.state == "pending"),
            "activities_per_s": round((len(done) - 1) / span, 1) if span else None,
            "drain_s_from_host_start": round(drain, 2),
        }

    def close(self) -> None:
        self.http.close()


def _server_latency(found: Sequence[Done]) -> list[float]:
    return [(r.updated_at - r.created_at).total_seconds() for r in found if r.state == "tracked"]


def run(sequential: int = SEQUENTIAL, burst: int = BURST, queued: Sequence[int] = QUEUED) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-track-"))
    started = time.perf_counter()
    emails = sequential + burst + sum(queued)
    records, mailbox = write_data(workdir / "data", emails, datetime.now(UTC))
    stack = Stack(workdir=workdir, records=records, mailbox=mailbox, ports=Ports.random())
    bench: Bench | None = None
    try:
        stack.start()
        bench = Bench(stack)
        client, ids = bench.sequential_clicks(sequential)
        seq_found = asyncio.run(bench.requests(ids))
        accept_s, burst_ids = bench.burst(burst)
        burst_found = asyncio.run(bench.requests(burst_ids))
        burst_done = sorted(r.updated_at for r in burst_found if r.state == "tracked")
        phases = [bench.throughput(n) for n in queued]
    finally:
        if bench is not None:
            bench.close()
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    burst_span = (
        (burst_done[-1] - min(r.created_at for r in burst_found)).total_seconds() if burst_done else 0
    )
    return {
        "benchmark": "track.click_to_tracked_and_worker_throughput",
        "mailbox_emails": emails,
        "click_to_tracked": {
            "sequential_client": _latency(client),
            "sequential_server": _latency(_server_latency(seq_found)),
            "burst_server": {
                **_latency(_server_latency(burst_found)),
                "items": burst,
                "bulk_request_ms": round(accept_s * 1e3, 1),
                "all_tracked_s": round(burst_span, 2),
            },
        },
        "throughput": phases,
        "failed": sum(1 for r in [*seq_found, *burst_found] if r.state != "tracked")
        + sum(p["failed"] + p["pending"] for p in phases),
        "wall_s": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    report = run()
    click = report["click_to_tracked"]
    print(f"track: click to tracked ({report['mailbox_emails']} emails in one mailbox)")
    print(f"{'measure':<44} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for label, key in (
        ("one click at a time, client (POST -> GET)", "sequential_client"),
        ("one click at a time, server (created->tracked)", "sequential_server"),
        (f"bulk of {click['burst_server']['items']}, server (created->tracked)", "burst_server"),
    ):
        r = click[key]
        print(f"{label:<44} {r['n']:>5} {r['p50_ms']:>9.1f} {r['p95_ms']:>9.1f} {r['max_ms']:>9.1f}")
    print("track: worker throughput (jobs queued before the host starts)")
    print(f"{'queued':>8} {'tracked':>8} {'activities/s':>13} {'drain s (cold host)':>20}")
    for p in report["throughput"]:
        rate = f"{p['activities_per_s']:.1f}" if p["activities_per_s"] else "-"
        print(f"{p['queued']:>8} {p['tracked']:>8} {rate:>13} {p['drain_s_from_host_start']:>20.2f}")
    print(f"not tracked: {report['failed']}; wall time {report['wall_s']} s")


if __name__ == "__main__":
    main()
