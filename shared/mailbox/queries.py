"""The candidate queries against one mailbox: which Graph requests, and what to do when a
cap bites (docs/graph.md, "Query strategy").

* emails, up to ``search_max_addresses`` addresses: one KQL ``$search``
  (``shared.mailbox.kql``), every result;
* emails, more addresses: ``$search`` requests of as many addresses as fit in
  ``search_url_budget`` bytes of URL (measured on the SDK's own request), concurrently,
  each asking only for its newest ``chunk_top`` results (the 50 the timeline can show and
  a margin for tracked or excluded ones), with another page only while fewer than
  ``chunk_need`` of them are correspondence that involves the addresses (drafts, junk,
  chats… eat into it), merged newest first; when
  that takes more than ``max_search_requests`` requests, the 3-day window listed as
  ``window_slices`` time slices instead (``strategy="search"`` chunks by
  ``search_max_addresses`` and reads every result; ``"window"`` always lists);
* meetings: one ``calendarView`` ``[now-3d, now+3d]`` in start order.

Caps: a ``$search`` answers at most 1,000 results with no next link, and every query
follows ``@odata.nextLink`` for at most ``max_pages`` pages. A capped search is split
into two halves of its addresses (one address: two halves of its days); a capped
listing goes on from the oldest item it got (``calendarView``: from the latest start),
at most ``max_splits`` times deep. What is still capped is reported, not hidden.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_information import RequestInformation
from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
    CalendarViewRequestBuilder,
)
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder

from shared.mailbox import kql, parse
from shared.mailbox.base import EMAIL_WINDOW, MEETING_WINDOW

PREFER = ('IdType="ImmutableId"', 'outlook.timezone="UTC"')
#: Graph's ``$search`` on messages answers at most this many results, without a next link.
SEARCH_RESULT_CAP = 1000
Strategy = Literal["auto", "search", "window"]
Raw = dict[str, Any]
#: Items of a collection and whether a cap left some out.
Paged = tuple[list[Raw], bool]
#: (owner, first request, what) -> Paged: every item of a collection.
PageReader = Callable[[str, RequestInformation, str], Awaitable[Paged]]
#: (owner, request, what) -> one page's items and the request for the next page (None: last).
OnePage = Callable[[str, RequestInformation, str], Awaitable[tuple[list[Raw], RequestInformation | None]]]
Keep = Callable[[Raw], bool]


@dataclass(frozen=True)
class QueryPolicy:
    """How candidates are fetched; the defaults are the documented budget (docs/graph.md)."""

    strategy: Strategy = "auto"
    search_max_addresses: int = 20  # one $search up to this many addresses
    search_page_size: int = 250
    search_url_budget: int = 2048  # bytes of request URL per $search chunk above that
    chunk_top: int = 60  # results asked of a chunk at most per page
    chunk_need: int = 50  # the newest this many results that pass the sift are wanted
    chunk_share: float = 2.0  # a chunk's first page: this many times its share of chunk_need
    max_search_requests: int = 8  # more chunks than this: list the window instead
    window_page_size: int = 1000
    window_slices: int = 3  # the window is listed as this many concurrent time slices
    event_page_size: int = 250
    max_pages: int = 5  # per query, including the first page
    max_splits: int = 3  # how deep a capped query is split or continued
    attachment_page_size: int = 100
    #: False: no SDK retries (the track job retries through the queue, honouring
    #: Retry-After without sleeping in the handler).
    sdk_retries: bool = True


def config(query: Any = None) -> RequestConfiguration[Any]:
    out: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query)
    for value in PREFER:
        out.headers.add("Prefer", value)
    return out


def freeze_url(info: RequestInformation, base_url: str) -> RequestInformation:
    """Expand ``info``'s URL template once and keep the result: the SDK reads the URL three
    times per send (auth host check, request build) and expands the template every time,
    a character at a time (a raw URL, as ``search_request``'s, is kept as it is)."""
    info.path_parameters["baseurl"] = base_url
    info.url = info.url
    return info


def search_url(base_url: str, owner_id: str, search: str, top: int) -> str:
    """``{base}/users/{id}/messages?$search=…&$select=…&$top=…`` exactly as msgraph-sdk's URL
    template expands it (RFC 6570: all but the unreserved characters percent-encoded, the
    ``$select`` list joined by commas, the names as ``%24…``, which the SDK's middleware
    decodes to ``$…`` when sending)."""
    select = ",".join(quote(f, safe="") for f in parse.MESSAGE_SUMMARY_FIELDS)
    return (
        f"{base_url}/users/{quote(owner_id, safe='')}/messages"
        f"?%24search={quote(search, safe='')}&%24select={select}&%24top={top}"
    )


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_slices(since: datetime, now: datetime, count: int) -> list[tuple[datetime, datetime | None]]:
    """``[since, now]`` cut into ``count`` back-to-back slices; the newest is open-ended
    (``None``), so mail stamped a little ahead of our clock is not missed."""
    count = max(1, count)
    step = (now - since) / count
    bounds = [since + step * i for i in range(count)]
    return [(lower, bounds[i + 1] if i + 1 < count else None) for i, lower in enumerate(bounds)]


def _encoded(text: str) -> int:
    """Bytes of ``text`` percent-encoded as a URL query value (unreserved characters kept)."""
    return len(quote(text, safe="-._~"))


OR_BYTES = 8  # " OR " percent-encoded: %20OR%20


def _received(raw: Raw) -> datetime | None:
    return parse.parse_datetime(raw.get("receivedDateTime"))


def _oldest_received(raws: Sequence[Raw]) -> datetime | None:
    return min((t for r in raws if (t := _received(r)) is not None), default=None)


def _nth_newest(raws: Sequence[Raw], n: int) -> datetime | None:
    """The ``n``-th newest ``receivedDateTime`` of ``raws`` (None: fewer than ``n``)."""
    times = sorted((t for r in raws if (t := _received(r)) is not None), reverse=True)
    return times[n - 1] if len(times) >= n else None


def _may_hold(got: Sequence[Raw], bar: datetime | None) -> bool:
    """Whether a chunk that sent ``got`` so far may still hold a result newer than ``bar``."""
    if bar is None or not got:
        return True
    oldest = _oldest_received(got)
    return oldest is None or oldest > bar


def unique(raws: Sequence[Raw]) -> list[Raw]:
    seen: dict[object, Raw] = {}
    for raw in raws:
        seen.setdefault(raw.get("id"), raw)
    return list(seen.values())


class CandidateQueries:
    """The email and meeting queries of one ``list_candidates``."""

    def __init__(
        self,
        user: Callable[[str], UserItemRequestBuilder],
        pages: PageReader,
        page: OnePage,
        policy: QueryPolicy,
        base_url: str = "",
        keep: Keep | None = None,
    ) -> None:
        self._user, self._pages, self.policy, self._base_url = user, pages, policy, base_url
        self._keep, self._page = keep, page

    def url_bytes(self, owner_id: str, addresses: Sequence[str], first: date, top: int) -> int:
        """The length of the ``$search`` request's whole URL, as it is sent."""
        return len(search_url(self._base_url, owner_id, kql.search_value(addresses, first, None), top))

    def packed(self, owner_id: str, addresses: Sequence[str], first: date) -> list[list[str]]:
        """``addresses`` in order, packed into chunks by each term's percent-encoded size (as
        the SDK encodes query values) under the URL budget: an estimate, checked by ``fit``."""
        budget = self.policy.search_url_budget
        top = self.policy.chunk_top  # as many digits as any first page's $top, or more
        fixed = self.url_bytes(owner_id, addresses[:1], first, top) - _encoded(kql.term(addresses[0]))
        chunks: list[list[str]] = []
        current: list[str] = []
        size = fixed
        for address in addresses:
            cost = _encoded(kql.term(address))
            if current and size + cost + OR_BYTES > budget:
                chunks.append(current)
                current, size = [], fixed
            size += cost + (OR_BYTES if current else 0)
            current.append(address)
        chunks.append(current)
        return chunks

    def fit(self, owner_id: str, chunk: list[str], first: date, top: int) -> list[list[str]]:
        """``chunk`` as it is when the URL of its request fits, else split in two, recursively."""
        if len(chunk) == 1 or self.url_bytes(owner_id, chunk, first, top) <= self.policy.search_url_budget:
            return [chunk]
        half = len(chunk) // 2
        return self.fit(owner_id, chunk[:half], first, top) + self.fit(owner_id, chunk[half:], first, top)

    def first_top(self, chunks: int) -> int:
        """``$top`` of each chunk's first page: ``chunk_share`` times its share of ``chunk_need``."""
        share = math.ceil(self.policy.chunk_need * self.policy.chunk_share / max(1, chunks))
        return max(1, min(self.policy.chunk_top, share))

    def plan(
        self, owner_id: str, addresses: Sequence[str], first: date
    ) -> tuple[list[list[str]], int | None]:
        """The ``$search`` chunks and their first page's ``$top`` (None: every result, by
        ``search_max_addresses``); no chunks: list the window."""
        strategy, size = self.policy.strategy, max(1, self.policy.search_max_addresses)
        if strategy == "window":
            return [], None
        if strategy == "search" or len(addresses) <= size:
            return [list(addresses[i : i + size]) for i in range(0, len(addresses), size)], None
        packed = self.packed(owner_id, addresses, first)
        if len(packed) > self.policy.max_search_requests:
            return [], None
        top = self.first_top(len(packed))
        chunks = [part for chunk in packed for part in self.fit(owner_id, chunk, first, top)]
        return (chunks, top) if len(chunks) <= self.policy.max_search_requests else ([], None)

    async def emails(
        self, owner_id: str, addresses: Sequence[str], now: datetime, window: timedelta = EMAIL_WINDOW
    ) -> Paged:
        since = now - window
        first = (since - timedelta(days=1)).date()
        chunks, top = self.plan(owner_id, addresses, first)
        if chunks and top is not None:
            return await self._merged(owner_id, chunks, first, top)
        if chunks:
            results = await asyncio.gather(
                *(self._search(owner_id, chunk, first, None, now.date(), 0) for chunk in chunks)
            )
        else:
            results = await asyncio.gather(
                *(
                    self._window(owner_id, lower, upper, now, 0)
                    for lower, upper in window_slices(since, now, self.policy.window_slices)
                )
            )
        return unique([r for raws, _ in results for r in raws]), any(c for _, c in results)

    async def _merged(self, owner_id: str, chunks: Sequence[Sequence[str]], first: date, top: int) -> Paged:
        """The newest ``chunk_need`` kept results of all chunks, merged newest first.

        Every chunk's first page (``top`` results) is asked concurrently; then only a chunk
        that may still hold one of the newest ``chunk_need`` pages on: one whose oldest result
        so far is newer than the ``chunk_need``-th newest kept result of the merge (a chunk
        answers newest first, so what it has not sent yet is older than what it sent). The
        drafts, junk and chats a page holds thus make its chunk page on; nothing else does."""
        need, keep = self.policy.chunk_need, self._keep or (lambda _: True)
        got: list[list[Raw]] = [[] for _ in chunks]
        pending: list[RequestInformation | None] = [
            self.search_request(owner_id, c, first, None, top) for c in chunks
        ]
        rounds = 0
        while True:
            bar = _nth_newest([r for raws in got for r in raws if keep(r)], need)
            due = [i for i, info in enumerate(pending) if info is not None and _may_hold(got[i], bar)]
            if not due or rounds == self.policy.max_pages:
                return unique([r for raws in got for r in raws]), bool(due)
            answers = await asyncio.gather(*(self._page(owner_id, pending[i], "messages") for i in due))  # type: ignore[arg-type]
            for i, (raws, following) in zip(due, answers, strict=True):
                got[i].extend(raws)
                pending[i] = following
            rounds += 1

    def search_request(
        self, owner_id: str, addresses: Sequence[str], first: date, last: date | None, top: int | None = None
    ) -> RequestInformation:
        """The ``$search`` request, its URL built here as the SDK's template would expand it
        (``search_url``: byte for byte, a test holds it to that) and handed to the SDK's
        ``with_url``: the SDK's expansion quotes a 2 KB URL a character at a time."""
        search = kql.search_value(addresses, first, last)
        url = search_url(self._base_url, owner_id, search, top or self.policy.search_page_size)
        builder = self._user(owner_id).messages.with_url(url)
        return builder.to_get_request_information(config())

    async def _search(
        self,
        owner_id: str,
        addresses: Sequence[str],
        first: date,
        last: date | None,
        today: date,
        depth: int,
    ) -> Paged:
        """One ``$search`` for every result (split when capped)."""
        info = self.search_request(owner_id, addresses, first, last)
        raws, capped = await self._pages(owner_id, info, "messages")
        capped = capped or len(raws) >= SEARCH_RESULT_CAP
        end = last or today
        if not capped or depth >= self.policy.max_splits or (len(addresses) == 1 and end <= first):
            return raws, capped
        if len(addresses) > 1:
            half = len(addresses) // 2
            parts = [(addresses[:half], first, last), (addresses[half:], first, last)]
        else:
            middle = first + timedelta(days=(end - first).days // 2)
            parts = [(addresses, first, middle), (addresses, middle + timedelta(days=1), last)]
        results = await asyncio.gather(
            *(self._search(owner_id, a, f, la, today, depth + 1) for a, f, la in parts)
        )
        return unique([r for rs, _ in results for r in rs]), any(c for _, c in results)

    def window_request(self, owner_id: str, lower: datetime, upper: datetime | None) -> RequestInformation:
        clause = f"receivedDateTime ge {iso(lower)}"
        if upper is not None:
            clause += f" and receivedDateTime le {iso(upper)}"
        query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            filter=clause,
            orderby=["receivedDateTime desc"],
            select=list(parse.MESSAGE_SUMMARY_FIELDS),
            top=self.policy.window_page_size,
        )
        return self._user(owner_id).messages.to_get_request_information(config(query))

    async def _window(
        self, owner_id: str, lower: datetime, upper: datetime | None, now: datetime, depth: int
    ) -> Paged:
        """Mail received in ``[lower, upper]``, newest first; when capped, goes on from the
        oldest mail received so far (slices share boundary instants: ``le``, deduped)."""
        raws, capped = await self._pages(owner_id, self.window_request(owner_id, lower, upper), "messages")
        oldest = _oldest_received(raws)
        if not capped or depth >= self.policy.max_splits or oldest is None or oldest <= lower:
            return raws, capped
        if upper is not None and oldest >= upper:
            return raws, capped  # one instant holds more mail than the cap: no progress
        more, still = await self._window(owner_id, lower, oldest, now, depth + 1)
        return unique(raws + more), still

    def meeting_request(self, owner_id: str, start: datetime, end: datetime) -> RequestInformation:
        query = CalendarViewRequestBuilder.CalendarViewRequestBuilderGetQueryParameters(
            start_date_time=iso(start),
            end_date_time=iso(end),
            orderby=["start/dateTime"],
            select=list(parse.EVENT_SUMMARY_FIELDS),
            top=self.policy.event_page_size,
        )
        return self._user(owner_id).calendar_view.to_get_request_information(config(query))

    async def meetings(
        self, owner_id: str, now: datetime, start: datetime | None = None, depth: int = 0
    ) -> Paged:
        """``calendarView`` over ``[start, now+3d]`` in start order; when capped, goes on
        from the latest start received."""
        start = start or now - MEETING_WINDOW
        end = now + MEETING_WINDOW
        raws, capped = await self._pages(owner_id, self.meeting_request(owner_id, start, end), "calendarView")
        latest = max((t for r in raws if (t := parse.parse_zoned(r.get("start")))), default=None)
        if not capped or depth >= self.policy.max_splits or latest is None or latest <= start:
            return raws, capped
        more, still = await self.meetings(owner_id, now, latest, depth + 1)
        return unique(raws + more), still
