"""OData query options with Graph's rules: ``$select``, ``$top``, ``$skip``/``$skiptoken``,
the ``$filter`` forms Exchange accepts, ``$orderby`` (InefficientFilter rule), ``$search``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from localdev.graph_server.errors import GraphError, bad_query, invalid_filter
from localdev.graph_server.kql import compile_search

Item = Mapping[str, Any]
MAX_TOP = 1000
DEFAULT_TOP = 10

MESSAGE_PROPS = frozenset(
    [
        "id",
        "bccRecipients",
        "body",
        "bodyPreview",
        "categories",
        "ccRecipients",
        "changeKey",
        "conversationId",
        "conversationIndex",
        "createdDateTime",
        "flag",
        "from",
        "hasAttachments",
        "importance",
        "inferenceClassification",
        "internetMessageHeaders",
        "internetMessageId",
        "isDeliveryReceiptRequested",
        "isDraft",
        "isRead",
        "isReadReceiptRequested",
        "lastModifiedDateTime",
        "parentFolderId",
        "receivedDateTime",
        "replyTo",
        "sender",
        "sentDateTime",
        "subject",
        "toRecipients",
        "uniqueBody",
        "webLink",
        "meetingMessageType",
    ]
)
EVENT_PROPS = frozenset(
    [
        "id",
        "allowNewTimeProposals",
        "attendees",
        "body",
        "bodyPreview",
        "categories",
        "changeKey",
        "createdDateTime",
        "end",
        "hasAttachments",
        "hideAttendees",
        "iCalUId",
        "importance",
        "isAllDay",
        "isCancelled",
        "isDraft",
        "isOnlineMeeting",
        "isOrganizer",
        "isReminderOn",
        "lastModifiedDateTime",
        "location",
        "locations",
        "onlineMeeting",
        "onlineMeetingProvider",
        "onlineMeetingUrl",
        "organizer",
        "originalEndTimeZone",
        "originalStart",
        "originalStartTimeZone",
        "recurrence",
        "reminderMinutesBeforeStart",
        "responseRequested",
        "responseStatus",
        "sensitivity",
        "seriesMasterId",
        "showAs",
        "start",
        "subject",
        "transactionId",
        "type",
        "webLink",
    ]
)
ATTACHMENT_PROPS = frozenset(
    [
        "id",
        "contentType",
        "isInline",
        "lastModifiedDateTime",
        "name",
        "size",
        "contentBytes",
        "contentId",
        "contentLocation",
    ]
)
MAILFOLDER_PROPS = frozenset(
    [
        "id",
        "displayName",
        "parentFolderId",
        "childFolderCount",
        "unreadItemCount",
        "totalItemCount",
        "isHidden",
    ]
)
USER_PROPS = frozenset(
    [
        "id",
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "proxyAddresses",
        "accountEnabled",
    ]
)
#: $filter paths Exchange accepts per entity (recipient collections are not filterable).
FILTERABLE = {
    "message": frozenset(
        [
            "receivedDateTime",
            "sentDateTime",
            "createdDateTime",
            "lastModifiedDateTime",
            "subject",
            "isRead",
            "isDraft",
            "hasAttachments",
            "importance",
            "conversationId",
            "internetMessageId",
            "parentFolderId",
            "from/emailAddress/address",
            "sender/emailAddress/address",
            "from/emailAddress/name",
        ]
    ),
    "event": frozenset(
        [
            "start/dateTime",
            "end/dateTime",
            "subject",
            "isCancelled",
            "isAllDay",
            "iCalUId",
            "type",
            "showAs",
            "organizer/emailAddress/address",
            "createdDateTime",
            "lastModifiedDateTime",
        ]
    ),
    "attachment": frozenset(["name", "size", "contentType", "isInline"]),
}
CLAUSE = re.compile(
    r"^\s*(?P<path>[A-Za-z][\w/]*)\s+(?P<op>eq|ne|gt|ge|lt|le)\s+"
    r"(?P<value>'(?:[^']|'')*'|true|false|null|-?\d+(?:\.\d+)?|\d{4}-\d{2}-\d{2}(?:T[\d:.]+)?(?:Z|[+-]\d{2}:\d{2})?)\s*$"
)
LAMBDA = re.compile(r"/(any|all)\s*\(", re.I)
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
}


def path_value(item: Item, path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _literal(text: str) -> Any:
    if text.startswith("'"):
        return text[1:-1].replace("''", "'").lower()
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return _as_datetime(text)
    return float(text)


def _as_datetime(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _normalize(value: Any, like: Any) -> Any:
    if isinstance(like, datetime):
        return _as_datetime(value) if value is not None else None
    if isinstance(value, str):
        return value.lower()
    return value


@dataclass
class Filter:
    paths: list[str]
    match: Callable[[Item], bool]


def compile_filter(text: str, entity: str) -> Filter:
    """A ``$filter`` of ``path op literal`` clauses joined by one of ``and`` / ``or``."""
    if LAMBDA.search(text):
        raise invalid_filter()
    joiners = set(re.findall(r"\s(and|or)\s", text))
    if len(joiners) > 1 or "(" in text:
        raise invalid_filter("The query filter is too complex.")
    joiner = joiners.pop() if joiners else "and"
    clauses = []
    for part in re.split(rf"\s{joiner}\s", text):
        match = CLAUSE.match(part)
        if match is None:
            raise invalid_filter(f"Invalid filter clause: '{part.strip()}'.")
        path = match["path"]
        if path not in FILTERABLE[entity]:
            raise invalid_filter(f"The property '{path}' is not filterable.")
        clauses.append((path, OPS[match["op"]], _literal(match["value"])))

    def matches(item: Item) -> bool:
        results = (op(_normalize(path_value(item, p), want), want) for p, op, want in clauses)
        return all(results) if joiner == "and" else any(results)

    return Filter([p for p, _, _ in clauses], matches)


@dataclass
class Query:
    """The parsed query options of one collection request."""

    select: list[str] | None = None
    top: int = DEFAULT_TOP
    skip: int = 0
    filter: Filter | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    search: Callable[[Item], bool] | None = None
    expand: list[str] = field(default_factory=list)


def parse_query(
    params: Mapping[str, str], entity: str, props: frozenset[str], allowed: Iterable[str]
) -> Query:
    """Validate and parse the ``$`` options; unknown or disallowed ones are a 400."""
    allowed_set = {a.lower() for a in allowed}
    options = {k.lower(): v for k, v in params.items() if k.startswith("$")}
    for name in options:
        if name not in allowed_set:
            raise bad_query(f"Query option '{name}' is not allowed for this resource.")
    query = Query()
    if "$select" in options:
        query.select = _select(options["$select"], entity, props)
    if "$top" in options:
        query.top = _top(options["$top"])
    if "$search" in options:
        clashes = [c for c in ("$filter", "$orderby", "$skip") if c in options]
        if clashes:
            raise GraphError(
                400,
                "ErrorInvalidUrlQuery",
                f"The query parameter '{clashes[0]}' is not supported with '$search'.",
            )
        query.search = compile_search(options["$search"])
    if "$filter" in options:
        query.filter = compile_filter(options["$filter"], entity)
    if "$orderby" in options:
        query.orderby = _orderby(options["$orderby"], props)
        _check_efficient(query)
    if "$skip" in options:
        query.skip = _non_negative(options["$skip"], "$skip")
    if "$skiptoken" in options:
        query.skip = decode_skiptoken(options["$skiptoken"])
    if "$expand" in options:
        query.expand = [e.strip() for e in options["$expand"].split(",") if e.strip()]
    return query


def _select(text: str, entity: str, props: frozenset[str]) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    for name in names:
        if name not in props:
            raise GraphError(
                400,
                "RequestBroker--ParseUri",
                f"Could not find a property named '{name}' on type 'microsoft.graph.{entity}'.",
            )
    return names


def _top(text: str) -> int:
    try:
        top = int(text)
    except ValueError as exc:
        raise bad_query(f"Invalid $top value '{text}'.") from exc
    if not 1 <= top <= MAX_TOP:
        raise bad_query(f"The value of $top must be between 1 and {MAX_TOP}.")
    return top


def _non_negative(text: str, name: str) -> int:
    if not text.isdigit():
        raise bad_query(f"Invalid {name} value '{text}'.")
    return int(text)


def _orderby(text: str, props: frozenset[str]) -> list[tuple[str, bool]]:
    out = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_query(f"Invalid $orderby clause '{part.strip()}'.")
        if words[0].split("/")[0] not in props:
            raise bad_query(f"Could not find a property named '{words[0]}'.")
        out.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return out


def _check_efficient(query: Query) -> None:
    """Exchange: with $filter, every $orderby property must lead the filter, in order."""
    if query.filter is None:
        return
    wanted = [p.lower() for p, _ in query.orderby]
    if [p.lower() for p in query.filter.paths[: len(wanted)]] != wanted:
        raise GraphError(
            400, "InefficientFilter", "The restriction or sort order is too complex for this operation."
        )


def encode_skiptoken(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_skiptoken(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        return int(text.removeprefix("offset:"))
    except ValueError as exc:
        raise bad_query("The $skiptoken is invalid.") from exc


def apply_select(item: Item, select: list[str] | None, always: Iterable[str] = ("id",)) -> dict[str, Any]:
    if select is None:
        return dict(item)
    keep = {k: item[k] for k in item if k.startswith("@odata.")}
    for name in (*always, *select):
        keep[name] = item.get(name)
    return keep


def sort_items(items: list[Item], orderby: list[tuple[str, bool]]) -> list[Item]:
    for path, descending in reversed(orderby):
        items = sorted(items, key=lambda i, p=path: _sort_key(path_value(i, p)), reverse=descending)
    return items


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        parsed = _as_datetime(value) if re.match(r"^\d{4}-\d{2}-\d{2}", value) else None
        return (1, parsed.timestamp()) if parsed else (2, value.lower())
    return (1, value)
