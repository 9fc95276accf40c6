"""Generated data for ``make bench``: CRM records (JSON Lines, docs/formats.md) and one busy
Graph mailbox (docs/formats.md), relative to "now".

- ``c-solo``: a contact with one address;
- ``a-big``: an account with 50 contacts x 3 addresses (plus its own address): 151;
- ``a-flat-10`` / ``a-flat-1000`` / ``a-flat-10000``: accounts with that many child
  contacts (one address each), for "Cosmos requests per timeline are flat";
- the bench user's mailbox: 3,000 emails in the last 3 days and 60 meetings in
  [now - 3 days, now + 3 days]; about 1% involve the solo contact, 10% the big account,
  3% the flat accounts, the rest strangers. Half are sent by the user.

Every record is owned by the bench user, so record access is granted by ownership.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from localdev import graph_json
from localdev.devtools.tokens import derive_user_oid

USER_UPN = "bench@autocapture.dev"
USER_OID = derive_user_oid(USER_UPN)
EMAILS = 3_000
MEETINGS = 60
WINDOW = timedelta(days=3)
SOLO = "c-solo"
SOLO_ADDRESS = "solo.contact@solo.example"
BIG = "a-big"
BIG_CONTACTS = 50
FLAT_SIZES = (10, 1_000, 10_000)


def flat_account(size: int) -> str:
    return f"a-flat-{size}"


def big_addresses(i: int) -> list[str]:
    return [f"person{i}@big.example", f"person{i}.alt@big.example", f"p{i}@big-mail.example"]


def big_account_addresses() -> list[str]:
    """The addresses the big account's timeline searches for (its own + its contacts')."""
    return ["info@big.example", *(a for i in range(BIG_CONTACTS) for a in big_addresses(i))]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _owned(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "ownerId": USER_OID}


def base_records(now: datetime) -> list[dict[str, Any]]:
    """The solo contact, the big account and its 50 contacts, the 10 and 1,000 accounts."""
    records = [
        _owned({"entityType": "contact", "id": SOLO, "name": "Solo Contact", "emails": [SOLO_ADDRESS]}),
        _owned(
            {
                "entityType": "account",
                "id": BIG,
                "name": "Big Account",
                "emails": ["info@big.example"],
                "primaryContactId": "c-big-0",
            }
        ),
    ]
    for i in range(BIG_CONTACTS):
        records.append(
            _owned(
                {
                    "entityType": "contact",
                    "id": f"c-big-{i}",
                    "name": f"Big Person {i}",
                    "emails": big_addresses(i),
                    "parentAccountId": BIG,
                    "modifiedOn": _stamp(now - timedelta(hours=i)),
                }
            )
        )
    for size in FLAT_SIZES[:-1]:
        records.extend(flat_records(size, now))
    return records


def flat_records(size: int, now: datetime) -> list[dict[str, Any]]:
    """An account with ``size`` child contacts of one address each."""
    account = flat_account(size)
    records = [
        _owned(
            {
                "entityType": "account",
                "id": account,
                "name": f"Flat {size}",
                "emails": [f"info@flat{size}.example"],
                "primaryContactId": f"c-flat{size}-0",
            }
        )
    ]
    for i in range(size):
        records.append(
            _owned(
                {
                    "entityType": "contact",
                    "id": f"c-flat{size}-{i}",
                    "name": f"Flat {size} Person {i}",
                    "emails": [f"f{i}@flat{size}.example"],
                    "parentAccountId": account,
                    "modifiedOn": _stamp(now - timedelta(minutes=i)),
                }
            )
        )
    return records


@dataclass
class _People:
    rng: random.Random
    strangers: list[str]

    def related(self) -> list[str]:
        """1-2 addresses of one population (solo 1%, big 10%, flat 3%) or none."""
        roll = self.rng.random()
        if roll < 0.01:
            return [SOLO_ADDRESS]
        if roll < 0.11:
            return self.rng.sample(big_addresses(self.rng.randrange(BIG_CONTACTS)), self.rng.randint(1, 2))
        if roll < 0.14:
            size = self.rng.choice(FLAT_SIZES)
            return [f"f{self.rng.randrange(min(size, 60))}@flat{size}.example"]
        return []

    def others(self) -> list[str]:
        people = self.related() + self.rng.sample(self.strangers, self.rng.randint(1, 3))
        self.rng.shuffle(people)
        return people


def _message(n: int, when: datetime, sender: str, to: list[str], cc: list[str]) -> dict[str, Any]:
    msg_id = graph_json.graph_id(USER_UPN, "msg", str(n))
    return graph_json.message(
        id=msg_id,
        internet_message_id=f"<bench.{n}.{msg_id[6:18]}@{sender.rsplit('@', 1)[1]}>",
        received=when,
        sender=sender,
        to=to,
        cc=cc,
        subject=f"Bench message {n}",
        preview=f"Preview of message {n}.",
        body=f"Body of message {n}.",
        body_type="text",
        is_read=True,
        conversation_id=graph_json.graph_id("conv", str(n // 3)),
    )


def _event(n: int, start: datetime, organizer: str, attendees: list[str]) -> dict[str, Any]:
    return graph_json.event(
        id=graph_json.graph_id(USER_UPN, "event", str(n)),
        ical_uid=graph_json.ical_uid(USER_UPN, "event", str(n)),
        start=start,
        end=start + timedelta(minutes=30),
        organizer=organizer,
        required=attendees,
        subject=f"Bench meeting {n}",
        preview=f"Agenda {n}",
        body=f"Agenda {n}",
        body_type="text",
    )


def mailbox(now: datetime, seed: int = 11) -> dict[str, Any]:
    """The bench user's mailbox file (docs/formats.md), newest email first."""
    rng = random.Random(seed)
    people = _People(rng, [f"someone{i}@vendor{i % 97}.example" for i in range(2_000)])
    span = int(WINDOW.total_seconds()) - 600  # all inside the window, with 10 minutes to spare
    messages = []
    for n in range(EMAILS):
        when = now - timedelta(seconds=60 + rng.randrange(span))
        others = people.others()
        split = rng.randint(1, len(others))
        if rng.random() < 0.5:
            messages.append(_message(n, when, USER_UPN, others[:split], others[split:]))
        else:
            messages.append(_message(n, when, others[0], [USER_UPN, *others[1:split]], others[split:]))
    messages.sort(key=lambda m: str(m["receivedDateTime"]), reverse=True)
    events = []
    for n in range(MEETINGS):
        start = now - WINDOW + timedelta(seconds=rng.randrange(2 * int(WINDOW.total_seconds())))
        events.append(_event(n, start, USER_UPN, people.others()))
    user = graph_json.mailbox_user(USER_OID, USER_UPN, messages, events, display_name="Bench User")
    return {"users": [user]}


def write(directory: Path, now: datetime | None = None) -> dict[str, Path]:
    """Write ``records-base.jsonl``, ``records-10000.jsonl`` and ``mailbox.json``."""
    now = now or datetime.now(UTC)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {
        "base": directory / "records-base.jsonl",
        "flat": directory / f"records-{FLAT_SIZES[-1]}.jsonl",
        "mailbox": directory / "mailbox.json",
    }
    paths["base"].write_text("".join(json.dumps(r) + "\n" for r in base_records(now)))
    paths["flat"].write_text("".join(json.dumps(r) + "\n" for r in flat_records(FLAT_SIZES[-1], now)))
    paths["mailbox"].write_text(json.dumps(mailbox(now)))
    return paths
