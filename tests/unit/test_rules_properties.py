"""Properties of match + merge that hold for any mailbox, address set and store state."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.model import (
    Activity,
    MailItem,
    Participant,
    RecordRef,
    TimelineItem,
    TrackingRequest,
    normalize_address,
)
from shared.rules import (
    AddressSet,
    AddressSetBuilder,
    build_timeline,
    claim_key,
    item_key,
    match_items,
    names,
)
from tests.builders import ACCOUNT, NOW, mail_item, tracked_copy

RELATED = ["info@contoso.com", "jane@contoso.com", "sam@contoso.com"]
OWN = ["me@mycorp.example", "Me.Alias@MyCorp.example"]
OTHER = ["x@else.example", "y@else.example", "z@fabrikam.com"]
POOL = RELATED + OWN + OTHER
RULES = [names.RECORD_EMAIL, names.PRIMARY_CONTACT, names.ACCOUNT_CONTACT, names.STAKEHOLDER]
KEYS = [f"<k{i}@mail>" for i in range(25)] + [""]


#: Every pool address in a few spellings (case, surrounding spaces) that must compare equal.
SPELLINGS = [Participant(s) for a in POOL for s in (a, a.upper(), f"  {a} ", a.title())]
participant = st.sampled_from(SPELLINGS)


@st.composite
def mail_items(draw: st.DrawFn) -> list[MailItem]:
    count = draw(st.integers(0, 40))
    items = []
    for i in range(count):
        items.append(
            MailItem(
                id=f"m{i}",
                kind=draw(st.sampled_from(["email", "meeting"])),
                key=draw(st.sampled_from(KEYS)),
                subject="",
                preview="",
                sender=draw(st.none() | participant),
                to=tuple(draw(st.lists(participant, max_size=4))),
                cc=tuple(draw(st.lists(participant, max_size=2))),
                occurred_at=NOW + timedelta(minutes=draw(st.integers(-6 * 24 * 60, 6 * 24 * 60))),
            )
        )
    return items


@st.composite
def address_sets(draw: st.DrawFn) -> AddressSet:
    builder = AddressSetBuilder()
    for address in draw(st.lists(st.sampled_from(RELATED + OWN), min_size=1, unique=True)):
        for rule in draw(st.lists(st.sampled_from(RULES), min_size=1, max_size=2, unique=True)):
            builder.add(rule, RecordRef("contact", address), [address])
    return builder.build()


def _activity(item: MailItem | str, index: int) -> Activity:
    """A tracked copy of ``item`` (its id is the item's identity), or of a mail with key ``item``."""
    identity, key = (claim_key(item), item.key) if isinstance(item, MailItem) else (f"act{index}", item)
    mail = mail_item(identity, NOW - timedelta(days=index), key=key, subject="", sender=None, to=())
    return tracked_copy(mail, ACCOUNT, "bob", NOW, id=identity, direction="outgoing")


@dataclass(frozen=True)
class Scenario:
    items: list[MailItem]
    addresses: AddressSet
    tracked: list[Activity]
    tracked_keys: set[str]
    pending: list[TrackingRequest]
    cap: int


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    items = draw(mail_items())
    # tracked: copies of some of the mailbox's items, and mail with the same Message-ID but
    # another identity (which must hide nothing)
    sources = st.sampled_from(items) | st.sampled_from(KEYS[:-1]) if items else st.sampled_from(KEYS[:-1])
    tracked = [_activity(k, i) for i, k in enumerate(draw(st.lists(sources, max_size=4)))]
    pending = []
    for i, item in enumerate(draw(st.lists(st.sampled_from(items), max_size=4)) if items else []):
        pending.append(
            TrackingRequest(
                id=f"tr{i}",
                user_id="alice",
                item_id=item.id,
                kind=item.kind,
                regarding=ACCOUNT,
                state=draw(st.sampled_from(["pending", "pending", "failed"])),
                created_at=NOW,
                updated_at=NOW,
                key=claim_key(item),
                summary=draw(st.none() | st.just(item)),
            )
        )
    return Scenario(
        items=items,
        addresses=draw(address_sets()),
        tracked=tracked,
        tracked_keys={claim_key(i) for i in draw(st.lists(st.sampled_from(items), max_size=5))}
        if items
        else set(),
        pending=pending,
        cap=draw(st.sampled_from([0, 1, 3, 10, 50])),
    )


def run(s: Scenario) -> list[TimelineItem]:
    suggestions = match_items(s.items, s.addresses, OWN)
    return build_timeline(NOW, suggestions, s.tracked, s.pending, s.tracked_keys, record=ACCOUNT, cap=s.cap)


def _key_of(s: Scenario, tile: TimelineItem) -> str:
    """The identity of the item a tile shows."""
    by_id = {i.id: i for i in s.items} | {a.id: a for a in s.tracked}  # type: ignore[operator]
    return item_key(by_id[tile.id])


OWN_NORMALIZED = {normalize_address(a) for a in OWN}


def never_more_untracked_than_the_cap(s: Scenario, tiles: list[TimelineItem]) -> None:
    assert sum(t.state == "untracked" for t in tiles) <= s.cap


def sorted_newest_first(tiles: list[TimelineItem]) -> None:
    assert all(a.occurred_at >= b.occurred_at for a, b in itertools.pairwise(tiles))


def no_item_twice(s: Scenario, tiles: list[TimelineItem]) -> None:
    keys = [_key_of(s, t) for t in tiles]
    assert len(keys) == len(set(keys))


def no_tracked_key_offered_again(s: Scenario, tiles: list[TimelineItem]) -> None:
    hidden = s.tracked_keys | {a.id for a in s.tracked}
    assert not [t for t in tiles if t.state != "tracked" and _key_of(s, t) in hidden]


def no_suggestion_matched_by_the_user_own_address(tiles: list[TimelineItem]) -> None:
    for tile in tiles:
        if tile.state == "untracked":
            assert tile.matched_by
            assert not {r.address for r in tile.matched_by} & OWN_NORMALIZED


# One generated scenario checks every timeline invariant: generating a mailbox costs far
# more than building its timeline, so this keeps the unit tier fast.
@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_timeline_is_capped_sorted_unique_and_never_offers_tracked_or_own_address_items(s: Scenario) -> None:
    tiles = run(s)
    never_more_untracked_than_the_cap(s, tiles)
    sorted_newest_first(tiles)
    no_item_twice(s, tiles)
    no_tracked_key_offered_again(s, tiles)
    no_suggestion_matched_by_the_user_own_address(tiles)


@settings(max_examples=100, deadline=None)
@given(mail_items(), address_sets())
def test_every_reason_is_in_the_address_set_and_among_the_item_participants(
    items: list[MailItem], addresses: AddressSet
) -> None:
    for suggestion in match_items(items, addresses, OWN):
        participants = {normalize_address(p.address) for p in suggestion.item.participants()}
        assert suggestion.matched_by
        assert len(set(suggestion.matched_by)) == len(suggestion.matched_by)
        for reason in suggestion.matched_by:
            assert reason.address in participants
            assert reason.rule in addresses.rules_for(reason.address)
            assert reason.address not in OWN_NORMALIZED


@settings(max_examples=100, deadline=None)
@given(mail_items(), address_sets())
def test_an_item_matches_exactly_when_a_non_own_participant_is_in_the_set(
    items: list[MailItem], addresses: AddressSet
) -> None:
    matched = {s.item.id for s in match_items(items, addresses, OWN)}
    expected = {
        i.id
        for i in items
        if any(
            normalize_address(p.address) in addresses and normalize_address(p.address) not in OWN_NORMALIZED
            for p in i.participants()
        )
    }
    assert matched == expected
