"""A runtime on the in-memory stores with fakes at the edges (token validator, queues), the
erasure blueprint's HTTP functions to call, and a world of tracked activities to erase."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import azure.functions as func

from functions import erasure
from shared.auth.principal import Principal
from shared.config import CONTAINERS, Config
from shared.exceptions import AuthenticationError
from shared.mailbox.connector import GraphConnector
from shared.model import Activity, Attachment, Participant, RecordRef, TrackingRequest, UserSettings
from shared.runtime import Runtime, RuntimeProvider
from shared.store.base import Claim, Database, Query
from shared.store.memory import MemoryDatabase
from shared.store.stores import stores_over
from tests.builders import mail_item, tracked_copy
from tests.functional.auth_helpers import http_functions
from tests.functional.track_fakes import Crash

NOW = datetime.now(UTC).replace(microsecond=0)
KEY = "test-address-hash-key-0123456789abcdef"
ERASED = "pat@fabrikam.com"
ADMIN = Principal("oid-admin", "carol@autocapture.dev", "Carol", "t", frozenset({"AutoCapture.Admin"}))
SELLER = Principal("oid-seller", "alice@autocapture.dev", "Alice", "t", frozenset({"Sales.Person"}))
ACCOUNT, CONTACT = RecordRef("account", "a-fabrikam"), RecordRef("contact", "c-pat")


class TokenByOid:
    """``Authorization: Bearer <oid>`` names one of the principals above."""

    async def validate(self, header: str | None) -> Principal:
        for p in (ADMIN, SELLER):
            if header == f"Bearer {p.oid}":
                return p
        raise AuthenticationError("no token")


@dataclass
class Outbox:
    """A queue that keeps what is sent, for the test to deliver."""

    sent: list[bytes] = field(default_factory=list)

    async def send(self, job: Any, delay: int = 0) -> None:
        self.sent.append(job.encode())

    async def close(self) -> None:
        return None


class CrashingDatabase(MemoryDatabase):
    """Dies at the ``crash_at``-th delete in the activities container (1-based), once."""

    crash_at = 0
    deletes = 0

    async def delete_item(self, container: str, item_id: str, partition_key: str, what: str) -> None:
        if container == "activities":
            self.deletes += 1
            if self.deletes == self.crash_at:
                raise Crash("in the middle of the removals")
        await super().delete_item(container, item_id, partition_key, what)


def activity(
    ref: RecordRef, subject: str, sender: str, to: tuple[str, ...] = (), cc: tuple[str, ...] = (), **kw: Any
) -> Activity:
    item = mail_item(
        uuid.uuid4().hex,
        kw.get("occurred_at", NOW - timedelta(days=2)),
        kind=kw.get("kind", "email"),
        key=f"<{uuid.uuid4().hex}@mail.example>",
        subject=subject,
        preview=f"preview of {subject}",
        sender=Participant(sender, "Sender"),
        to=to,
        cc=cc,
    )
    return tracked_copy(
        item, ref, SELLER.oid, NOW, attachments=kw.get("attachments", ()), body=f"BODY of {subject}"
    )


@dataclass
class World:
    database: MemoryDatabase
    runtime: Runtime
    outbox: Outbox
    routes: dict[tuple[str, str], Any]
    erased: list[Activity] = field(default_factory=list)
    kept: list[Activity] = field(default_factory=list)

    async def add(self, act: Activity, tracker: str = SELLER.oid) -> None:
        s = self.runtime.stores
        await s.activities.claim(Claim(act.id, act.regarding, tracker, f"trk-{act.id[:12]}"))
        await s.activities.upsert_activity(act)
        request = TrackingRequest(
            id=f"trk-{act.id[:12]}",
            user_id=tracker,
            item_id=f"g-{act.id[:8]}",
            kind=act.kind,
            regarding=act.regarding,
            state="tracked",
            created_at=NOW,
            updated_at=NOW,
            key=act.id,  # a request names its item by identity, the id of its activity
            activity_id=act.id,
        )
        await s.tracking.save_request(request)

    async def call(self, method: str, route: str, who: Principal | None, body: Any = None, **kw: Any) -> Any:
        handler = self.routes[(method, route)]
        req = func.HttpRequest(
            method,
            f"http://localhost/{route}",
            headers={"authorization": f"Bearer {who.oid}"} if who else {},
            params=kw.get("params", {}),
            route_params=kw.get("route_params", {}),
            body=b"" if body is None else json.dumps(body).encode(),
        )
        response = await handler(req, SimpleNamespace(invocation_id=str(uuid.uuid4())))
        return response.status_code, json.loads(response.get_body() or b"null")

    async def erase(self, who: Principal = ADMIN, address: str = ERASED) -> tuple[int, Any]:
        return await self.call("POST", "api/admin/erasure", who, {"address": address})

    async def receipt(self, erasure_id: str, who: Principal = ADMIN) -> tuple[int, Any]:
        return await self.call(
            "GET", "api/admin/erasure/{erasureId}", who, route_params={"erasureId": erasure_id}
        )

    async def deliver(self, dequeue_count: int = 1) -> str:
        """Run the oldest queued erasure job (it stays queued if the run raises)."""
        outcome = await self.runtime.erasure_worker.process(self.outbox.sent[0], dequeue_count, "m-1")
        self.outbox.sent.pop(0)
        return outcome


async def all_documents(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every document of every container (a cross-partition scan)."""
    return {name: await database.query(name, Query(), "scan") for name in CONTAINERS}


async def make_world(database: MemoryDatabase | None = None) -> World:
    database = database or MemoryDatabase()
    config = Config(mode="azure", address_hash_key=KEY)
    stores = stores_over(database)
    outbox = Outbox()
    runtime = Runtime.build(
        config,
        stores=stores,
        queue=Outbox(),  # type: ignore[arg-type]
        graph=GraphConnector(config),
        validator=TokenByOid(),  # type: ignore[arg-type]
        erasure_queue=outbox,  # type: ignore[arg-type]
    )
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(erasure.blueprint(RuntimeProvider(lambda: runtime)))
    world = World(database, runtime, outbox, http_functions(app))
    files = (
        Attachment("quote.pdf", 1000, "application/pdf"),
        Attachment("terms.pdf", 2000, "application/pdf"),
    )
    world.erased = [
        activity(ACCOUNT, "Quote for Pat", ERASED, to=("alice@autocapture.dev",), attachments=files),
        activity(
            ACCOUNT, "Renewal", "alice@autocapture.dev", to=("jo@fabrikam.com",), cc=("Pat@Fabrikam.COM",)
        ),
        activity(CONTACT, "Kick-off", "alice@autocapture.dev", to=(ERASED,), kind="meeting"),
    ]
    world.kept = [activity(ACCOUNT, "Unrelated", "jo@fabrikam.com", to=("alice@autocapture.dev",))]
    for act in (*world.erased, *world.kept):
        await world.add(act)
    org = await stores.settings.get_org()
    await stores.settings.save_org(replace(org, excluded=(ERASED, "@newsletter.example")))
    await stores.settings.save_user(SELLER.oid, UserSettings(excluded=(ERASED,)))
    return world
