"""The rule that keeps the OpenAPI links complete, as a function over a document.

An id is a path parameter whose name ends in ``Id`` (``trackingId``, ``activityId``,
``recordId``, …). Wherever a success response carries a property of that name (at any
depth: nested objects, array items) and every other id the operation needs (the record's
``entityType``/``recordId`` excepted: a request or a ``regarding`` names the record), the
response must link to every other operation that takes the parameter, mapping all of that
operation's path parameters; and every link must
name an operation of the document and only its parameters. So an operation added without
the links its answers imply (or whose id no existing answer links to) is reported, and the
stateful phase of the fuzz run can walk it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

METHODS = ("get", "put", "post", "delete", "patch")


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def _path_params(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}


def _property_names(
    document: dict[str, Any], schema: dict[str, Any], seen: frozenset[str] = frozenset()
) -> set[str]:
    ref = schema.get("$ref")
    if ref is not None:
        if ref in seen:
            return set()
        name = ref.rsplit("/", 1)[1]
        return _property_names(document, document["components"]["schemas"][name], seen | {ref})
    names = set(schema.get("properties", {}))
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", []), *schema.get("oneOf", [])]
    children += [
        *schema.get("allOf", []),
        *([schema["items"]] if isinstance(schema.get("items"), dict) else []),
    ]
    for child in children:
        names |= _property_names(document, child, seen)
    return names


def link_problems(document: dict[str, Any]) -> list[str]:
    """Every missing or broken link of ``document``, one sentence each (empty: complete)."""
    ops = {op["operationId"]: (method, path, op) for method, path, op in _operations(document)}
    takers: dict[str, list[str]] = {}
    for op_id, (_, _, op) in ops.items():
        for name in _path_params(op):
            if name.endswith("Id"):
                takers.setdefault(name, []).append(op_id)
    problems = []
    for op_id, (method, path, op) in ops.items():
        for status, response in op["responses"].items():
            if status.startswith("2"):
                where = f"{method.upper()} {path} {status} ({op_id})"
                problems += _broken_links(where, response.get("links", {}), ops)
                problems += _missing_links(document, where, op_id, response, ops, takers)
    return problems


def _broken_links(where: str, links: dict[str, Any], ops: dict[str, Any]) -> list[str]:
    out = []
    for name, link in links.items():
        target = ops.get(link.get("operationId", ""))
        if target is None:
            out.append(f"{where} link {name}: no operation {link.get('operationId')!r}")
            continue
        extra = set(link.get("parameters", {})) - _path_params(target[2]) - _query_params(target[2])
        if extra:
            out.append(f"{where} link {name}: {sorted(extra)} are not parameters of {link['operationId']}")
    return out


def _missing_links(
    document: dict[str, Any],
    where: str,
    op_id: str,
    response: dict[str, Any],
    ops: dict[str, Any],
    takers: dict[str, list[str]],
) -> list[str]:
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    carried = _property_names(document, schema) if schema else set()
    links = response.get("links", {}).values()
    out = []
    for name in sorted(carried & set(takers)):
        for target in (t for t in takers[name] if t != op_id):
            needed = _path_params(ops[target][2])
            ids = {p for p in needed if p.endswith("Id") and p != "recordId"}
            if not ids <= carried:
                continue  # e.g. an attachment id only the activity's own answer lists
            if not any(
                link.get("operationId") == target and needed <= set(link.get("parameters", {}))
                for link in links
            ):
                out.append(
                    f"{where} carries {name!r}, which {target} takes: "
                    f"add a link to {target} mapping {sorted(needed)} (shared/api/links.py)"
                )
    return out


def _query_params(op: dict[str, Any]) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
