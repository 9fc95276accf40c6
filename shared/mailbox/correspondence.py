"""Which mailbox items are correspondence, and why each other one is left out. Pure.

Suggestions come only from mail in the Inbox and its subfolders, Sent Items, Archive
and the user's own folders (any folder under the top of the mailbox that is not one of
Outlook's other well-known folders), never from a draft, never from a hidden folder
(where Teams keeps chats for compliance); and from meetings that are not cancelled, not
private or confidential, and not declined by the owner. ``sift`` returns both sides, so
the page can say why an item that involves a record's addresses is not shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from shared.model import MailItem
from shared.rules.windows import EMAIL_WINDOW, MEETING_WINDOW

ROOT = "msgfolderroot"
#: Well-known folders (and their subfolders) whose mail is correspondence.
ALLOWED = ("inbox", "sentitems", "archive")
#: Well-known folders (and their subfolders) whose mail never is.
EXCLUDED = (
    "drafts",
    "deleteditems",
    "junkemail",
    "outbox",
    "conversationhistory",
    "syncissues",
    "clutter",
    "scheduled",
)
WELL_KNOWN = (ROOT, *ALLOWED, *EXCLUDED)

# Why an item is left out.
OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
FOLDER = "FOLDER"
DRAFT = "DRAFT"
CANCELLED = "CANCELLED"
PRIVATE = "PRIVATE"
DECLINED = "DECLINED"
PRIVATE_SENSITIVITY = ("private", "confidential")
#: Folders walked up from a message's folder before giving up (a cycle, a broken tree).
MAX_DEPTH = 16


@dataclass(frozen=True)
class Folder:
    """What the filter needs of a Graph ``mailFolder``."""

    id: str
    parent_id: str
    hidden: bool = False


@dataclass(frozen=True)
class FolderMap:
    """One mailbox's well-known folder ids (name -> id) and the folders looked up so far."""

    well_known: Mapping[str, str] = field(default_factory=dict)
    folders: Mapping[str, Folder] = field(default_factory=dict)

    def _name(self, folder_id: str) -> str | None:
        for name, known in self.well_known.items():
            if known == folder_id:
                return name
        lowered = folder_id.lower()
        return lowered if lowered in WELL_KNOWN else None

    def verdict(self, folder_id: str) -> tuple[str | None, str | None]:
        """``(reason, unknown)``: ``FOLDER`` or None once decided, else the id of the first
        folder on the way up that must be looked up (``unknown``)."""
        current, previous = folder_id, ""
        for _ in range(MAX_DEPTH):
            name = self._name(current)
            if name in ALLOWED:
                return None, None
            if name in EXCLUDED:
                return FOLDER, None
            if name == ROOT:  # reached the top through folders of the user's own
                return (None, None) if previous else (FOLDER, None)
            folder = self.folders.get(current)
            if folder is None:
                return None, current
            if folder.hidden or not folder.parent_id:
                return FOLDER, None
            previous, current = current, folder.parent_id
        return FOLDER, None

    def unknown(self, folder_ids: Iterable[str]) -> set[str]:
        """The folders to look up before every one of ``folder_ids`` can be decided."""
        return {u for f in folder_ids if f for _, u in [self.verdict(f)] if u is not None}


@dataclass(frozen=True)
class LeftOut:
    """A mailbox item that involves the record's addresses but is not suggested."""

    item: MailItem
    reason: str


def reason(item: MailItem, folders: FolderMap, now: datetime) -> str | None:
    """Why ``item`` is not correspondence to suggest, or None when it is.

    An email without a folder id (a payload without ``parentFolderId``) is judged by
    its other fields only; one whose folder is still unknown counts as left out.
    """
    if item.kind == "email":
        if item.occurred_at < now - EMAIL_WINDOW:
            return OUTSIDE_WINDOW
        if item.is_draft:
            return DRAFT
        if not item.folder_id:
            return None
        verdict, unknown = folders.verdict(item.folder_id)
        return FOLDER if unknown is not None else verdict
    if not now - MEETING_WINDOW <= item.occurred_at <= now + MEETING_WINDOW:
        return OUTSIDE_WINDOW
    if item.is_cancelled:
        return CANCELLED
    if item.sensitivity in PRIVATE_SENSITIVITY:
        return PRIVATE
    if item.response == "declined":
        return DECLINED
    return None


def sift(
    items: Iterable[MailItem], folders: FolderMap, now: datetime
) -> tuple[list[MailItem], list[LeftOut]]:
    """``items`` split into the correspondence to suggest and the rest, with reasons."""
    kept: list[MailItem] = []
    left_out: list[LeftOut] = []
    for item in items:
        why = reason(item, folders, now)
        if why is None:
            kept.append(item)
        else:
            left_out.append(LeftOut(item, why))
    return kept, left_out
