"""The Graph stand-in answers ``$search`` through a token index: the answer must be the
one evaluating every message gives, whatever the query (address terms, prefixes,
dates, NOT, free text, nested OR/AND)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from localdev.graph_server import kql
from localdev.graph_server.store import user_from_entry
from tests.integration.graph_fixtures import busy_user, pool

USER = user_from_entry(busy_user("1ndex000", "index@contoso.com", count=400, seed=5))
ADDRESSES = pool(300)


def scan(search: str) -> list[str]:
    predicate = kql.compile_search(search)
    return [m["id"] for m in USER.messages if predicate(m)]


def indexed(search: str) -> list[str]:
    return [m["id"] for m in kql.matching(kql.compile_search(search), USER.messages, USER.token_index)]


term = st.one_of(
    st.sampled_from(ADDRESSES).map(lambda a: f"participants:{a}"),
    st.sampled_from(ADDRESSES).map(lambda a: f"from:{a}"),
    st.sampled_from(ADDRESSES).map(lambda a: f"to:{a}"),
    st.sampled_from(
        [
            "participants:contact01*",
            "participants:index@contoso.com",
            "subject:1",
            "-to:contact002@fabrikam.com",
        ]
    ),
)
day = st.dates(date(2026, 11, 15), date(2026, 11, 21)).map(lambda d: f"received>={d.isoformat()}")


@settings(max_examples=150, deadline=None)
@given(st.lists(term, min_size=1, max_size=12), st.one_of(st.none(), day), st.booleans())
def test_the_index_answers_what_evaluating_every_message_answers(
    terms: list[str], since: str | None, negate: bool
) -> None:
    group = "(" + " OR ".join(terms) + ")"
    search = f"{'NOT ' if negate else ''}{group}{f' AND {since}' if since else ''}"
    value = '"' + search + '"'
    assert indexed(value) == scan(value)


def test_an_address_search_through_the_index_finds_its_mail_and_nothing_for_a_stranger() -> None:
    sender = USER.messages[0]["from"]["emailAddress"]["address"]
    value = f'"(participants:{sender} OR participants:nobody@nowhere.example) AND received>=2026-11-01"'
    found = indexed(value)
    assert USER.messages[0]["id"] in found and found == scan(value)
    assert indexed('"participants:nobody@nowhere.example"') == []
