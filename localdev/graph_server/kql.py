"""A KQL subset for ``$search`` on messages, evaluated the way Exchange search does.

Supported: ``participants:``, ``from:``, ``to:``, ``cc:``, ``bcc:``, ``subject:``,
``body:``, ``received``/``sent`` with ``:``/``=``/``>=``/``<=``/``>``/``<`` and a date
(``YYYY-MM-DD`` or ``M/D/YYYY``), free text, ``AND``/``OR``/``NOT``, parentheses,
values in double or single quotes. Anything else is a syntax error (400), like Graph.

Quoting as Graph and Outlook read it: the whole ``$search`` value is in double quotes;
inside it a phrase is in backslash-escaped double quotes (``\"o'brien@x.com\"``) or in
single quotes, and an unescaped double quote is a syntax error. Inside a phrase nothing
is special. Unquoted, an apostrophe opens a single-quoted phrase (one alone is a syntax
error; two pair up across terms and match what lies between), a trailing ``*`` is a
prefix wildcard, and a leading ``-``/``+`` excludes/includes the token (on a term or on
a property value).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from localdev.graph_server.errors import GraphError

Message = Mapping[str, Any]
Predicate = Callable[[Message], bool]
TOKEN = re.compile(
    r"""\s*(?:(?P<paren>[()])|(?P<term>[+-]?(?:[A-Za-z]+(?:>=|<=|:|=|>|<))?(?:"[^"]*"|'[^']*'|[^\s()"']+)))"""
)
RESTRICTION = re.compile(r"^(?P<prop>[A-Za-z]+)(?P<op>>=|<=|:|=|>|<)(?P<value>.+)$", re.S)
ADDRESS_PROPS = {
    "participants": ("from", "sender", "toRecipients", "ccRecipients", "bccRecipients"),
    "from": ("from", "sender"),
    "to": ("toRecipients",),
    "cc": ("ccRecipients",),
    "bcc": ("bccRecipients",),
}
DATE_PROPS = {"received": "receivedDateTime", "sent": "sentDateTime"}


def syntax_error(detail: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Syntax error: {detail}")


class AddressTerm:
    """``participants:value`` (or ``from:``, ``to:``…): matches an address, a display name
    or one word of it, exactly or (``prefix``) as a prefix. Exact terms of one OR on the
    same fields are merged into one set lookup, as a search index answers them."""

    def __init__(self, fields: tuple[str, ...], values: frozenset[str], prefix: str | None = None) -> None:
        self.fields, self.values, self.prefix = fields, values, prefix

    def __call__(self, m: Message) -> bool:
        tokens = _tokens(m, self.fields)
        if self.prefix is not None:
            return any(t.startswith(self.prefix) for t in tokens)
        return not self.values.isdisjoint(tokens)


class AllOf:
    """``a AND b AND …``."""

    def __init__(self, parts: list[Predicate]) -> None:
        self.parts = parts

    def __call__(self, m: Message) -> bool:
        return all(p(m) for p in self.parts)


#: fields -> token -> the ``id()`` of every message with that token in those fields
TokenIndex = Callable[[tuple[str, ...]], Mapping[str, frozenset[int]]]


def token_index(messages: list[Message], fields: tuple[str, ...]) -> dict[str, frozenset[int]]:
    """Every token of ``fields`` (``_tokens``) -> the messages that have it, by ``id()``."""
    found: dict[str, set[int]] = {}
    for m in messages:
        for token in _tokens(m, fields):
            found.setdefault(token, set()).add(id(m))
    return {token: frozenset(ids) for token, ids in found.items()}


def matching(predicate: Predicate, messages: list[Message], index: TokenIndex) -> list[Message]:
    """The messages ``predicate`` matches, in their order. When it is (or ANDs, first) an
    exact address term, only the messages with one of its tokens are evaluated, as a search
    index answers it; the result is the same as evaluating every message."""
    first = predicate.parts[0] if isinstance(predicate, AllOf) else predicate
    if isinstance(first, AddressTerm) and first.prefix is None:
        by_token = index(first.fields)
        hits = frozenset().union(*(by_token.get(v, frozenset()) for v in first.values))
        return [m for m in messages if id(m) in hits and predicate(m)]
    return [m for m in messages if predicate(m)]


def merge_or(parts: list[Predicate]) -> list[Predicate]:
    """``parts`` with the exact address terms on the same fields merged into one each."""
    merged: dict[tuple[str, ...], set[str]] = {}
    rest: list[Predicate] = []
    for part in parts:
        if isinstance(part, AddressTerm) and part.prefix is None:
            merged.setdefault(part.fields, set()).update(part.values)
        else:
            rest.append(part)
    return [AddressTerm(f, frozenset(v)) for f, v in merged.items()] + rest


#: Where a message's search tokens are kept (stripped from every answer).
TOKENS_KEY = "\x00kqlTokens"


def _cache(message: Message) -> dict[Any, Any]:
    """The message's search index entry: tokens per field set, dates per field."""
    cache = message.get(TOKENS_KEY)
    if not isinstance(cache, dict):
        cache = {}
        if isinstance(message, dict):
            message[TOKENS_KEY] = cache
    return cache


def _tokens(message: Message, fields: tuple[str, ...]) -> frozenset[str]:
    """Every address, display name and name word of ``fields`` (lower-cased), computed
    once per message and field set (the stand-in's search index)."""
    cache = _cache(message)
    found = cache.get(fields)
    if found is None:
        words: set[str] = set()
        for address, name in _addresses(message, fields):
            words.update((address, name, *name.split()))
        words.discard("")
        found = cache[fields] = frozenset(words)
    return found


def _addresses(message: Message, fields: tuple[str, ...]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name in fields:
        value = message.get(name)
        for entry in value if isinstance(value, list) else [value]:
            email = entry.get("emailAddress") if isinstance(entry, Mapping) else None
            if isinstance(email, Mapping):
                out.append((str(email.get("address") or "").lower(), str(email.get("name") or "").lower()))
    return out


def _parse_date(value: str) -> date:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise syntax_error(f"'{value}' is not a date")


def _message_date(message: Message, field: str) -> date | None:
    cache = _cache(message)
    if field in cache:
        return cache[field]
    value = message.get(field)
    try:
        found = datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        found = None
    cache[field] = found
    return found


def _compare(left: date, op: str, right: date) -> bool:
    return {
        ":": left == right,
        "=": left == right,
        ">=": left >= right,
        "<=": left <= right,
        ">": left > right,
        "<": left < right,
    }[op]


def _value(raw: str) -> tuple[str, bool, bool]:
    """A term value: (text, prefix wildcard, excluded). Quoted values are literal."""
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1].lower(), False, False
    excluded = raw.startswith("-")
    raw = raw[1:] if raw[:1] in "+-" else raw
    return raw.rstrip("*").lower(), raw.endswith("*"), excluded


def _restriction(prop: str, op: str, value: str, prefix: bool) -> Predicate:
    """The predicate of ``prop op value`` (``prefix``: the value ended with ``*``)."""
    if prop in ADDRESS_PROPS:
        if op != ":":
            raise syntax_error(f"'{op}' is not valid for '{prop}'")
        return AddressTerm(ADDRESS_PROPS[prop], frozenset([value]), value if prefix else None)
    if prop in DATE_PROPS:
        when, field = _parse_date(value), DATE_PROPS[prop]

        def on_date(m: Message) -> bool:
            got = _message_date(m, field)
            return got is not None and _compare(got, op, when)

        return on_date
    if prop in ("subject", "body") and op == ":":
        key = "subject" if prop == "subject" else "bodyPreview"

        def contains(m: Message) -> bool:
            return value in str(m.get(key) or "").lower()

        return contains
    raise syntax_error(f"the property '{prop}' is not supported in $search")


def _term(text: str) -> Predicate:
    if text[:1] in "+-" and len(text) > 1:
        inner = _term(text[1:])
        return (lambda m: not inner(m)) if text[0] == "-" else inner
    match = RESTRICTION.match(text)
    if match is None:
        needle, prefix, excluded = _value(text)
        if not needle:
            raise syntax_error("empty term")

        def free_text(m: Message) -> bool:
            words = " ".join(str(m.get(k) or "") for k in ("subject", "bodyPreview")).lower()
            words += " " + str((m.get("body") or {}).get("content", "")).lower()
            return needle in words

        return (lambda m: not free_text(m)) if excluded else free_text
    prop, op = match["prop"].lower(), match["op"]
    value, prefix, excluded = _value(match["value"])
    if not value:
        raise syntax_error(f"empty value for '{prop}'")
    predicate = _restriction(prop, op, value, prefix)
    return (lambda m: not predicate(m)) if excluded else predicate


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text):
            match = TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise syntax_error(f"character '{text[pos]}' is not valid at position {pos}.")
            self.tokens.append(match["paren"] or match["term"])
            pos = match.end()
        self.index = 0

    def peek(self) -> str | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Predicate:
        if not self.tokens:
            raise syntax_error("empty $search")
        predicate = self.or_expr()
        if self.peek() is not None:
            raise syntax_error(f"unexpected '{self.peek()}'")
        return predicate

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        parts = merge_or(parts)
        return parts[0] if len(parts) == 1 else (lambda m: any(p(m) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else AllOf(parts)

    def unary(self) -> Predicate:
        token = self.peek()
        if token is None or token in (")", "AND", "OR"):
            raise syntax_error(f"expected a term, found '{token or 'end'}'")
        self.take()
        if token == "NOT":
            inner = self.unary()
            return lambda m: not inner(m)
        if token == "(":
            inner = self.or_expr()
            if self.peek() != ")":
                raise syntax_error("missing ')'")
            self.take()
            return inner
        return _term(token)


def compile_search(raw: str) -> Predicate:
    """The predicate for a ``$search`` value (the whole value in double quotes, inner
    double quotes escaped with a backslash)."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        inner = text[1:-1]
        bare = re.search(r'(?<!\\)"', inner)
        if bare is not None:
            raise syntax_error(f"character '\"' is not valid at position {bare.start() + 1}.")
        text = re.sub(r"\\(.)", r"\1", inner)
    elif re.search(r"[^\w\s]", text):
        bad = re.search(r"[^\w\s]", text)
        assert bad is not None
        raise syntax_error(f"character '{bad.group()}' is not valid at position {bad.start()}.")
    return _Parser(text).parse()
