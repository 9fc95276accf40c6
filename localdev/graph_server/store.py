"""The mailbox file (docs/formats.md) in memory, with per-user faults and request statistics."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localdev.graph_server import kql, recurrence
from localdev.graph_server.errors import ITEM_NOT_FOUND, GraphError
from localdev.graph_server.folders import FolderTree
from localdev.graph_server.times import WINDOWS_ZONES, utc_to_zoned, zone, zoned_to_utc

__all__ = ["WINDOWS_ZONES", "GraphStats", "MailboxStore", "User", "user_from_entry", "utc_to_zoned", "zone"]

FAULT_CODES = {
    401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    403: ("ErrorAccessDenied", "Access is denied. Check credentials and try again."),
    404: ITEM_NOT_FOUND,
    429: ("ApplicationThrottled", "Application is over its MailboxConcurrency limit."),
    503: ("ServiceNotAvailable", "Service unavailable, please retry later."),
    504: ("GatewayTimeout", "The gateway timed out."),
}


@dataclass
class User:
    id: str
    upn: str
    mail: str
    profile: dict[str, Any]
    messages: list[dict[str, Any]]
    events: list[dict[str, Any]]
    fault: dict[str, Any] | None = None
    folders: FolderTree = field(default_factory=FolderTree)

    def __post_init__(self) -> None:
        self.message_index = {m["id"]: m for m in self.messages if isinstance(m.get("id"), str)}
        self.event_index = {e["id"]: e for e in self.events if isinstance(e.get("id"), str)}
        self.event_span = {
            e["id"]: (zoned_to_utc(e.get("start")), zoned_to_utc(e.get("end"))) for e in self.events
        }
        self.masters = {str(e["id"]).rstrip("="): e for e in self.events if e.get("type") == "seriesMaster"}
        self._token_indexes: dict[tuple[str, ...], dict[str, frozenset[int]]] = {}

    def token_index(self, fields: tuple[str, ...]) -> dict[str, frozenset[int]]:
        """The ``$search`` token index of the messages over ``fields``, built on first use
        (a user's messages are not changed in place: ``PUT /_admin/users`` makes a new user)."""
        if fields not in self._token_indexes:
            self._token_indexes[fields] = kql.token_index(self.messages, fields)
        return self._token_indexes[fields]

    def find_event(self, item_id: str) -> dict[str, Any] | None:
        """A single instance or series master by id, or an occurrence of a series."""
        return self.event_index.get(item_id) or recurrence.find(self.masters, item_id)

    def take_fault(self, app: bool | None = None) -> GraphError | None:
        """The configured fault, ``times`` times (always when ``times`` is absent).

        ``"for": "app"`` (or ``"delegated"``) limits the fault to requests made with that
        kind of token (``app``: whether this request's token is an app token), as when an
        application access policy shuts the app out of a mailbox its owner still reads.
        """
        if not self.fault:
            return None
        target = self.fault.get("for")
        if target is not None and app is not None and (target == "app") != app:
            return None
        times = self.fault.get("times")
        if times is not None:
            if int(times) <= 0:
                return None
            self.fault["times"] = int(times) - 1
        status = int(self.fault.get("status", 503))
        code, message = FAULT_CODES.get(status, ("InternalServerError", "An internal server error occurred."))
        retry = self.fault.get("retryAfter")
        return GraphError(status, code, message, retry_after=int(retry) if retry is not None else None)


@dataclass
class GraphStats:
    """Requests the server received, per mailbox user (and ``-`` before one is known)."""

    total: int = 0
    per_user: Counter[str] = field(default_factory=Counter)
    max_concurrent: dict[str, int] = field(default_factory=dict)
    inflight: Counter[str] = field(default_factory=Counter)
    log: list[tuple[str, str]] = field(default_factory=list)
    #: Bytes of answer bodies sent, per mailbox user.
    bytes_sent: Counter[str] = field(default_factory=Counter)

    def sent(self, user_id: str, size: int) -> None:
        self.bytes_sent[user_id] += size

    def requests(self, user_id: str | None = None) -> int:
        return self.total if user_id is None else self.per_user[user_id]

    def enter(self, user_id: str, path: str) -> None:
        self.total += 1
        self.per_user[user_id] += 1
        self.inflight[user_id] += 1
        self.max_concurrent[user_id] = max(self.max_concurrent.get(user_id, 0), self.inflight[user_id])
        if len(self.log) < 10_000:
            self.log.append((user_id, path))

    def leave(self, user_id: str) -> None:
        self.inflight[user_id] -= 1

    def reset(self) -> None:
        self.total = 0
        self.per_user.clear()
        self.max_concurrent.clear()
        self.log.clear()
        self.bytes_sent.clear()

    def snapshot(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "bytes": sum(self.bytes_sent.values()),
            "users": {
                u: {
                    "requests": n,
                    "maxConcurrent": self.max_concurrent.get(u, 0),
                    "bytes": self.bytes_sent[u],
                }
                for u, n in self.per_user.items()
            },
        }


def user_from_entry(raw: Mapping[str, Any]) -> User:
    """A user entry of the mailbox file (docs/formats.md) as a ``User``; ``ValueError`` when malformed."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise ValueError("a user entry needs a string 'id'")
    for name in ("messages", "events"):
        if not isinstance(raw.get(name, []), list):
            raise ValueError(f"'{name}' must be a list")
    if raw.get("fault") is not None and not isinstance(raw["fault"], Mapping):
        raise ValueError("'fault' must be an object")
    if not isinstance(raw.get("mailFolders", []), list):
        raise ValueError("'mailFolders' must be a list")
    profile = {k: v for k, v in raw.items() if k not in ("messages", "events", "fault", "mailFolders")}
    upn, mail = str(raw.get("userPrincipalName", "")), str(raw.get("mail", ""))
    tree = FolderTree(raw.get("mailFolders", []))
    messages = [_placed(m, tree, {upn.lower(), mail.lower()} - {""}) for m in raw.get("messages", [])]
    tree.count(messages)
    events = list(raw.get("events", []))
    for event in events:
        if isinstance(event, Mapping) and event.get("type") == "seriesMaster":
            recurrence.check(event)
    return User(
        id=str(raw["id"]),
        upn=upn,
        mail=mail,
        profile=profile,
        messages=messages,
        events=events,
        fault=dict(raw["fault"]) if raw.get("fault") else None,
        folders=tree,
    )


def _placed(message: Any, tree: FolderTree, own: set[str]) -> dict[str, Any]:
    """``message`` with Graph's ``parentFolderId`` (a folder id) and ``isDraft``: without
    a folder, mail sent by the user is in Sent Items, any other in the Inbox."""
    if not isinstance(message, Mapping):
        raise ValueError("a message must be an object")
    ref = message.get("parentFolderId")
    if ref is None:
        sender = message.get("from") or message.get("sender") or {}
        address = str((sender.get("emailAddress") or {}).get("address") or "").lower()
        ref = "sentitems" if address in own else "inbox"
    folder = tree.resolve(str(ref))
    if folder is None:
        raise ValueError(f"message {message.get('id')}: no mail folder '{ref}'")
    return {**message, "parentFolderId": folder["id"], "isDraft": message.get("isDraft") is True}


class MailboxStore:
    """Users by id, userPrincipalName or mail (case-insensitive)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.users: list[User] = []
        self._index: dict[str, User] = {}
        for raw in data.get("users", []):
            self.put(user_from_entry(raw))

    def put(self, user: User) -> bool:
        """Add ``user``, or replace the user with the same id; returns whether it replaced one.

        Every name of the replaced user stops resolving before the new names are indexed.
        A UPN or mail already used by *another* user raises ``ValueError``.
        """
        for key in (user.upn, user.mail):
            other = self._index.get(key.lower()) if key else None
            if other is not None and other.id.lower() != user.id.lower():
                raise ValueError(f"'{key}' already names user {other.id}")
        old = self._index.get(user.id.lower())
        if old is not None:
            self.users = [u for u in self.users if u is not old]
            self._index = {k: u for k, u in self._index.items() if u is not old}
        self.users.append(user)
        for key in (user.id, user.upn, user.mail):
            if key:
                self._index[key.lower()] = user
        return old is not None

    def find(self, key: str) -> User | None:
        return self._index.get(key.lower())


def load_mailbox(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("users"), list):
        raise ValueError(f"{path}: expected {{'users': [...]}}")
    return data
