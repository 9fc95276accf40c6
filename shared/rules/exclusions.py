"""Exclusion lists: addresses and domains that are never suggested (org and user settings).

An entry is a full address (``pat@fabrikam.com``) or a domain (``@contoso.com``).
A domain entry covers its subdomains: ``@contoso.com`` covers ``x@sales.contoso.com``
but not ``x@notcontoso.com``. Entries are stored normalized (trimmed, lower-case).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from shared.exceptions import ValidationError
from shared.model import MailItem, OrgSettings, UserSettings, normalize_address

#: Longest entry accepted (the longest valid email address, RFC 5321 path limit).
MAX_ENTRY_LENGTH = 254

# ASCII classes only, no lookaround and no ``\s``: the pattern reads the same in Python's
# ``re``, pydantic's Rust engine and ECMA-262 (JSON Schema), so the OpenAPI document states
# exactly what is accepted.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"{_LABEL}(?:\.{_LABEL})+"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PAD = r"[ \t]*"
#: An exclusion entry as sent: ``name@domain.tld`` or ``@domain.tld``, any case, spaces or
#: tabs around it (stored trimmed and lower-cased), at most ``MAX_ENTRY_LENGTH`` characters.
EXCLUSION_ENTRY_PATTERN = rf"^{_PAD}(?:{_ATOM}(?:\.{_ATOM})*)?@{_DOMAIN}{_PAD}$"
#: One address as sent (an exclusion entry that is not a domain): what an erasure takes.
ADDRESS_ENTRY_PATTERN = rf"^{_PAD}{_ATOM}(?:\.{_ATOM})*@{_DOMAIN}{_PAD}$"
#: An internal domain as sent: ``contoso.com`` or ``@contoso.com`` (same rules otherwise).
DOMAIN_ENTRY_PATTERN = rf"^{_PAD}@?{_DOMAIN}{_PAD}$"
#: Entries an exclusion list (org or personal) may hold.
MAX_EXCLUSIONS = 500
_ENTRY_RE = re.compile(EXCLUSION_ENTRY_PATTERN)
_DOMAIN_RE = re.compile(DOMAIN_ENTRY_PATTERN)


def _checked(text: object, form: re.Pattern[str], expected: str, field: str | None) -> str:
    if not isinstance(text, str):
        raise ValidationError("an exclusion entry must be a string", field=field)
    if len(text) > MAX_ENTRY_LENGTH:
        raise ValidationError(
            f"exclusion entry {text[:40]!r}... is longer than {MAX_ENTRY_LENGTH} characters", field=field
        )
    if form.fullmatch(text) is None:
        raise ValidationError(f"exclusion entry {text!r} is {expected}", field=field)
    return normalize_address(text)


def validate_exclusion_entry(text: str, field: str | None = None) -> str:
    """The normalized entry; ``ValidationError`` naming the entry when it is neither form.

    Exactly ``EXCLUSION_ENTRY_PATTERN`` and ``MAX_ENTRY_LENGTH`` on the text as sent: the
    request models state the same two constraints, so the document and this agree.
    """
    return _checked(
        text,
        _ENTRY_RE,
        "neither an email address (name@example.com) nor a domain (@example.com)",
        field,
    )


def validate_domain_entry(text: str, field: str | None = None) -> str:
    """An internal domain (``contoso.com`` or ``@contoso.com``), normalized, without the ``@``."""
    return _checked(text, _DOMAIN_RE, "not a domain (contoso.com or @contoso.com)", field).lstrip("@")


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2]


def _suffixes(domain: str) -> Iterator[str]:
    """``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``: the domain and each parent domain."""
    while domain:
        yield domain
        domain = domain.partition(".")[2]


def _covered(domain: str, domains: frozenset[str]) -> bool:
    return bool(domains) and any(d in domains for d in _suffixes(domain))


@dataclass(frozen=True)
class ExclusionList:
    """Exclusion entries compiled for set lookups: exact addresses and domains (without ``@``)."""

    addresses: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entries: Iterable[str]) -> ExclusionList:
        """Compile entries (already validated; normalized again here, blanks ignored)."""
        addresses: set[str] = set()
        domains: set[str] = set()
        for raw in entries:
            entry = normalize_address(raw)
            if entry.startswith("@"):
                domains.add(entry[1:])
            elif entry:
                addresses.add(entry)
        return cls(frozenset(addresses), frozenset(domains))

    def covers(self, address: str) -> bool:
        """Whether ``address`` (any case) is on the list, itself or through its domain."""
        normalized = normalize_address(address)
        return normalized in self.addresses or (
            "@" in normalized and _covered(_domain_of(normalized), self.domains)
        )

    def __bool__(self) -> bool:
        return bool(self.addresses or self.domains)


def _as_list(entries: ExclusionList | Iterable[str]) -> ExclusionList:
    return entries if isinstance(entries, ExclusionList) else ExclusionList.of(entries)


def is_excluded(item: MailItem, entries: ExclusionList | Iterable[str]) -> bool:
    """Whether any participant of ``item`` is on the exclusion list."""
    excluded = _as_list(entries)
    return bool(excluded) and any(excluded.covers(p.address) for p in item.participants())


def internal_domains_of(domains: Iterable[str]) -> frozenset[str]:
    """Normalize the org's own domains: ``Contoso.com`` and ``@contoso.com`` both give ``contoso.com``."""
    return frozenset(d for d in (normalize_address(x).lstrip("@") for x in domains) if d)


