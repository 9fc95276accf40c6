"""The in-memory backend: Cosmos DB's containers in process, for tests and local tools.

It keeps the rules of Cosmos DB that the stores rely on, so code tested on it behaves the
same on Azure:
- an item is addressed by (partition key value, id): the same id may exist in two
  partitions, and a read with the wrong partition key is a miss;
- create conflicts with an existing item (AlreadyExistsError); replace and delete need
  one (NotFoundError); a replace with a stale etag fails (PreconditionFailedError);
- every write stores a JSON copy with a new ``_etag`` and ``_ts``; reads return copies,
  so nobody can change a stored item by mutating what they wrote or read;
- the item limits of ``shared.store.limits`` (id, partition key, 2 MB);
- queries as ``shared.store.query.run`` evaluates them (Cosmos DB's equality, ORDER BY
  and TOP semantics);
- every operation yields to the event loop first, so concurrent tasks interleave as
  they would around network calls.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Mapping

from shared.config import CONTAINERS
from shared.exceptions import AlreadyExistsError, NotFoundError, PreconditionFailedError, StoreRejectedError
from shared.store.base import Doc, Query
from shared.store.limits import addressable, check_item
from shared.store.query import run

_UNDEFINED = "undefined"  # the key of items without a partition key value (not valid JSON)
Key = tuple[str, str]  # (partition key value as JSON, id)


def _pk_key(value: object) -> str:
    return json.dumps(value)


class _Container:
    """One container's items, stored as JSON text in the order they were first written."""

    def __init__(self, partition_key_path: str) -> None:
        self.pk_field = partition_key_path.lstrip("/")
        self.items: dict[Key, str] = {}

    def key_of(self, body: Doc) -> Key:
        pk = _pk_key(body[self.pk_field]) if self.pk_field in body else _UNDEFINED
        return pk, str(body["id"])

    def store(self, key: Key, text: str) -> Doc:
        doc: Doc = json.loads(text)
        doc["_etag"] = f'"{uuid.uuid4()}"'
        doc["_ts"] = int(time.time())
        self.items[key] = json.dumps(doc)
        return doc


class MemoryDatabase:
    """The containers of ``shared.config.CONTAINERS`` in memory (see the module docstring)."""

    def __init__(
        self,
        on_operation: Callable[[str], None] | None = None,
        containers: Mapping[str, tuple[str, int | None]] = CONTAINERS,
    ) -> None:
        self._containers = {name: _Container(pk_path) for name, (pk_path, _ttl) in containers.items()}
        self._on_operation = on_operation

    async def _container(self, name: str) -> _Container:
        container = self._containers[name]  # KeyError: not a container of ours
        await asyncio.sleep(0)
        if self._on_operation is not None:
            self._on_operation(name)
        return container

    async def create_item(self, container: str, body: Doc, what: str) -> Doc:
        c = await self._container(container)
        text = check_item(body, c.pk_field, what)
        key = c.key_of(body)
        if key in c.items:
            raise AlreadyExistsError(f"{what} already exists")
        return c.store(key, text)

    async def read_item(self, container: str, item_id: str, partition_key: str, what: str) -> Doc:
        c = await self._container(container)
        text = c.items.get((_pk_key(partition_key), item_id)) if addressable(item_id, partition_key) else None
        if text is None:
            raise NotFoundError(f"{what} not found")
        doc: Doc = json.loads(text)
        return doc

    async def upsert_item(self, container: str, body: Doc, what: str) -> Doc:
        c = await self._container(container)
        text = check_item(body, c.pk_field, what)
        return c.store(c.key_of(body), text)

    async def replace_item(self, container: str, item_id: str, body: Doc, etag: str | None, what: str) -> Doc:
        c = await self._container(container)
        text = check_item(body, c.pk_field, what)
        if body.get("id") != item_id:
            raise StoreRejectedError(f"{what} refused: the body's id is not the id replaced")
        key = c.key_of(body)
        current = c.items.get(key)
        if current is None:
            raise NotFoundError(f"{what} not found")
        if etag is not None and json.loads(current).get("_etag") != etag:
            raise PreconditionFailedError(f"{what} changed concurrently")
        return c.store(key, text)

    async def delete_item(self, container: str, item_id: str, partition_key: str, what: str) -> None:
        c = await self._container(container)
        key = (_pk_key(partition_key), item_id)
        if not addressable(item_id, partition_key) or key not in c.items:
            raise NotFoundError(f"{what} not found")
        del c.items[key]

    async def query(self, container: str, query: Query, what: str) -> list[Doc]:
        c = await self._container(container)
        pk = None if query.partition_key is None else _pk_key(query.partition_key)
        docs = (json.loads(text) for (item_pk, _), text in c.items.items() if pk in (None, item_pk))
        return run(query, docs)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None
