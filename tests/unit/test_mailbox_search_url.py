"""The ``$search`` URL we build is the URL msgraph-sdk's own template expansion builds,
byte for byte, so the URL budget is measured on what the SDK would send."""

from __future__ import annotations

from datetime import date

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder

from shared.mailbox import kql, parse
from shared.mailbox.connector import graph_client
from shared.mailbox.queries import config, freeze_url, search_url

BASE = "https://graph.microsoft.com/v1.0"


class NoCredential:
    async def get_token(self, *scopes: str, **kwargs: object) -> None:  # never called: nothing is sent
        raise AssertionError("no request is sent")


CLIENT = graph_client(NoCredential(), BASE, httpx.AsyncClient())  # type: ignore[arg-type]


def sdk_url(owner: str, search: str, top: int) -> str:
    query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
        search=search, select=list(parse.MESSAGE_SUMMARY_FIELDS), top=top
    )
    info = CLIENT.users.by_user_id(owner).messages.to_get_request_information(config(query))
    return freeze_url(info, BASE).url


local = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
addresses = st.lists(
    st.builds(lambda a, d: f"{a}@{d}.example", local, st.from_regex(r"[a-zä-]{1,12}", fullmatch=True)),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(addresses, st.integers(1, 1000), st.sampled_from(["b05y0000", "ab-c/d", "user@contoso.com"]))
def test_our_search_url_is_the_sdk_expansion_byte_for_byte(found: list[str], top: int, owner: str) -> None:
    search = kql.search_value(found, date(2026, 11, 17), None)
    assert search_url(BASE, owner, search, top) == sdk_url(owner, search, top)


def test_the_kql_quoting_of_awkward_addresses_survives_the_encoding() -> None:
    search = kql.search_value(
        ["o'brien+x@ex-ample.co.uk", 'we"ird@x.com', "üñí@exämple.com"], date(2026, 11, 1)
    )
    url = search_url(BASE, "ab-c/d", search, 25)
    assert url == sdk_url("ab-c/d", search, 25)
    assert url.startswith(f"{BASE}/users/ab-c%2Fd/messages?%24search=%22%28participants%3A")
    assert url.endswith("&%24top=25")
