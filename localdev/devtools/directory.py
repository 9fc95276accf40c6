"""Local mode only: the user directory behind ``/dev/token`` and ``/dev/directory``.

The users are those of the local mailbox file (``AUTOCAPTURE_MAILBOX``): a dev token's
``oid`` is the Graph ``id`` of the mailbox user whose ``userPrincipalName`` (or
``mail``) is the requested user, so the local Graph server finds that user's mailbox.
Their roles and groups are the demo ones (``localdev.demo.USERS``, by UPN); anyone else
has none. A user missing from the file (or no file) gets ``derive_user_oid(upn)``:
stable, but with no mailbox behind it. The records are the first
``MAX_DIRECTORY_RECORDS`` lines of the records file (``AUTOCAPTURE_RECORDS``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localdev.demo import USERS as DEMO_USERS
from localdev.devtools.schemas import MAX_DIRECTORY_RECORDS
from localdev.devtools.tokens import derive_user_oid
from shared.exceptions import AutoCaptureError

_DEMO_ACCESS = {u.upn.lower(): (u.roles, u.groups) for u in DEMO_USERS}


@dataclass(frozen=True)
class DirectoryUser:
    """A mailbox user as the local directory knows them."""

    oid: str
    upn: str
    name: str
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    mail: str = ""


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _user(entry: dict[str, Any]) -> DirectoryUser:
    mail = _text(entry.get("mail"))
    upn = _text(entry.get("userPrincipalName")) or mail
    roles, groups = _DEMO_ACCESS.get(upn.lower(), ((), ()))
    name = _text(entry.get("displayName")) or upn
    return DirectoryUser(entry["id"], upn, name, roles, groups, mail)


@functools.lru_cache(maxsize=4)
def _load_users(path: str, mtime_ns: int) -> tuple[DirectoryUser, ...]:
    del mtime_ns  # part of the cache key only: an edited file is read again
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    entries = document.get("users", []) if isinstance(document, dict) else []
    return tuple(
        _user(entry)
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("id"), str)
    )


def _read[T](load: Callable[[str, int], tuple[T, ...]], path: str, what: str) -> tuple[T, ...]:
    """``load(path, mtime)``: cached while the file is unchanged; nothing without a path.

    A file that cannot be read (missing, unreadable, not JSON) is an ``AutoCaptureError``.
    """
    if not path:
        return ()
    try:
        return load(path, Path(path).stat().st_mtime_ns)
    except (OSError, ValueError) as exc:
        raise AutoCaptureError(f"the local {what} file cannot be read ({type(exc).__name__})") from exc


def list_users(mailbox_path: str) -> tuple[DirectoryUser, ...]:
    """Every user of the mailbox file (none without a file)."""
    return _read(_load_users, mailbox_path, "mailbox")


def find_user(mailbox_path: str, upn: str) -> DirectoryUser:
    """The directory entry for ``upn`` (its UPN or mail), or a derived one with no roles."""
    key = upn.strip().lower()
    for user in list_users(mailbox_path):
        if key in (user.upn.lower(), user.mail.lower()):
            return user
    return DirectoryUser(derive_user_oid(key), upn.strip(), upn.strip())


@dataclass(frozen=True)
class DirectoryRecord:
    entity_type: str
    id: str
    name: str


@functools.lru_cache(maxsize=4)
def _load_records(path: str, mtime_ns: int) -> tuple[DirectoryRecord, ...]:
    del mtime_ns
    records: list[DirectoryRecord] = []
    with Path(path).open(encoding="utf-8") as lines:
        for line in lines:
            if len(records) >= MAX_DIRECTORY_RECORDS:
                break
            try:
                raw = json.loads(line)
            except ValueError:
                continue
            if isinstance(raw, dict) and all(
                isinstance(raw.get(k), str) for k in ("entityType", "id", "name")
            ):
                records.append(DirectoryRecord(raw["entityType"], raw["id"], raw["name"]))
    return tuple(records)


def list_records(records_path: str) -> tuple[DirectoryRecord, ...]:
    """The first ``MAX_DIRECTORY_RECORDS`` records of the records file (none without one)."""
    return _read(_load_records, records_path, "records")
