"""Per-mailbox folder knowledge for the correspondence filter, fetched from Graph once.

Well-known folder ids never change for a mailbox: they are fetched once per mailbox
and process (``GET /users/{id}/mailFolders/{name}?$select=id``, one per name of
``correspondence.WELL_KNOWN``, concurrently). Other folders are looked up only when a
candidate sits in one not yet known (``GET .../mailFolders/{id}?$select=id,parentFolderId,isHidden``),
walking up to a known folder, and kept ``FOLDER_TTL`` seconds (a folder can be moved,
e.g. into Deleted Items). The cache is owned by the connector's ``MailboxLimiter``
(one per process), never by a module.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from shared.mailbox.correspondence import MAX_DEPTH, WELL_KNOWN, Folder, FolderMap

FOLDER_TTL = 3600.0
WellKnownFetcher = Callable[[str], Awaitable[str | None]]
FolderFetcher = Callable[[str], Awaitable[Folder | None]]


@dataclass
class _Mailbox:
    well_known: dict[str, str] | None = None
    folders: dict[str, tuple[Folder, float]] = field(default_factory=dict)


class FolderCache:
    """What one process knows of each mailbox's folders (bounded, least recently used out)."""

    def __init__(
        self,
        ttl: float = FOLDER_TTL,
        max_mailboxes: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl, self._max, self._clock = ttl, max_mailboxes, clock
        self._boxes: OrderedDict[str, _Mailbox] = OrderedDict()

    def _box(self, owner_id: str) -> _Mailbox:
        key = owner_id.lower()
        box = self._boxes.get(key)
        if box is None:
            box = self._boxes[key] = _Mailbox()
            while len(self._boxes) > self._max:
                self._boxes.popitem(last=False)
        else:
            self._boxes.move_to_end(key)
        return box

    def known(self, owner_id: str) -> bool:
        return self._box(owner_id).well_known is not None

    def snapshot(self, owner_id: str) -> FolderMap:
        box, now = self._box(owner_id), self._clock()
        live = {k: f for k, (f, expires) in box.folders.items() if expires > now}
        return FolderMap(dict(box.well_known or {}), live)

    def put_well_known(self, owner_id: str, ids: dict[str, str]) -> None:
        self._box(owner_id).well_known = dict(ids)

    def put(self, owner_id: str, folders: Iterable[Folder]) -> None:
        box, expires = self._box(owner_id), self._clock() + self._ttl
        for folder in folders:
            box.folders[folder.id] = (folder, expires)


async def prime(cache: FolderCache, owner_id: str, fetch: WellKnownFetcher) -> None:
    """Fetch the well-known folder ids of ``owner_id`` unless already known."""
    if cache.known(owner_id):
        return
    ids = await asyncio.gather(*(fetch(name) for name in WELL_KNOWN))
    cache.put_well_known(owner_id, {n: i for n, i in zip(WELL_KNOWN, ids, strict=True) if i})


async def resolve(
    cache: FolderCache, owner_id: str, folder_ids: Iterable[str], fetch: FolderFetcher
) -> FolderMap:
    """A ``FolderMap`` that decides every one of ``folder_ids``, looking up what is missing
    (one request per unknown folder, a level at a time, concurrently)."""
    wanted = {f for f in folder_ids if f}
    for _ in range(MAX_DEPTH):
        unknown = cache.snapshot(owner_id).unknown(wanted)
        if not unknown:
            break
        found = await asyncio.gather(*(fetch(folder_id) for folder_id in sorted(unknown)))
        # A folder Graph no longer has is kept as hidden, so its mail is left out.
        cache.put(
            owner_id, [f or Folder(i, "", hidden=True) for i, f in zip(sorted(unknown), found, strict=True)]
        )
    return cache.snapshot(owner_id)
