"""Helpers for the Track tests on the shared local stack: isolated mailbox users and records.

Each test builds its own ``TrackWorld``: a unique domain, an account owned by a fresh
tracker (a mailbox user added to the local Graph server at run time with
``PUT /_admin/users/{id}``, the id being the dev token's derived ``oid``), and emails
that match only that account. Nothing touches the demo data other test modules read.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from azure.storage.queue import BinaryBase64EncodePolicy, QueueClient

from localdev import graph_json
from localdev.devtools.tokens import derive_user_oid
from localdev.stack import Stack
from shared.config import Config
from shared.mailbox.parse import parse_message
from shared.model import CrmRecord, RecordRef
from shared.queue import MESSAGE_VERSION, TrackJob
from shared.rules.identity import claim_key
from shared.store.base import Query
from shared.store.cosmos import CosmosDatabase
from shared.store.records import RecordRepository
from tests.e2e.api import Api, Caller

QUEUE = "track-requests"
TERMINAL = ("tracked", "failed")
#: A 1x1 PNG (an inline image or an attachment).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def uid() -> str:
    return uuid.uuid4().hex[:10]


def file_attachment(att_id: str, name: str, data: bytes, ctype: str, **extra: Any) -> dict[str, Any]:
    """A Graph ``fileAttachment`` with its bytes (``contentBytes``), as the attachments list returns it."""
    return {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "id": att_id,
        "name": name,
        "size": len(data),
        "contentType": ctype,
        "isInline": False,
        "contentBytes": base64.b64encode(data).decode(),
        **extra,
    }


def graph_message(
    graph_id: str,
    internet_id: str,
    sender: str,
    to: Iterable[str],
    *,
    subject: str,
    cc: Iterable[str] = (),
    attachments: Iterable[tuple[str, int, str]] = (),
    received: datetime | None = None,
) -> dict[str, Any]:
    """A Graph message as ``GET /users/{id}/messages/{id}`` returns it."""
    return graph_json.message(
        id=graph_id,
        internet_message_id=internet_id,
        received=received or datetime.now(UTC) - timedelta(hours=1),
        sender=sender,
        to=to,
        cc=cc,
        subject=subject,
        preview=f"{subject} (preview)",
        body=f"<p>SECRET-BODY {subject}</p>",
        attachments=[
            graph_json.attachment(f"att-{graph_id}-{i}", n, s, c) for i, (n, s, c) in enumerate(attachments)
        ],
    )


@dataclass
class MailUser:
    """A mailbox user of the local Graph server plus the dev-token caller for it."""

    upn: str
    caller: Caller
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def oid(self) -> str:
        return derive_user_oid(self.upn)


class TrackWorld:
    """One test's isolated users, records and mail on the shared stack."""

    def __init__(self, stack: Stack, api: Api) -> None:
        self.stack, self.api = stack, api
        self.tag = uid()
        self.domain = f"cust-{self.tag}.example"
        self.team = f"t-trk-{self.tag}"
        self.tracker = self.user("trk", ("Sales.Person",), (self.team,))
        self.account = RecordRef("account", f"a-trk-{self.tag}")
        self.customer = f"buyer@{self.domain}"
        self._faulted: set[str] = set()
        self.graph = httpx.Client(base_url=stack.graph_url, timeout=10)

    # --- people, records, mail -----------------------------------------------------------

    def user(self, prefix: str, roles: tuple[str, ...], groups: tuple[str, ...]) -> MailUser:
        upn = f"{prefix}-{self.tag}@autocapture.dev"
        return MailUser(upn, Caller(upn, roles, groups))

    def message(
        self,
        owner: MailUser,
        n: int,
        *,
        outgoing: bool = False,
        attachments: Iterable[tuple[str, int, str]] = (),
        internet_id: str | None = None,
    ) -> dict[str, Any]:
        """Add email ``n`` to ``owner``'s mailbox (sent by the customer, or by the owner)."""
        sender, to = (owner.upn, [self.customer]) if outgoing else (self.customer, [owner.upn])
        msg = graph_message(
            f"AAMk{self.tag}{owner.upn.split('-')[0]}{n:03d}",
            internet_id or f"<{self.tag}.{n}@{self.domain}>",
            sender,
            to,
            subject=f"Deal {self.tag} #{n}",
            attachments=attachments,
        )
        owner.messages.append(msg)
        return msg

    def publish(self, *users: MailUser) -> None:
        """Load (or replace) these mailboxes in the local Graph server."""
        for u in users:
            entry = graph_json.mailbox_user(u.oid, u.upn, u.messages)
            self.graph.put(f"/_admin/users/{u.oid}", json=entry).raise_for_status()

    async def create_account(self, ref: RecordRef | None = None, owner: MailUser | None = None) -> RecordRef:
        ref = ref or self.account
        record = CrmRecord(
            ref.entity_type,
            ref.id,
            f"Account {self.tag}",
            emails=(self.customer,),
            owner_id=(owner or self.tracker).oid,
            team_ids=(self.team,),
        )
        database = CosmosDatabase(Config.from_env(self.stack.env()))
        try:
            await RecordRepository(database).upsert_record(record)
        finally:
            await database.close()
        return ref

    # --- faults --------------------------------------------------------------------------

    def fault(self, user: MailUser, fault: dict[str, Any] | None) -> None:
        """Set (or clear) the Graph fault of ``user``'s mailbox; ``close()`` clears them all."""
        resp = self.graph.post("/_admin/fault", json={"user": user.oid, "fault": fault})
        resp.raise_for_status()
        self._faulted.add(user.oid)

    def graph_requests(self, user: MailUser) -> int:
        stats = self.graph.get("/_admin/stats").json()
        return int(stats["users"].get(user.oid, {}).get("requests", 0))

    def close(self) -> None:
        for oid in self._faulted:
            self.graph.post("/_admin/fault", json={"user": oid, "fault": None})
        self.graph.close()

    # --- API -----------------------------------------------------------------------------

    def track(self, who: MailUser, msg: dict[str, Any], ref: RecordRef | None = None) -> httpx.Response:
        ref = ref or self.account
        body = {
            "itemId": msg["id"],
            "kind": "email",
            "regarding": {"entityType": ref.entity_type, "id": ref.id},
        }
        return self.api.post("/api/track", who.caller, json=body)

    def status(self, who: MailUser, tracking_id: str) -> httpx.Response:
        return self.api.get(f"/api/track/{tracking_id}", who.caller)

    def wait_for(
        self, who: MailUser, tracking_id: str, states: tuple[str, ...] = TERMINAL, timeout: float = 30
    ):
        """Poll GET /api/track/{id} until its state is one of ``states``; the last body."""
        body: dict[str, Any] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = self.status(who, tracking_id)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            if body["state"] in states:
                return body
            time.sleep(0.1)
        raise AssertionError(f"{tracking_id} still {body.get('state')} after {timeout}s")

    def timeline(self, who: MailUser | Caller, ref: RecordRef | None = None) -> httpx.Response:
        ref = ref or self.account
        caller = who.caller if isinstance(who, MailUser) else who
        return self.api.get(f"/api/timeline/{ref.entity_type}/{ref.id}", caller)


