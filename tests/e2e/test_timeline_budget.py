"""Graph requests per timeline, counted by the local Graph server (``/_admin/stats``).

The documented budget (docs/graph.md): up to 20 addresses, 2 requests (one ``$search``,
one ``calendarView``); up to ~300 addresses, one ``$search`` per URL-sized chunk (at most
8) + 1; more, the window listing, about ``ceil(emails in the window / 1000) + 1``.
The first timeline of a mailbox in a host process also fetches the
mailbox's well-known folder ids, once (docs/graph.md): the fixture opens one first.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta

import pytest

from shared.mailbox import QueryPolicy
from tests.e2e.timeline_data import (
    ACCOUNT_CONTACTS,
    BUSY,
    SELLER,
    Mail,
    account_contact_addresses,
    addr,
    user_entry,
)
from tests.e2e.timeline_world import (
    World,
)

pytestmark = pytest.mark.e2e

BUSY_EMAILS = 3_000
HARD_CEILING = 16
WINDOW_SLICES = 3


def window_budget(emails_in_window: int) -> int:
    """docs/graph.md: the window as 3 concurrent slices, each of which may need one page
    more than an even split of the mail (at least one page each); + 1 calendarView."""
    return max(math.ceil(emails_in_window / 1000) + WINDOW_SLICES - 1, WINDOW_SLICES) + 1


@pytest.fixture(scope="module")
def world(world: World) -> World:
    """The session's world plus a busy mailbox (3,000 emails in the window)."""
    span = timedelta(days=2.9) / BUSY_EMAILS  # every email inside the 3-day window
    mails = []
    for i in range(BUSY_EMAILS - 1):  # and one more below
        if i % 10 == 0:  # 300 from the account's (top 50) contacts, every address used
            sender = account_contact_addresses((i // 10) % (ACCOUNT_CONTACTS - 1))[(i // 500) % 3]
        elif i % 100 == 5:
            sender = addr("cap")
        else:
            sender = f"sender{i}@noise{i % 97}.example.org"
        mails.append(Mail(f"busy-{i:04d}", "email", world.now - (i + 1) * span, sender=sender))
    mails.append(Mail("busy-self-oldest", "email", world.now - timedelta(days=2.95), sender=addr("busyself")))
    world.graph.put_user(user_entry(BUSY, mails))
    for user in (BUSY, SELLER):  # the well-known folder ids, once per mailbox and host
        world.ok_timeline(user, "contact", "cap")
    return world


def timed_requests(world: World, user, entity_type: str, name: str) -> tuple[int, dict, float]:
    before = world.graph.requests(user)
    started = time.perf_counter()
    timeline = world.ok_timeline(user, entity_type, name)
    elapsed = time.perf_counter() - started
    return world.graph.requests(user) - before, timeline, elapsed


def test_big_account_timeline_stays_within_the_window_budget(world):
    requests, timeline, elapsed = timed_requests(world, BUSY, "account", "acct")

    untracked = [i for i in timeline["items"] if i["state"] == "untracked"]
    print(f"\nbig account (152 addresses, {BUSY_EMAILS} emails): {requests} Graph requests, {elapsed:.3f}s")
    assert requests <= window_budget(BUSY_EMAILS) <= HARD_CEILING
    assert len(untracked) == 50
    stamps = [i["occurredAt"] for i in untracked]
    assert stamps == sorted(stamps, reverse=True)
    assert {m["rule"] for i in untracked for m in i["matchedBy"]} == {"accountContact"}


def test_one_address_contact_timeline_takes_at_most_2_graph_requests(world):
    requests, timeline, elapsed = timed_requests(world, BUSY, "contact", "cap")

    print(f"\none-address contact ({BUSY_EMAILS} emails): {requests} Graph requests, {elapsed:.3f}s")
    assert requests <= 2
    assert len(timeline["items"]) == BUSY_EMAILS // 100


def test_account_timeline_takes_one_search_per_url_sized_chunk_and_one_for_meetings(world):
    """docs/graph.md: above 20 addresses, one $search per 2,048-byte URL chunk (at most 8),
    whatever the mailbox's traffic, + 1 calendarView."""
    requests, _, _ = timed_requests(world, SELLER, "account", "acct")

    assert requests <= QueryPolicy().max_search_requests + 1


def test_the_users_own_address_on_a_record_is_not_searched_for(world):
    """Searching the owner's own address would return the whole mailbox: the page cap
    would drop older matches and the request count would grow with the mailbox."""
    requests, timeline, _ = timed_requests(world, BUSY, "contact", "busyself")

    assert [i["subject"].split(" ")[1] for i in timeline["items"]] == ["busy-self-oldest"]
    assert requests <= 2
