"""Shared helpers for the Graph tests: a dev signing key, tokens, generated mailboxes,
and the local Graph server on a real TCP port (127.0.0.1)."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from localdev import graph_json
from localdev.devtools import tokens as devtokens
from localdev.graph_credentials import local_connector
from localdev.graph_server import create_app, stats_of
from localdev.graph_server.app import OPTIONS_KEY, STORE_KEY
from shared.config import Config
from shared.mailbox import GraphConnector

EVENTS = Path(__file__).resolve().parents[1] / "events"
ISSUER = "http://127.0.0.1/dev"
KEY = devtokens.generate_signing_key()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
JANE = "jane@fabrikam.com"


def recorded(name: str) -> dict[str, Any]:
    """A recorded Graph exchange from tests/events (``request`` and ``response``)."""
    return json.loads((EVENTS / f"graph-{name}.json").read_text(encoding="utf-8"))


def user_token(oid: str, upn: str = "user@contoso.com") -> str:
    return devtokens.mint_user_token(KEY, ISSUER, "api://autocapture", upn=upn, oid=oid)


def app_token(roles: tuple[str, ...] = ("Mail.Read", "Calendars.Read")) -> str:
    """An app-only Graph token (by default with the roles the app registration holds)."""
    return devtokens.mint_app_token(KEY, ISSUER, "https://graph.microsoft.com", roles)


def graph_user_token(oid: str, scopes: str = "Mail.Read Calendars.Read User.Read") -> str:
    """A delegated Graph token for ``oid``, as the on-behalf-of exchange issues it."""
    claims = {
        **devtokens.envelope(ISSUER, "https://graph.microsoft.com", "user"),
        "oid": oid,
        "sub": oid,
        "scp": scopes,
    }
    return devtokens.sign_claims(KEY, claims)


def message(
    n: int,
    received: datetime,
    sender: str,
    to: list[str],
    cc: tuple[str, ...] | list[str] = (),
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return graph_json.message(
        id=f"AAMkMsg{n:05d}=",
        internet_message_id=f"<msg{n}@contoso.com>",
        received=received,
        sent=received - timedelta(seconds=5),
        sender=sender,
        to=to,
        cc=cc,
        subject=f"Subject {n}",
        preview=f"Preview {n}",
        body=f"<html><body>Body {n}</body></html>",
        attachments=attachments or [],
        extra={"@odata.etag": f'W/"etag{n}"'},
    )


def event(
    n: int, start: datetime, organizer: str, required: list[str], optional: Sequence[str] = ()
) -> dict[str, Any]:
    return graph_json.event(
        id=f"AAMkEvt{n:05d}=",
        ical_uid=f"{graph_json.ICAL_PREFIX}{n:08d}",
        start=start,
        end=start + timedelta(hours=1),
        organizer=organizer,
        required=required,
        optional=optional,
        subject=f"Meeting {n}",
        preview=f"Agenda {n}",
        body=f"<p>Agenda {n}</p>",
        location=f"Room {n}",
        extra={"@odata.etag": f'W/"ev{n}"'},
    )


def pool(n: int) -> list[str]:
    return [f"contact{i:03d}@fabrikam.com" for i in range(n)]


def busy_user(user_id: str, upn: str, count: int = 3000, days: float = 3.0, seed: int = 7) -> dict[str, Any]:
    """``count`` emails spread over the last ``days`` days among 300 external addresses."""
    rng = random.Random(seed)
    addresses = pool(300)
    messages = []
    for n in range(count):
        received = NOW - timedelta(seconds=rng.uniform(60, days * 86400 - 60))
        other = rng.choice(addresses)
        incoming = rng.random() < 0.6
        sender, to = (other, [upn]) if incoming else (upn, [other])
        messages.append(
            message(n, received, sender, to, cc=[rng.choice(addresses)] if rng.random() < 0.3 else [])
        )
    events = [
        event(n, NOW + timedelta(hours=rng.uniform(-80, 80)), upn, [rng.choice(addresses)]) for n in range(60)
    ]
    return graph_json.mailbox_user(user_id, upn, messages, events)


def inbox_user(
    user_id: str, upn: str, emails: Iterable[int] = (1,), events: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    """A mailbox user with, for each ``n`` of ``emails``, email ``n`` from ``JANE`` ``n`` hours ago."""
    return graph_json.mailbox_user(
        user_id, upn, [message(n, NOW - timedelta(hours=n), JANE, [upn]) for n in emails], events
    )


class GraphServer:
    """The local Graph server on 127.0.0.1 plus helpers to build mailboxes against it."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.stats = stats_of(server.app)
        self.store = server.app[STORE_KEY]

    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/v1.0"))

    def config(self, **overrides: Any) -> Config:
        values: dict[str, Any] = {
            "mode": "local",
            "graph_auth": "local",
            "graph_base_url": self.base_url,
            "dev_signing_key": KEY,
            "auth_issuer": ISSUER,
        }
        values.update(overrides)
        return Config.from_env({}, **values)

    def connector(self, **options: Any) -> GraphConnector:
        """A connector to this server with local credentials; ``options`` go to
        ``GraphConnector`` (policy, retries, ...); the caller closes it."""
        return local_connector(self.config(), **options)

    def set_latency(self, seconds: float) -> None:
        self.server.app[OPTIONS_KEY]["latency"] = seconds

    def set_fault(self, user_id: str, fault: dict[str, Any] | None) -> None:
        user = self.store.find(user_id)
        assert user is not None
        user.fault = dict(fault) if fault else None


async def start_server(mailbox: dict[str, Any], **kwargs: Any) -> GraphServer:
    server = TestServer(create_app(mailbox, devtokens.jwks(KEY), issuer=ISSUER, **kwargs), host="127.0.0.1")
    await server.start_server()
    return GraphServer(server)


@asynccontextmanager
async def serving(*users: dict[str, Any], **kwargs: Any) -> AsyncIterator[GraphServer]:
    """The local Graph server with these mailbox users (``kwargs``: ``create_app``'s), closed at the end."""
    server = await start_server({"users": list(users)}, **kwargs)
    try:
        yield server
    finally:
        await server.server.close()
