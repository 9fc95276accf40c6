"""``Mailbox`` over Microsoft Graph with msgraph-sdk.

Requests are built with the SDK's request builders and sent through its request adapter
(auth provider, RetryHandler for 429/503/504 honouring ``Retry-After``, telemetry). The
answer is taken as raw JSON and parsed by ``shared.mailbox.parse``: the SDK's model
deserialiser fails a whole page on one unreadable date, we skip just that item.

Query strategy (measured in docs/graph.md):

* emails, up to ``search_max_addresses`` addresses (default 20): one KQL ``$search``
  ``"(participants:a OR participants:b ...) AND received>=<date>"``;
* emails, more addresses (or an address KQL cannot carry): list the 3-day window,
  ``$filter=receivedDateTime ge <now-3d>``, ``$orderby=receivedDateTime desc``,
  ``$select``, ``$top=1000``;
* meetings: one ``calendarView`` [now-3d, now+3d], ``$select``, matched client-side.

Every query follows ``@odata.nextLink`` for at most ``max_pages`` pages. At most
``per_mailbox`` (4) requests run concurrently against one mailbox through one
``MailboxLimiter`` (one per ``GraphConnector``, so one per process).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_adapter import RequestAdapter
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
    CalendarViewRequestBuilder,
)
from msgraph.generated.users.item.events.item.attachments.attachments_request_builder import (
    AttachmentsRequestBuilder as EventAttachmentsRequestBuilder,
)
from msgraph.generated.users.item.events.item.event_item_request_builder import EventItemRequestBuilder
from msgraph.generated.users.item.messages.item.attachments.attachments_request_builder import (
    AttachmentsRequestBuilder,
)
from msgraph.generated.users.item.messages.item.message_item_request_builder import (
    MessageItemRequestBuilder,
)
from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.graph_service_client import GraphServiceClient

from shared.exceptions import MailboxError, MailboxItemNotFoundError, MailboxUnavailableError
from shared.mailbox import parse
from shared.mailbox.base import EMAIL_WINDOW, EXPLAIN_LOOKBACK, MEETING_WINDOW, MailboxScan
from shared.mailbox.errors import TRANSLATED, translate
from shared.model import AttachmentFile, ItemKind, MailItem, MailItemDetail, normalize_address
from shared.validation import GRAPH_ITEM_ID_PATTERN

logger = logging.getLogger(__name__)

PREFER = ('IdType="ImmutableId"', 'outlook.timezone="UTC"')
#: Characters an address may have to be put into a KQL ``participants:`` term unquoted.
KQL_SAFE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~@-]+@[A-Za-z0-9.-]+$")
#: Graph item ids (immutable or not) are URL-safe base64 text.
ITEM_ID = re.compile(GRAPH_ITEM_ID_PATTERN)
Strategy = Literal["auto", "search", "window"]


@dataclass(frozen=True)
class QueryPolicy:
    """How candidates are fetched; the defaults are the documented budget (docs/graph.md)."""

    strategy: Strategy = "auto"
    search_max_addresses: int = 20  # per $search request; "auto" lists the window above it
    search_page_size: int = 250
    window_page_size: int = 1000
    window_slices: int = 3  # the window is listed as this many concurrent time slices
    event_page_size: int = 250
    max_pages: int = 5  # per query, including the first page
    attachment_page_size: int = 100
    #: False: no SDK retries (the track job retries through the queue, honouring
    #: Retry-After without sleeping in the handler).
    sdk_retries: bool = True


class MailboxLimiter:
    """One semaphore per mailbox in this process (Graph allows 4 concurrent per mailbox)."""

    def __init__(self, per_mailbox: int = 4, max_mailboxes: int = 10_000) -> None:
        self.per_mailbox = per_mailbox
        self._max = max_mailboxes
        self._semaphores: OrderedDict[str, asyncio.Semaphore] = OrderedDict()

    def get(self, owner_id: str) -> asyncio.Semaphore:
        key = owner_id.lower()
        semaphore = self._semaphores.get(key)
        if semaphore is None:
            semaphore = self._semaphores[key] = asyncio.Semaphore(self.per_mailbox)
            self._evict()
        else:
            self._semaphores.move_to_end(key)
        return semaphore

    def _evict(self) -> None:
        for key in list(self._semaphores)[: max(0, len(self._semaphores) - self._max)]:
            if not self._semaphores[key].locked():
                del self._semaphores[key]


def _config(query: Any = None) -> RequestConfiguration[Any]:
    config: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query)
    for value in PREFER:
        config.headers.add("Prefer", value)
    return config


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def kql_for(addresses: Sequence[str], since: datetime) -> str:
    """The ``$search`` value for messages involving any of ``addresses`` received since
    the day before ``since`` (KQL dates are whole days in the mailbox's time zone)."""
    terms = " OR ".join(f"participants:{a}" for a in addresses)
    day = (since - timedelta(days=1)).date().isoformat()
    return f'"({terms}) AND received>={day}"'


def window_slices(since: datetime, now: datetime, count: int) -> list[tuple[datetime, datetime | None]]:
    """``[since, now]`` cut into ``count`` back-to-back slices; the newest is open-ended
    (``None``), so mail stamped a little ahead of our clock is not missed."""
    count = max(1, count)
    step = (now - since) / count
    bounds = [since + step * i for i in range(count)]
    return [(lower, bounds[i + 1] if i + 1 < count else None) for i, lower in enumerate(bounds)]


class GraphMailbox:
    """``Mailbox`` for any user reachable with the adapter's credential.

    ``limiter`` is shared by every mailbox of one ``GraphConnector``, so the per-mailbox
    limit holds across requests; ``on_close`` releases what this mailbox alone owns.
    """

    def __init__(
        self,
        client: GraphServiceClient,
        *,
        limiter: MailboxLimiter,
        policy: QueryPolicy | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._client = client
        self._adapter: RequestAdapter = client.request_adapter
        self.policy = policy or QueryPolicy()
        self._limiter = limiter
        self._on_close = on_close

    async def __aenter__(self) -> GraphMailbox:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            await on_close()

    # --- the Mailbox verbs ---------------------------------------------------------------

    async def list_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> list[MailItem]:
        now = now.astimezone(UTC)
        return await self._collect(
            owner_id, addresses, now, now - EMAIL_WINDOW, now - MEETING_WINDOW, own_addresses
        )

    async def scan_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> MailboxScan:
        now = now.astimezone(UTC)
        since = now - EXPLAIN_LOOKBACK
        items = await self._collect(owner_id, addresses, now, since, since, own_addresses)
        # The queries select no folder, draft, cancelled or sensitivity field yet: nothing is
        # left out on this side, so ``left_out`` stays empty until they do.
        return MailboxScan(tuple(items))

    async def _collect(
        self,
        owner_id: str,
        addresses: Sequence[str],
        now: datetime,
        email_since: datetime,
        meeting_since: datetime,
        own_addresses: Sequence[str],
    ) -> list[MailItem]:
        wanted = sorted({normalize_address(a) for a in addresses if a and "@" in a})
        if not wanted:
            return []
        results = await asyncio.gather(
            self._candidate_emails(owner_id, wanted, now, email_since, own_addresses),
            self._candidate_meetings(owner_id, now, meeting_since),
            return_exceptions=True,
        )
        items: dict[tuple[str, str], MailItem] = {}
        for result in results:
            if isinstance(result, BaseException):
                raise result
            wanted_set = set(wanted)
            for item in result:
                if any(normalize_address(p.address) in wanted_set for p in item.participants()):
                    items[(item.kind, item.id)] = item
        return sorted(items.values(), key=lambda i: i.occurred_at, reverse=True)

    async def get_summary(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItem:
        fields = parse.MESSAGE_SUMMARY_FIELDS if kind == "email" else parse.EVENT_SUMMARY_FIELDS
        raw = await self._get_item_json(owner_id, kind, item_id, fields)
        item = parse.parse_item(kind, raw, own_addresses=own_addresses)
        if item is None:
            raise MailboxItemNotFoundError(f"the {kind} has no usable identity or date")
        return item

    async def get_item(
        self, owner_id: str, kind: ItemKind, item_id: str, *, own_addresses: Sequence[str] = ()
    ) -> MailItemDetail:
        fields = parse.MESSAGE_DETAIL_FIELDS if kind == "email" else parse.EVENT_DETAIL_FIELDS
        raw = await self._get_item_json(owner_id, kind, item_id, fields)
        attachments = await self._attachments(owner_id, kind, item_id) if raw.get("hasAttachments") else []
        detail = parse.parse_detail(kind, raw, attachments, own_addresses=own_addresses)
        if detail is None:
            raise MailboxItemNotFoundError(f"the {kind} has no usable identity or date")
        return detail

    async def get_attachment(
        self, owner_id: str, kind: ItemKind, item_id: str, attachment_id: str
    ) -> AttachmentFile:
        """``GET .../attachments/{id}``: a fileAttachment with its ``contentBytes``."""
        if not ITEM_ID.match(item_id or "") or not ITEM_ID.match(attachment_id or ""):
            raise MailboxItemNotFoundError("not a Graph attachment id")
        if kind == "email":
            parent: Any = self._user(owner_id).messages.by_message_id(item_id)
        else:
            parent = self._user(owner_id).events.by_event_id(item_id)
        info = parent.attachments.by_attachment_id(attachment_id).to_get_request_information(_config())
        found = parse.parse_attachment_file(await self._send(owner_id, info, "the attachment"))
        if found is None:
            raise MailboxItemNotFoundError("the attachment is not a file")
        return found

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["id", "mail", "userPrincipalName", "proxyAddresses"]
        )
        info = self._user(owner_id).to_get_request_information(_config(query))
        return parse.parse_own_addresses(await self._send(owner_id, info, "the user"))

    # --- queries ----------------------------------------------------------------------------

    def _user(self, owner_id: str) -> UserItemRequestBuilder:
        return self._client.users.by_user_id(owner_id)

    def _use_search(self, addresses: Sequence[str]) -> bool:
        if self.policy.strategy == "window" or not all(KQL_SAFE.match(a) for a in addresses):
            return False
        return self.policy.strategy == "search" or len(addresses) <= self.policy.search_max_addresses

    async def _candidate_emails(
        self,
        owner_id: str,
        addresses: Sequence[str],
        now: datetime,
        since: datetime,
        own_addresses: Sequence[str],
    ) -> list[MailItem]:
        if self._use_search(addresses):
            raws = await self._search_emails(owner_id, addresses, since)
        else:
            raws = await self._window_emails(owner_id, now, since)
        found = (parse.parse_message(raw, own_addresses=own_addresses) for raw in raws)
        return [item for item in found if item is not None and item.occurred_at >= since]

    async def _search_emails(
        self, owner_id: str, addresses: Sequence[str], since: datetime
    ) -> list[dict[str, Any]]:
        """KQL ``participants:`` searches, ``search_max_addresses`` addresses each, concurrently."""
        size = max(1, self.policy.search_max_addresses)
        infos = []
        for start in range(0, len(addresses), size):
            query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
                search=kql_for(addresses[start : start + size], since),
                select=list(parse.MESSAGE_SUMMARY_FIELDS),
                top=self.policy.search_page_size,
            )
            infos.append(self._user(owner_id).messages.to_get_request_information(_config(query)))
        pages = await asyncio.gather(*(self._pages(owner_id, info, "messages") for info in infos))
        return [raw for page in pages for raw in page]

    def _window_query(self, owner_id: str, lower: datetime, upper: datetime | None) -> RequestInformation:
        clause = f"receivedDateTime ge {_iso(lower)}"
        if upper is not None:
            clause += f" and receivedDateTime le {_iso(upper)}"
        query = MessagesRequestBuilder.MessagesRequestBuilderGetQueryParameters(
            filter=clause,
            orderby=["receivedDateTime desc"],
            select=list(parse.MESSAGE_SUMMARY_FIELDS),
            top=self.policy.window_page_size,
        )
        return self._user(owner_id).messages.to_get_request_information(_config(query))

    async def _window_emails(self, owner_id: str, now: datetime, since: datetime) -> list[dict[str, Any]]:
        """Every mail received since ``since``: the window cut into ``window_slices`` time
        slices listed concurrently, instead of following ``@odata.nextLink`` one round trip
        after another (1,000 mails a page). Slices share their boundary instant (``le``),
        so nothing falls between them; duplicates are dropped by id."""
        slices = window_slices(since, now, self.policy.window_slices)
        infos = [self._window_query(owner_id, lower, upper) for lower, upper in slices]
        pages = await asyncio.gather(*(self._pages(owner_id, info, "messages") for info in infos))
        unique: dict[object, dict[str, Any]] = {}
        for raw in (raw for page in pages for raw in page):
            unique.setdefault(raw.get("id"), raw)
        return list(unique.values())

    async def _candidate_meetings(self, owner_id: str, now: datetime, start: datetime) -> list[MailItem]:
        end = now + MEETING_WINDOW
        query = CalendarViewRequestBuilder.CalendarViewRequestBuilderGetQueryParameters(
            start_date_time=_iso(start),
            end_date_time=_iso(end),
            select=list(parse.EVENT_SUMMARY_FIELDS),
            top=self.policy.event_page_size,
        )
        info = self._user(owner_id).calendar_view.to_get_request_information(_config(query))
        found = (parse.parse_event(raw) for raw in await self._pages(owner_id, info, "calendarView"))
        return [item for item in found if item is not None and start <= item.occurred_at <= end]

    async def _get_item_json(
        self, owner_id: str, kind: ItemKind, item_id: str, fields: Iterable[str]
    ) -> dict[str, Any]:
        if not ITEM_ID.match(item_id or ""):
            raise MailboxItemNotFoundError(f"not a Graph {kind} id")
        builder: MessageItemRequestBuilder | EventItemRequestBuilder
        if kind == "email":
            builder = self._user(owner_id).messages.by_message_id(item_id)
            query: Any = MessageItemRequestBuilder.MessageItemRequestBuilderGetQueryParameters(
                select=list(fields)
            )
        else:
            builder = self._user(owner_id).events.by_event_id(item_id)
            query = EventItemRequestBuilder.EventItemRequestBuilderGetQueryParameters(select=list(fields))
        return await self._send(owner_id, builder.to_get_request_information(_config(query)), f"the {kind}")

    async def _attachments(self, owner_id: str, kind: ItemKind, item_id: str) -> list[dict[str, Any]]:
        select, top = list(parse.ATTACHMENT_FIELDS), self.policy.attachment_page_size
        if kind == "email":
            message = self._user(owner_id).messages.by_message_id(item_id)
            query: Any = AttachmentsRequestBuilder.AttachmentsRequestBuilderGetQueryParameters(
                select=select, top=top
            )
            info = message.attachments.to_get_request_information(_config(query))
        else:
            event = self._user(owner_id).events.by_event_id(item_id)
            query = EventAttachmentsRequestBuilder.AttachmentsRequestBuilderGetQueryParameters(
                select=select, top=top
            )
            info = event.attachments.to_get_request_information(_config(query))
        return await self._pages(owner_id, info, "attachments")

    # --- transport ---------------------------------------------------------------------------

    async def _pages(self, owner_id: str, first: RequestInformation, what: str) -> list[dict[str, Any]]:
        """Every item of a collection, following ``@odata.nextLink`` up to ``max_pages``."""
        items: list[dict[str, Any]] = []
        info: RequestInformation | None = first
        for _ in range(self.policy.max_pages):
            if info is None:
                return items
            page = await self._send(owner_id, info, what)
            values = page.get("value")
            if isinstance(values, list):
                items.extend(v for v in values if isinstance(v, dict))
            next_link = page.get("@odata.nextLink")
            info = self._next(next_link) if isinstance(next_link, str) and next_link else None
        if info is not None:
            logger.warning(
                "Graph %s: page cap of %d reached; older items left out", what, self.policy.max_pages
            )
        return items

    def _next(self, next_link: str) -> RequestInformation:
        builder = MessagesRequestBuilder(self._adapter, next_link)  # any builder: the URL is raw
        return builder.to_get_request_information(_config())

    async def _send(self, owner_id: str, info: RequestInformation, what: str) -> dict[str, Any]:
        if not self.policy.sdk_retries:
            info.add_request_options([RetryHandlerOption(should_retry=False)])
        async with self._limiter.get(owner_id):
            try:
                errors: dict[str, Any] = {"XXX": ODataError.create_from_discriminator_value}
                body: Any = await self._adapter.send_primitive_async(info, "bytes", errors)
            except MailboxError:
                raise
            except TRANSLATED as exc:
                raise translate(exc, what) from exc
        try:
            answer = json.loads(body) if body else None
        except ValueError as exc:
            raise MailboxUnavailableError(f"Graph answered unreadable JSON for {what}") from exc
        if not isinstance(answer, dict):
            raise MailboxUnavailableError(f"Graph answered no JSON object for {what}")
        return answer
