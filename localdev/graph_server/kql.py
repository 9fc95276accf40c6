"""A KQL subset for ``$search`` on messages, evaluated the way Exchange search does.

Supported: ``participants:``, ``from:``, ``to:``, ``cc:``, ``bcc:``, ``subject:``,
``body:``, ``received``/``sent`` with ``:``/``=``/``>=``/``<=``/``>``/``<`` and a date
(``YYYY-MM-DD`` or ``M/D/YYYY``), free text, ``AND``/``OR``/``NOT``, parentheses,
values in double or single quotes. Anything else is a syntax error (400), like Graph.
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
    r"""\s*(?:(?P<paren>[()])|(?P<term>(?:[A-Za-z]+(?:>=|<=|:|=|>|<))?(?:"[^"]*"|'[^']*'|[^\s()"']+)))"""
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
    value = message.get(field)
    try:
        return datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None


def _compare(left: date, op: str, right: date) -> bool:
    return {
        ":": left == right,
        "=": left == right,
        ">=": left >= right,
        "<=": left <= right,
        ">": left > right,
        "<": left < right,
    }[op]


def _term(text: str) -> Predicate:
    match = RESTRICTION.match(text)
    if match is None:
        needle = text.strip("\"'").lower()
        return lambda m: (
            needle in " ".join(str(m.get(k) or "") for k in ("subject", "bodyPreview")).lower()
            or needle in str((m.get("body") or {}).get("content", "")).lower()
        )
    prop, op, value = match["prop"].lower(), match["op"], match["value"].strip("\"'").lower()
    if not value:
        raise syntax_error(f"empty value for '{prop}'")
    if prop in ADDRESS_PROPS:
        if op != ":":
            raise syntax_error(f"'{op}' is not valid for '{prop}'")
        fields = ADDRESS_PROPS[prop]
        return lambda m: any(value in (a, n) or value in n.split() for a, n in _addresses(m, fields))
    if prop in DATE_PROPS:
        when, field = _parse_date(value), DATE_PROPS[prop]

        def on_date(m: Message) -> bool:
            got = _message_date(m, field)
            return got is not None and _compare(got, op, when)

        return on_date
    if prop in ("subject", "body") and op == ":":
        key = "subject" if prop == "subject" else "bodyPreview"
        return lambda m: value in str(m.get(key) or "").lower()
    raise syntax_error(f"the property '{prop}' is not supported in $search")


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
        return parts[0] if len(parts) == 1 else (lambda m: any(p(m) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda m: all(p(m) for p in parts))

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
    """The predicate for a ``$search`` value (the whole value in double quotes)."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    elif re.search(r"[^\w\s]", text):
        bad = re.search(r"[^\w\s]", text)
        assert bad is not None
        raise syntax_error(f"character '{bad.group()}' is not valid at position {bad.start()}.")
    return _Parser(text).parse()
