"""Cosmos DB's item limits, checked before a write by every backend. Pure.

The emulator (``@vercel/cosmosdb-server``) enforces none of them, so the Cosmos backend
checks them itself and the memory backend refuses exactly the same items:
- an item id is a non-empty string of at most 255 characters without ``/ \\ ? #``;
- a partition key value is at most 2 KB (UTF-8);
- an item is at most 2 MB, measured as azure-cosmos serializes it: compact JSON with
  every non-ASCII character escaped as ``\\uXXXX`` (so "é" costs 6 bytes, not 2). The SDK
  writes compact UTF-8 only when a client opts in (``enable_compact_utf8_item_writes``),
  and ours does not.

A read or delete of an id or partition key that could never have been written is a
plain miss (NotFoundError), never a request sent to the service.
"""

from __future__ import annotations

import json
from typing import Any

from shared.exceptions import ItemTooLargeError, StoreRejectedError

MAX_ID_CHARS = 255
FORBIDDEN_ID_CHARS = frozenset("/\\?#")
MAX_PARTITION_KEY_BYTES = 2 * 1024
MAX_ITEM_BYTES = 2 * 1024 * 1024


def id_problem(item_id: object) -> str | None:
    """Why Cosmos DB would refuse this item id, or None if it is acceptable."""
    if not isinstance(item_id, str) or not item_id:
        return "an item id must be a non-empty string"
    if len(item_id) > MAX_ID_CHARS:
        return f"an item id is at most {MAX_ID_CHARS} characters"
    if FORBIDDEN_ID_CHARS.intersection(item_id):
        return "an item id must not contain /, \\, ? or #"
    return None


def partition_key_problem(value: object) -> str | None:
    """Why Cosmos DB would refuse this partition key value, or None."""
    size = len(value.encode("utf-8")) if isinstance(value, str) else len(json.dumps(value))
    if size > MAX_PARTITION_KEY_BYTES:
        return f"a partition key value is at most {MAX_PARTITION_KEY_BYTES} bytes"
    return None


def addressable(item_id: object, partition_key: object) -> bool:
    """Whether an item could exist under this id and partition key (else a read is a miss)."""
    return id_problem(item_id) is None and partition_key_problem(partition_key) is None


def serialize(body: dict[str, Any]) -> str:
    """The item as azure-cosmos sends it (compact, non-ASCII escaped); StoreRejectedError if not JSON."""
    try:
        return json.dumps(body, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreRejectedError("the item is not valid JSON") from exc


def check_item(body: dict[str, Any], partition_key_field: str, what: str) -> str:
    """Raise StoreRejectedError / ItemTooLargeError unless Cosmos DB accepts the item;
    return it serialized."""
    problem = id_problem(body.get("id"))
    if problem is None and partition_key_field in body:
        problem = partition_key_problem(body[partition_key_field])
    if problem is not None:
        raise StoreRejectedError(f"{what} refused: {problem}")
    text = serialize(body)
    if len(text.encode("utf-8")) > MAX_ITEM_BYTES:
        raise ItemTooLargeError(f"{what} is larger than {MAX_ITEM_BYTES // (1024 * 1024)} MB")
    return text