def aid_of(msg: dict[str, Any]) -> str:
    """The activity id of a Graph message: its identity (Message-ID, sender, sent, subject)."""
    item = parse_message(msg, own_addresses=())
    assert item is not None
    return claim_key(item)


async def stored_docs(stack: Stack, doc_id: str, container: str = "activities") -> list[dict[str, Any]]:
    """Every document with this id in a container, across all partitions."""
    database = CosmosDatabase(Config.from_env(stack.env()))
    try:
        return await database.query(container, Query({"id": doc_id}), "document")
    finally:
        await database.close()


def queue_client(stack: Stack, name: str = QUEUE, encode: bool = True) -> QueueClient:
    policy = {"message_encode_policy": BinaryBase64EncodePolicy()} if encode else {}
    return QueueClient.from_connection_string(stack.queue_connection, name, **policy)


def send_job(stack: Stack, user_id: str, tracking_id: str, times: int = 1) -> list[str]:
    """Enqueue the job message of a tracking request ``times`` times; the message ids."""
    payload = TrackJob(v=MESSAGE_VERSION, trackingId=tracking_id, userId=user_id).encode()
    with queue_client(stack) as queue:
        return [queue.send_message(payload).id for _ in range(times)]


def send_raw(stack: Stack, payload: bytes, *, base64_encode: bool = True) -> str:
    """Enqueue raw bytes (base64-encoded as the trigger expects, or not); the message id."""
    with queue_client(stack, encode=False) as queue:
        text = base64.b64encode(payload).decode() if base64_encode else payload.decode()
        return str(queue.send_message(text).id)


def host_lines(stack: Stack) -> list[dict[str, Any]]:
    """The host log's JSON lines (``stack.workdir/logs/host.log``)."""
    path: Path = stack.workdir / "logs" / "host.log"
    out = []
    for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def events(stack: Stack, tracking_id: str, *names: str) -> list[dict[str, Any]]:
    return [
        e
        for e in host_lines(stack)
        if (e.get("trackingId") == tracking_id or e.get("correlationId") == tracking_id)
        and (not names or e.get("event") in names)
    ]


def wait_until(predicate: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
