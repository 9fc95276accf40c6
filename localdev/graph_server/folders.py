"""A mailbox's folder tree as Graph shows it: well-known folders (addressable by name)
and the user's own, from the mailbox file's optional ``mailFolders`` (docs/formats.md).

Every well-known folder exists, listed or not (Exchange creates them); a listed entry
with ``wellKnownName`` gives that folder its id and name. A ``parentFolderId`` may be a
folder id or a well-known name. Graph never answers a well-known name as an id: every
``parentFolderId`` it returns is the folder's id.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

#: Well-known name -> (display name, parent's well-known name, hidden).
WELL_KNOWN: Mapping[str, tuple[str, str, bool]] = MappingProxyType(
    {
        "root": ("Root", "", True),
        "msgfolderroot": ("Top of Information Store", "root", False),
        "inbox": ("Inbox", "msgfolderroot", False),
        "sentitems": ("Sent Items", "msgfolderroot", False),
        "drafts": ("Drafts", "msgfolderroot", False),
        "deleteditems": ("Deleted Items", "msgfolderroot", False),
        "junkemail": ("Junk Email", "msgfolderroot", False),
        "outbox": ("Outbox", "msgfolderroot", False),
        "archive": ("Archive", "msgfolderroot", False),
        "conversationhistory": ("Conversation History", "msgfolderroot", False),
        "clutter": ("Clutter", "msgfolderroot", True),
        "scheduled": ("Scheduled", "msgfolderroot", False),
        "syncissues": ("Sync Issues", "msgfolderroot", False),
        "conflicts": ("Conflicts", "syncissues", False),
        "localfailures": ("Local Failures", "syncissues", False),
        "serverfailures": ("Server Failures", "syncissues", False),
        "searchfolders": ("Finder", "root", False),
        "recoverableitemsdeletions": ("Deletions", "root", True),
    }
)
FOLDER_KEYS = ("id", "displayName", "wellKnownName", "parentFolderId", "isHidden")


def well_known_id(name: str) -> str:
    """The id of a well-known folder the mailbox file does not list (stable, id-like)."""
    return "AQMkAD" + base64.urlsafe_b64encode(f"wellknown:{name}".encode()).decode().rstrip("=") + "AAA="


class FolderTree:
    """Folders by id, and the well-known names."""

    def __init__(self, entries: Iterable[Mapping[str, Any]] = ()) -> None:
        self.by_name: dict[str, str] = {n: well_known_id(n) for n in WELL_KNOWN}
        raw: dict[str, dict[str, Any]] = {
            name: {"displayName": display, "parentFolderId": parent, "isHidden": hidden}
            for name, (display, parent, hidden) in WELL_KNOWN.items()
        }
        own = [self._entry(entry, raw) for entry in entries]
        self.folders: dict[str, dict[str, Any]] = {}
        for name, entry in raw.items():
            self._add({**entry, "id": self.by_name[name]})
        for entry in (e for e in own if e is not None):
            if entry["id"] in self.folders:
                raise ValueError(f"mail folder id {entry['id']} is used twice")
            self._add(entry)
        for folder in self.folders.values():
            parent = folder["parentFolderId"]
            resolved = self.resolve(parent) if parent else folder
            if resolved is None:
                raise ValueError(f"mail folder {folder['id']}: no parent folder '{parent}'")
            folder["parentFolderId"] = resolved["id"] if parent else ""

    def _entry(self, entry: Mapping[str, Any], raw: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
        """A listed folder: a user's folder (returned), or a well-known one (merged into ``raw``)."""
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str) or not entry["id"]:
            raise ValueError("a mail folder needs a string 'id'")
        unknown = set(entry) - set(FOLDER_KEYS)
        if unknown:
            raise ValueError(f"mail folder {entry['id']}: unknown keys {sorted(unknown)}")
        name = entry.get("wellKnownName")
        if name is None:
            return {"parentFolderId": "msgfolderroot", "isHidden": False, **entry}
        name = str(name).lower()
        if name not in WELL_KNOWN:
            raise ValueError(f"mail folder {entry['id']}: '{name}' is not a well-known folder name")
        self.by_name[name] = entry["id"]
        raw[name] = {**raw[name], **{k: v for k, v in entry.items() if k != "wellKnownName"}}
        return None

    def _add(self, entry: Mapping[str, Any]) -> None:
        self.folders[entry["id"]] = {
            "id": entry["id"],
            "displayName": str(entry.get("displayName", entry["id"])),
            "parentFolderId": str(entry.get("parentFolderId") or ""),
            "childFolderCount": 0,
            "unreadItemCount": 0,
            "totalItemCount": 0,
            "isHidden": entry.get("isHidden") is True,
        }

    def resolve(self, ref: str) -> dict[str, Any] | None:
        """The folder with id ``ref``, or the well-known folder named ``ref``."""
        folder = self.folders.get(ref)
        if folder is None and ref.lower() in self.by_name:
            folder = self.folders.get(self.by_name[ref.lower()])
        return folder

    def count(self, messages: Iterable[Mapping[str, Any]]) -> None:
        """Fill in the item and child counts Graph reports."""
        for folder in self.folders.values():
            parent = self.folders.get(folder["parentFolderId"])
            if parent is not None:
                parent["childFolderCount"] += 1
        for message in messages:
            folder = self.folders[message["parentFolderId"]]
            folder["totalItemCount"] += 1
            folder["unreadItemCount"] += 0 if message.get("isRead") else 1

    def children(self, folder_id: str, hidden: bool) -> list[dict[str, Any]]:
        return [
            f
            for f in self.folders.values()
            if f["parentFolderId"] == folder_id and (hidden or not f["isHidden"])
        ]