def is_internal_only(item: MailItem, internal_domains: Iterable[str]) -> bool:
    """Whether every participant (at least one) is in the org's own domains, subdomains included."""
    return _all_internal(item, internal_domains_of(internal_domains))


def _all_internal(item: MailItem, domains: frozenset[str]) -> bool:
    participants = item.participants()
    if not participants or not domains:
        return False
    for participant in participants:
        address = normalize_address(participant.address)
        if "@" not in address or not _covered(_domain_of(address), domains):
            return False
    return True


#: Why the policy hides an item, in the order they are checked.
EXCLUDED_ORG = "EXCLUDED_ORG"
EXCLUDED_USER = "EXCLUDED_USER"
INTERNAL_ONLY = "INTERNAL_ONLY"


@dataclass(frozen=True)
class ExclusionPolicy:
    """What the timeline hides from suggestions: listed participants, and optionally internal-only mail.

    ``excluded`` is the org's list, ``user_excluded`` the user's own; both hide alike and
    are kept apart only to say which one did (:meth:`reason`).
    """

    excluded: ExclusionList = ExclusionList()
    hide_internal_only: bool = False
    internal_domains: frozenset[str] = frozenset()
    user_excluded: ExclusionList = ExclusionList()

    def __post_init__(self) -> None:
        object.__setattr__(self, "internal_domains", internal_domains_of(self.internal_domains))

    @classmethod
    def from_settings(cls, org: OrgSettings, user: UserSettings | None = None) -> ExclusionPolicy:
        """The org's list plus the user's own list; internal-only mail hidden when the org says so."""
        return cls(
            ExclusionList.of(org.excluded),
            org.hide_internal_only,
            frozenset(org.internal_domains),
            ExclusionList.of(user.excluded if user is not None else ()),
        )

    def reason(self, item: MailItem) -> str | None:
        """Why ``item`` is hidden (``EXCLUDED_ORG``, ``EXCLUDED_USER``, ``INTERNAL_ONLY``), or None."""
        if is_excluded(item, self.excluded):
            return EXCLUDED_ORG
        if is_excluded(item, self.user_excluded):
            return EXCLUDED_USER
        if self.hide_internal_only and _all_internal(item, self.internal_domains):
            return INTERNAL_ONLY
        return None

    def hides(self, item: MailItem) -> bool:
        return self.reason(item) is not None
