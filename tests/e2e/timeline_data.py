"""Records and mailboxes for the timeline end-to-end tests, loaded into the running stack.

Everything here carries a per-run prefix (``PREFIX``), so it never collides with the
demo data or with other test modules sharing the session's stack:

- records are imported through the real importer CLI (``python -m shared.importer``);
- mailbox users are loaded into the running local Graph server with
  ``PUT /_admin/users/{id}``; their Graph ``id`` is the oid a dev token gets for a UPN
  missing from the start-up mailbox file (``derive_user_oid``).

Each mail item is named by a *tag*: its subject is ``"<PREFIX> <tag> subject"``, its
preview ``"<PREFIX> <tag> preview"``, its ``internetMessageId`` / ``iCalUId`` depend on
the tag only (the same email in two mailboxes has one identity), and it always copies
a *witness* address that belongs to no record, so the privacy scan can look for it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from localdev import graph_json
from localdev.devtools.tokens import derive_user_oid
from localdev.stack import Stack
from tests.e2e.api import Caller

RUN = uuid.uuid4().hex[:8]
PREFIX = f"tl{RUN}"
DOMAIN = f"{PREFIX}.example.com"  # every record address
USER_DOMAIN = f"{PREFIX}.sales.example.org"  # the signed-in users
WITNESS_DOMAIN = "witness.example.net"  # bystanders: on every item, in no record
TEAM = f"{PREFIX}-east"
OTHER_TEAM = f"{PREFIX}-west"
H = timedelta(hours=1)
D = timedelta(days=1)


def rid(name: str) -> str:
    """A record id of this run."""
    return f"{PREFIX}-{name}"


def addr(local: str) -> str:
    """A record address of this run."""
    return f"{local}@{DOMAIN}"


def subject_of(tag: str) -> str:
    return f"{PREFIX} {tag} subject"


def preview_of(tag: str) -> str:
    return f"{PREFIX} {tag} preview"


def witness_of(tag: str) -> str:
    return f"w-{tag}-{RUN}@{WITNESS_DOMAIN}"


def tag_of(item: dict[str, Any]) -> str:
    """The tag of a timeline item built here (from its subject)."""
    subject = str(item["subject"])
    assert subject.startswith(f"{PREFIX} ") and subject.endswith(" subject"), subject
    return subject[len(PREFIX) + 1 : -len(" subject")]


# --- users ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    key: str
    roles: tuple[str, ...] = ("Sales.Person",)
    groups: tuple[str, ...] = (TEAM,)

    @property
    def upn(self) -> str:
        return f"{self.key}@{USER_DOMAIN}"

    @property
    def oid(self) -> str:
        return derive_user_oid(self.upn)

    @property
    def caller(self) -> Caller:
        return Caller(self.upn, self.roles, self.groups)


SELLER = User("seller", groups=())  # reads the records as their owner
TEAMMATE = User("teammate")
MANAGER = User("manager", roles=("Sales.Manager",), groups=())
OUTSIDER = User("outsider", groups=())
NO_ROLE = User("norole", roles=())
OPT_OUT = User("optout")
DENIED = User("denied")
UNAUTHORIZED = User("unauthorized")
THROTTLED = User("throttled")
DOWN = User("down")
FLAKY = User("flaky")
BUSY = User("busy")
ADMIN = User("admin", roles=("AutoCapture.Admin",), groups=())


# --- Graph JSON ----------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Mail:
    """One email or meeting, independent of whose mailbox holds it."""

    tag: str
    kind: str  # "email" | "meeting"
    at: datetime  # received (email) or start (meeting)
    sender: str | None = None  # None: the mailbox owner (sent mail / organized meeting)
    to: tuple[str, ...] = ()  # () on an email: the owner; meetings: required attendees
    cc: tuple[str, ...] = ()  # meetings: optional attendees
    attachments: tuple[tuple[str, int, str], ...] = ()

    @property
    def key(self) -> str:
        if self.kind == "meeting":
            return graph_json.ical_uid(self.tag)
        return f"<{self.tag}.{RUN}@mail.example.com>"

    def graph_id(self, owner: User) -> str:
        return graph_json.graph_id(PREFIX, owner.key, self.kind, self.tag)

    def graph_json(self, owner: User) -> dict[str, Any]:
        sender = self.sender or owner.upn
        to = self.to or (owner.upn,)
        cc = (*self.cc, witness_of(self.tag))
        subject, preview = subject_of(self.tag), preview_of(self.tag)
        if self.kind == "meeting":
            return graph_json.event(
                id=self.graph_id(owner),
                ical_uid=self.key,
                start=self.at,
                end=self.at + 30 * timedelta(minutes=1),
                organizer=sender,
                required=to,
                optional=cc,
                subject=subject,
                preview=preview,
                body=preview,
                body_type="text",
                location="Teams",
            )
        return graph_json.message(
            id=self.graph_id(owner),
            internet_message_id=self.key,
            received=self.at,
            sender=sender,
            to=to,
            cc=cc,
            subject=subject,
            preview=preview,
            body=preview,
            body_type="text",
            attachments=[
                graph_json.attachment(f"att-{i}", n, s, c) for i, (n, s, c) in enumerate(self.attachments)
            ],
        )


def user_entry(user: User, mails: Iterable[Mail], fault: dict[str, Any] | None = None) -> dict[str, Any]:
    """A user entry of the mailbox file (docs/formats.md)."""
    mails = list(mails)
    return graph_json.mailbox_user(
        user.oid,
        user.upn,
        [m.graph_json(user) for m in mails if m.kind == "email"],
        [m.graph_json(user) for m in mails if m.kind == "meeting"],
        display_name=user.key.title(),
        extra={"fault": fault} if fault else None,
    )


# --- records ---------------------------------------------------------------------------------


def import_records(stack: Stack, records: Sequence[dict[str, Any]], name: str) -> None:
    """Import through the real importer CLI (all or nothing)."""
    path = stack.workdir / f"{PREFIX}-{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    stack.load_records(path, timeout=120)


def _record(entity_type: str, name: str, emails: Sequence[str] = (), **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "entityType": entity_type,
        "id": rid(name),
        "name": f"{PREFIX} {name}",
        "emails": list(emails),
        "ownerId": SELLER.oid,
        "teamIds": [TEAM],
    }
    body.update(fields)
    return body


def _contact(name: str, *emails: str, parent: str | None = None, modified: datetime | None = None) -> dict:
    fields: dict[str, Any] = {}
    if parent:
        fields["parentAccountId"] = rid(parent)
    if modified:
        fields["modifiedOn"] = _stamp(modified)
    return _record("contact", name, emails, **fields)


#: Contacts of the big account (``acct``); the 51st most recently modified must not count.
ACCOUNT_CONTACTS = 51


def account_contact_addresses(n: int) -> tuple[str, str, str]:
    return (addr(f"ac{n:02d}-a"), addr(f"ac{n:02d}-b"), addr(f"ac{n:02d}-c"))


def build_records(now: datetime) -> list[dict[str, Any]]:
    ref = lambda t, n: {"entityType": t, "id": rid(n)}  # noqa: E731
    records = [
        # account: primary contact (not a child), top 50 child contacts, own emails
        _record("account", "acct", [addr("acct-info")], primaryContactId=rid("acct-pc")),
        _contact("acct-pc", addr("pc")),
        *(
            _contact(f"ac{n:02d}", *account_contact_addresses(n), parent="acct", modified=now - n * H)
            for n in range(ACCOUNT_CONTACTS)
        ),
        # contact: all its emails (mixed case on purpose)
        _contact("solo", addr("solo1"), addr("Solo2")),
        _contact("cap", addr("cap")),
        _contact("selfish", SELLER.upn, addr("selfish")),
        _contact("busyself", BUSY.upn, addr("busyself")),
        # opportunity
        _record(
            "opportunity",
            "opp",
            [addr("opp")],
            contactId=rid("oc"),
            stakeholderIds=[rid("sh1"), rid("sh2")],
            accountId=rid("oacct"),
            originatingLeadId=rid("olead"),
        ),
        _contact("oc", addr("oc")),
        _contact("sh1", addr("sh1")),
        _contact("sh2", addr("sh2")),
        _record("account", "oacct", [addr("oacct-info")], primaryContactId=rid("oacct-pc")),
        _contact("oacct-pc", addr("oacctpc")),
        _contact("oac1", addr("oac1"), parent="oacct", modified=now - D),
        _record("lead", "olead", [addr("olead-own")], contactEmail=addr("olead-contact")),
        # lead
        _record("lead", "lead", [addr("lead-own")], contactEmail=addr("lead-contact")),
        # case: customer = account (and one with customer = contact)
        _record(
            "case", "case", [addr("case")], primaryContactId=rid("kpc"), customer=ref("account", "kacct")
        ),
        _contact("kpc", addr("kpc")),
        _record("account", "kacct", [addr("kacct")], primaryContactId=rid("kacct-pc")),
        _contact("kacct-pc", addr("kacctpc")),
        _contact("kchild", addr("kchild"), parent="kacct", modified=now),
        _record("case", "case2", [], customer=ref("contact", "kcust")),
        _contact("kcust", addr("kcust")),
        # custom entities: lookups to an account, a contact, a polymorphic customer
        _record(
            "project",
            "proj",
            custom=True,
            lookups={
                "client": ref("account", "cacct"),
                "sponsor": ref("contact", "csp"),
                "customer": ref("contact", "ccust"),
            },
        ),
        _record("account", "cacct", [addr("cacct")], primaryContactId=rid("cacct-pc")),
        _contact("cacct-pc", addr("cacctpc")),
        _contact("cchild", addr("cchild"), parent="cacct", modified=now),
        _contact("csp", addr("csp")),
        _contact("ccust", addr("ccust")),
        _record("project", "proj2", custom=True, lookups={"customer": ref("account", "cacct2")}),
        _record("account", "cacct2", [addr("cacct2")], primaryContactId=rid("cacct2-pc")),
        _contact("cacct2-pc", addr("cacct2pc")),
        # dedupe against tracked items
        _contact("dup", addr("dup")),
        _contact("dupfriend", addr("dupfriend")),
        # a record of another team, owned by someone else
        _record(
            "contact",
            "west",
            [addr("west")],
            ownerId="00000000-0000-4000-8000-0000000e15e0",
            teamIds=[OTHER_TEAM],
        ),
    ]
    return records


# --- mail --------------------------------------------------------------------------------------

#: Emails of the ``cap`` contact (plus 2 meetings): more than the 50 a timeline shows.
CAP_EMAILS = 55


def build_mail(now: datetime) -> list[Mail]:
    """The seller's mailbox: at least one item per rule, plus items that must not show."""
    e = lambda tag, at, **kw: Mail(tag, "email", at, **kw)  # noqa: E731
    m = lambda tag, at, **kw: Mail(tag, "meeting", at, **kw)  # noqa: E731
    mail = [
        # account
        e("acct-pc", now - 1 * H, sender=addr("pc")),
        e("acct-c00", now - 2 * H, sender=addr("ac00-b")),
        e("acct-c49", now - 3 * H, sender=addr("ac49-c")),
        e("acct-c50", now - 4 * H, sender=addr("ac50-a")),  # the 51st contact: not shown
        e("acct-own", now - 5 * H, to=(addr("acct-info"),)),  # sent by the owner
        e("acct-multi", now - 6 * H, sender=addr("pc"), cc=(addr("acct-info"),)),
        # contact: case-insensitive, both emails, meetings, windows
        e("solo-1", now - 1 * H, sender=addr("solo1")),
        e("solo-2", now - 30 * H, to=(addr("SOLO2"),)),
        e("solo-old", now - 4 * D, sender=addr("solo1")),  # 4 days old: not shown
        e("solo-edge", now - 3 * D + 2 * H, sender=addr("solo1")),  # just inside the window
        m("solo-meet-soon", now + 1 * D, to=(addr("solo1"),)),
        m("solo-meet-past", now - 2 * D, sender=addr("solo1")),
        m("solo-meet-far", now + 4 * D, to=(addr("solo1"),)),  # 4 days ahead: not shown
        # the signed-in user's own address never matches on its own
        e("selfish-own", now - 2 * H, to=(f"witness-only-{RUN}@{WITNESS_DOMAIN}",)),
        e("selfish-real", now - 3 * H, sender=addr("selfish")),
        # opportunity
        e("opp-contact", now - 1 * H, sender=addr("oc")),
        e("opp-sh1", now - 2 * H, sender=addr("sh1")),
        e("opp-sh2", now - 3 * H, to=(addr("sh2"),)),
        e("opp-own", now - 4 * H, sender=addr("opp")),
        e("opp-acctc", now - 5 * H, sender=addr("oac1")),
        e("opp-lead", now - 6 * H, sender=addr("olead-contact")),
        e("opp-no-lead-own", now - 7 * H, sender=addr("olead-own")),
        e("opp-no-acct-own", now - 8 * H, sender=addr("oacct-info")),
        e("opp-no-acct-pc", now - 9 * H, sender=addr("oacctpc")),
        # lead
        e("lead-contact", now - 1 * H, sender=addr("lead-contact")),
        e("lead-own", now - 2 * H, to=(addr("lead-own"),)),
        # case
        e("case-pc", now - 1 * H, sender=addr("kpc")),
        e("case-own", now - 2 * H, to=(addr("case"),)),
        e("case-cust-acct", now - 3 * H, sender=addr("kacct")),
        e("case-cust-pc", now - 4 * H, sender=addr("kacctpc")),
        e("case-no-child", now - 5 * H, sender=addr("kchild")),  # a child of the customer account
        e("case2-cust", now - 6 * H, sender=addr("kcust")),
        # custom entities
        e("proj-client", now - 1 * H, sender=addr("cacct")),
        e("proj-client-pc", now - 2 * H, sender=addr("cacctpc")),
        e("proj-sponsor", now - 3 * H, sender=addr("csp")),
        e("proj-customer", now - 4 * H, sender=addr("ccust")),
        e("proj-no-child", now - 5 * H, sender=addr("cchild")),
        e("proj2-customer", now - 6 * H, sender=addr("cacct2")),
        e("proj2-customer-pc", now - 7 * H, sender=addr("cacct2pc")),
        # unrelated
        e("noise", now - 1 * H, sender=f"news-{RUN}@elsewhere.example.org"),
        # another team's record
        e("west", now - 2 * H, sender=addr("west")),
        *dup_mail(now),
    ]
    # 55 emails and 2 meetings for one contact: 50 shown, the newest
    mail += [e(f"cap-{i:02d}", now - (i + 1) * H, sender=addr("cap")) for i in range(CAP_EMAILS)]
    mail += [m("cap-meet-1", now + 30 * timedelta(minutes=1), to=(addr("cap"),))]
    mail += [m("cap-meet-2", now - 70 * H, sender=addr("cap"))]
    return mail


def dup_mail(now: datetime) -> list[Mail]:
    """Two emails of the ``dup`` contact: ``dup-a`` gets tracked, ``dup-b`` stays a suggestion."""
    return [
        Mail(
            "dup-a",
            "email",
            now - 2 * H,
            sender=addr("dup"),
            cc=(addr("dupfriend"),),
            attachments=(("terms.pdf", 12_345, "application/pdf"),),
        ),
        Mail("dup-b", "email", now - 3 * H, sender=addr("dup")),
    ]
