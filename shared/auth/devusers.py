"""Local mode only: the ``/dev/token`` request and the user directory behind it.

The directory is the local mailbox file (``AUTOCAPTURE_MAILBOX``, docs/formats.md): a dev
token's ``oid`` is the Graph ``id`` of the mailbox user whose ``userPrincipalName`` (or
``mail``) is the requested user, so the local Graph server finds that user's mailbox.
A user missing from the file (or no file) gets ``derive_user_oid(upn)``: stable, but
with no mailbox behind it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.auth.devtokens import derive_user_oid
from shared.auth.principal import KNOWN_ROLES
from shared.exceptions import AutoCaptureError, ValidationError

MAX_GROUPS = 50
_UPN = re.compile(r"[^\s@]{1,64}@[^\s@]{1,190}")
_GROUP = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True)
class DevTokenRequest:
    """A validated ``POST /dev/token`` body."""

    user: str
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryUser:
    """A mailbox user as the local directory knows them."""

    oid: str
    upn: str
    name: str


def _string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("must be a list of strings", field=name)
    return value


def parse_token_request(body: object) -> DevTokenRequest:
    """Validate the body strictly: known keys, a UPN, known roles, short group ids."""
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object")
    unknown = sorted(set(body) - {"user", "roles", "groups"})
    if unknown:
        raise ValidationError(f"unknown field(s) {', '.join(unknown)}")
    user = body.get("user")
    if not isinstance(user, str) or not _UPN.fullmatch(user.strip()):
        raise ValidationError("must be a user principal name like alice@contoso.com", field="user")
    roles = _string_list(body, "roles")
    if not set(roles) <= KNOWN_ROLES:  # the detail never echoes the input back
        raise ValidationError(f"each role must be one of {', '.join(sorted(KNOWN_ROLES))}", "roles")
    groups = _string_list(body, "groups")
    if len(groups) > MAX_GROUPS or not all(_GROUP.fullmatch(g) for g in groups):
        detail = f"at most {MAX_GROUPS} ids, each 1-64 letters, digits or . _ : -"
        raise ValidationError(detail, field="groups")
    return DevTokenRequest(user.strip(), tuple(sorted(set(roles))), tuple(sorted(set(groups))))


@functools.lru_cache(maxsize=4)
def _load_directory(path: str, mtime_ns: int) -> dict[str, DirectoryUser]:
    del mtime_ns  # part of the cache key only: an edited file is read again
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    users = document.get("users", []) if isinstance(document, dict) else []
    directory: dict[str, DirectoryUser] = {}
    for entry in users if isinstance(users, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        upn = str(entry.get("userPrincipalName") or entry.get("mail") or "")
        user = DirectoryUser(entry["id"], upn, str(entry.get("displayName") or upn))
        for address in (entry.get("userPrincipalName"), entry.get("mail")):
            if isinstance(address, str) and address.strip():
                directory.setdefault(address.strip().lower(), user)
    return directory


def find_user(mailbox_path: str, upn: str) -> DirectoryUser:
    """The directory entry for ``upn``, or a derived one when unknown or no file is set."""
    key = upn.strip().lower()
    if mailbox_path:
        path = Path(mailbox_path)
        try:
            directory = _load_directory(str(path), path.stat().st_mtime_ns)
        except (OSError, ValueError) as exc:
            raise AutoCaptureError(f"the local mailbox file cannot be read ({type(exc).__name__})") from exc
        if key in directory:
            return directory[key]
    return DirectoryUser(derive_user_oid(key), upn.strip(), upn.strip())
