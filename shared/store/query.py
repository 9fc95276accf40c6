"""``Query`` as Cosmos DB SQL, and the same query run over documents in memory. Pure.

``to_sql`` is what the Cosmos backend sends; ``run`` is what the memory backend does, with
Cosmos DB's semantics for the parts the stores rely on:
- ``c.f = v`` is false when the document has no ``f`` (undefined), and values compare by
  JSON type: ``true`` is not ``1``, ``1`` is ``1.0``;
- ``ORDER BY`` sorts mixed types as undefined < null < booleans < numbers < strings <
  arrays < objects (descending reverses it), strings by code point; ties keep no promised
  order (here: the order of writing);
- ``c.f < v`` compares numbers with numbers and strings with strings (by code point),
  and is false for any other pair;
- a participant clause lower-cases the stored address (``LOWER``) and compares it;
- ``TOP n`` keeps the first ``n`` after ordering;
- a projection returns only the listed fields a document has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from types import MappingProxyType
from typing import Any

from shared.store.base import Doc, Query

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _field(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a plain field name: {name!r}")
    return f"c.{name}"


def _projected(name: str) -> str:
    """A field quoted (projections, participants): ``c.from`` is a syntax error (FROM is a
    keyword), ``c["from"]`` is not."""
    _field(name)
    return f'c["{name}"]'


def to_sql(query: Query) -> tuple[str, list[dict[str, Any]]]:
    """The SQL text and its parameters (``[{"name": "@p0", "value": ...}]``).

    A single-partition query's partition travels with the request, not in the SQL: the
    caller passes ``query.partition_key`` to the SDK, which runs the query in it.
    """
    params: list[dict[str, Any]] = []

    def param(value: object) -> str:
        name = f"@p{len(params)}"
        params.append({"name": name, "value": value})
        return name

    top = f"TOP {param(query.top)} " if query.top is not None else ""
    select = "*" if query.fields is None else ", ".join(_projected(f) for f in query.fields)
    where = [f"{_field(name)} = {param(value)}" for name, value in query.equals.items()]
    if query.within is not None:
        name, values = query.within
        where.append(f"ARRAY_CONTAINS({param(list(values))}, {_field(name)})")
    if query.before is not None:
        name, value = query.before
        where.append(f"{_field(name)} < {param(value)}")
    if query.holds is not None:
        name, value = query.holds
        where.append(f"ARRAY_CONTAINS({_field(name)}, {param(value)})")
    if query.participant is not None:
        where.append(_participant_sql(*query.participant, param))
    # Values travel as parameters; field names are checked to be plain identifiers (_field).
    sql = f"SELECT {top}{select} FROM c"  # noqa: S608
    if where:
        sql += " WHERE " + " AND ".join(where)
    if query.order_by is not None:
        sql += f" ORDER BY {_field(query.order_by)} {'DESC' if query.descending else 'ASC'}"
    return sql, params


def _participant_sql(
    address: str, objects: tuple[str, ...], arrays: tuple[str, ...], param: Callable[[object], str]
) -> str:
    """``(LOWER(c["from"].address) = @a OR EXISTS(SELECT VALUE p FROM p IN c["to"] WHERE ...))``.

    Bracket notation: ``from`` is a reserved word of Cosmos DB SQL.
    """
    a = param(address.lower())
    terms = [f"LOWER({_projected(f)}.address) = {a}" for f in objects]
    # The address travels as a parameter; field names are checked to be plain identifiers.
    terms += [
        f"EXISTS(SELECT VALUE p FROM p IN {_projected(f)} WHERE LOWER(p.address) = {a})"  # noqa: S608
        for f in arrays
    ]
    if not terms:
        raise ValueError("a participant clause needs at least one field")
    return "(" + " OR ".join(terms) + ")"


_MISSING = object()


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def json_equal(left: object, right: object) -> bool:
    """Cosmos DB equality of two JSON values (no coercion between types)."""
    if _kind(left) != _kind(right):
        return False
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    return left == right


_RANK = MappingProxyType(
    {"undefined": 0, "null": 1, "boolean": 2, "number": 3, "string": 4, "array": 5, "object": 6}
)


def _sort_key(value: object) -> tuple[int, Any]:
    if value is _MISSING:
        return (_RANK["undefined"], 0)
    kind = _kind(value)
    if kind in ("null", "array", "object"):
        return (_RANK[kind], json.dumps(value, sort_keys=True))
    return (_RANK[kind], value)


def _less(left: object, right: object) -> bool:
    kind = _kind(left)
    if kind != _kind(right) or kind not in ("number", "string"):
        return False
    return bool(left < right)  # type: ignore[operator]


def _address_is(participant: object, address: str) -> bool:
    return (
        isinstance(participant, dict)
        and isinstance(participant.get("address"), str)
        and (participant["address"].lower() == address)
    )


def _takes_part(doc: Doc, address: str, objects: tuple[str, ...], arrays: tuple[str, ...]) -> bool:
    address = address.lower()
    if any(_address_is(doc.get(f), address) for f in objects):
        return True
    return any(isinstance(doc.get(f), list) and any(_address_is(p, address) for p in doc[f]) for f in arrays)


def _matches(query: Query, doc: Doc) -> bool:
    for name, value in query.equals.items():
        if name not in doc or not json_equal(doc[name], value):
            return False
    if query.within is not None:
        name, values = query.within
        if name not in doc or not any(json_equal(doc[name], v) for v in values):
            return False
    if query.before is not None:
        name, value = query.before
        if name not in doc or not _less(doc[name], value):
            return False
    if query.holds is not None:
        name, value = query.holds
        if not isinstance(doc.get(name), list) or not any(json_equal(v, value) for v in doc[name]):
            return False
    return query.participant is None or _takes_part(doc, *query.participant)


def run(query: Query, docs: Iterable[Doc]) -> list[Doc]:
    """The query over ``docs`` (already narrowed to the partition, if it names one)."""
    found = [doc for doc in docs if _matches(query, doc)]
    if query.order_by is not None:
        name = query.order_by
        found.sort(key=lambda d: _sort_key(d.get(name, _MISSING)), reverse=query.descending)
    if query.top is not None:
        found = found[: query.top]
    if query.fields is not None:
        found = [{f: doc[f] for f in query.fields if f in doc} for doc in found]
    return found
