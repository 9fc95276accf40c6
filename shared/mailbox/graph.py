"""``Mailbox`` over Microsoft Graph with msgraph-sdk.

Requests are built with the SDK's request builders and sent through its request adapter
(auth provider, RetryHandler for 429/503/504 honouring ``Retry-After``, telemetry). The
answer is taken as raw JSON and parsed by ``shared.mailbox.parse``: the SDK's model
deserialiser fails a whole page on one unreadable date, we skip just that item.

Which requests find the candidates is ``shared.mailbox.queries``; which of the items
found are correspondence is ``shared.mailbox.correspondence`` (pure), with the folder
ids it needs fetched once per mailbox by ``shared.mailbox.folders``. At most
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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from kiota_abstractions.request_adapter import RequestAdapter
from kiota_abstractions.request_information import RequestInformation
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.item.events.item.attachments.attachments_request_builder import (
    AttachmentsRequestBuilder as EventAttachmentsRequestBuilder,
)
from msgraph.generated.users.item.events.item.event_item_request_builder import EventItemRequestBuilder
from msgraph.generated.users.item.mail_folders.item.mail_folder_item_request_builder import (
    MailFolderItemRequestBuilder,
)
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
from shared.logging import log_event
from shared.mailbox import folders, parse
from shared.mailbox.base import EMAIL_WINDOW, EXPLAIN_LOOKBACK, MEETING_WINDOW, Candidates, MailboxScan
from shared.mailbox.correspondence import OUTSIDE_WINDOW, Folder, reason, sift
from shared.mailbox.errors import TRANSLATED, translate
from shared.mailbox.kql import kql_for
from shared.mailbox.queries import (
    CandidateQueries,
    Paged,
    QueryPolicy,
    Strategy,
    config,
    freeze_url,
    window_slices,
)
from shared.model import AttachmentFile, ItemKind, MailItem, MailItemDetail, normalize_address
from shared.validation import GRAPH_ITEM_ID_PATTERN

__all__ = ["GraphMailbox", "MailboxLimiter", "QueryPolicy", "Strategy", "kql_for", "window_slices"]

logger = logging.getLogger(__name__)
#: Graph item ids (immutable or not) are URL-safe base64 text.
ITEM_ID = re.compile(GRAPH_ITEM_ID_PATTERN)


def involves(item: MailItem, wanted: set[str]) -> bool:
    return any(normalize_address(p.address) in wanted for p in item.participants())


class MailboxLimiter:
    """Per-mailbox state of one process: a semaphore per mailbox (Graph allows 4
    concurrent requests per app per mailbox) and what is known of its folders."""

    def __init__(self, per_mailbox: int = 4, max_mailboxes: int = 10_000) -> None:
        self.per_mailbox = per_mailbox
        self._max = max_mailboxes
        self._semaphores: OrderedDict[str, asyncio.Semaphore] = OrderedDict()
        self.folders = folders.FolderCache(max_mailboxes=max_mailboxes)

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
    ) -> Candidates:
        return await self._collect(owner_id, addresses, now, EMAIL_WINDOW, MEETING_WINDOW, own_addresses)

    async def scan_candidates(
        self, owner_id: str, addresses: Sequence[str], now: datetime, *, own_addresses: Sequence[str] = ()
    ) -> MailboxScan:
        """Candidates of the last 30 days for an explanation: the items the rules judge (those
        outside the suggestion window included) and the ones the mailbox side left out."""
        found = await self._collect(
            owner_id, addresses, now, EXPLAIN_LOOKBACK, EXPLAIN_LOOKBACK, own_addresses
        )
        outside = tuple(o.item for o in found.left_out if o.reason == OUTSIDE_WINDOW)
        left_out = tuple((o.item, o.reason) for o in found.left_out if o.reason != OUTSIDE_WINDOW)
        return MailboxScan(tuple(found.items) + outside, left_out)  # type: ignore[arg-type]

    async def _collect(
        self,
        owner_id: str,
        addresses: Sequence[str],
        now: datetime,
        email_window: timedelta,
        meeting_window: timedelta,
        own_addresses: Sequence[str],
    ) -> Candidates:
        wanted = sorted({normalize_address(a) for a in addresses if a and "@" in a})
        if not wanted:
            return Candidates([])
        now = now.astimezone(UTC)
        wanted_set = set(wanted)
        known_now = self._limiter.folders.snapshot(owner_id)

        parsed: dict[int, MailItem | None] = {}  # by id(raw): each answer parsed once

        def message(raw: dict[str, Any]) -> MailItem | None:
            if id(raw) not in parsed:
                parsed[id(raw)] = parse.parse_message(raw, own_addresses=own_addresses)
            return parsed[id(raw)]

        def keep(raw: dict[str, Any]) -> bool:
            """Whether a chunk's result can become a suggestion (a folder not known yet: yes)."""
            item = message(raw)
            if item is None or not involves(item, wanted_set):
                return False
            if item.folder_id and known_now.verdict(item.folder_id)[1] is not None:
                item = replace(item, folder_id="")
            return reason(item, known_now, now) is None

        base_url = self._adapter.base_url or ""
        queries = CandidateQueries(self._user, self._pages, self._page, self.policy, base_url, keep)
        # calendarView first: the longest answer takes the first of the mailbox's 4 permits
        (events, events_capped), (emails, emails_capped), _ = await asyncio.gather(
            queries.meetings(owner_id, now, now - meeting_window),
            queries.emails(owner_id, wanted, now, email_window),
            folders.prime(self._limiter.folders, owner_id, lambda name: self._well_known(owner_id, name)),
        )
        found: dict[tuple[str, str], MailItem] = {}
        for item in [*(message(r) for r in emails), *(parse.parse_event(r) for r in events)]:
            if item is not None and involves(item, wanted_set):
                found[(item.kind, item.id)] = item
        folder_ids = {i.folder_id for i in found.values() if i.kind == "email"}
        known = await folders.resolve(
            self._limiter.folders, owner_id, folder_ids, lambda f: self._folder(owner_id, f)
        )
        kept, left_out = sift(found.values(), known, now)
        capped = tuple(n for n, c in (("messages", emails_capped), ("calendarView", events_capped)) if c)
        if capped:
            log_event(logger, "mailbox.cap_reached", level=logging.WARNING, queries=",".join(capped))
        kept.sort(key=lambda i: i.occurred_at, reverse=True)
        return Candidates(kept, tuple(left_out), capped)

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
        info = parent.attachments.by_attachment_id(attachment_id).to_get_request_information(config())
        found = parse.parse_attachment_file(await self._send(owner_id, info, "the attachment"))
        if found is None:
            raise MailboxItemNotFoundError("the attachment is not a file")
        return found

    async def get_own_addresses(self, owner_id: str) -> tuple[str, ...]:
        query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=["id", "mail", "userPrincipalName", "proxyAddresses"]
        )
        info = self._user(owner_id).to_get_request_information(config(query))
        return parse.parse_own_addresses(await self._send(owner_id, info, "the user"))

    # --- single reads ---------------------------------------------------------------------

    def _user(self, owner_id: str) -> UserItemRequestBuilder:
        return self._client.users.by_user_id(owner_id)

    async def _mail_folder(self, owner_id: str, folder: str, select: list[str]) -> dict[str, Any] | None:
        query = MailFolderItemRequestBuilder.MailFolderItemRequestBuilderGetQueryParameters(select=select)
        builder = self._user(owner_id).mail_folders.by_mail_folder_id(folder)
        try:
            return await self._send(owner_id, builder.to_get_request_information(config(query)), "the folder")
        except MailboxItemNotFoundError:
            return None

    async def _well_known(self, owner_id: str, name: str) -> str | None:
        """The id of a well-known folder (None when the mailbox has no such folder)."""
        raw = await self._mail_folder(owner_id, name, ["id"])
        folder_id = raw.get("id") if raw else None
        return folder_id if isinstance(folder_id, str) and folder_id else None

    async def _folder(self, owner_id: str, folder_id: str) -> Folder | None:
        if not ITEM_ID.match(folder_id):
            return None
        raw = await self._mail_folder(owner_id, folder_id, ["id", "parentFolderId", "isHidden"])
        if raw is None:
            return None
        parent = raw.get("parentFolderId")
        return Folder(folder_id, parent if isinstance(parent, str) else "", raw.get("isHidden") is True)

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
        return await self._send(owner_id, builder.to_get_request_information(config(query)), f"the {kind}")

    async def _attachments(self, owner_id: str, kind: ItemKind, item_id: str) -> list[dict[str, Any]]:
        select, top = list(parse.ATTACHMENT_FIELDS), self.policy.attachment_page_size
        if kind == "email":
            message = self._user(owner_id).messages.by_message_id(item_id)
            query: Any = AttachmentsRequestBuilder.AttachmentsRequestBuilderGetQueryParameters(
                select=select, top=top
            )
            info = message.attachments.to_get_request_information(config(query))
        else:
            event = self._user(owner_id).events.by_event_id(item_id)
            query = EventAttachmentsRequestBuilder.AttachmentsRequestBuilderGetQueryParameters(
                select=select, top=top
            )
            info = event.attachments.to_get_request_information(config(query))
        items, _ = await self._pages(owner_id, info, "attachments")
        return items

    # --- transport ---------------------------------------------------------------------------

    async def _pages(self, owner_id: str, first: RequestInformation, what: str) -> Paged:
        """Every item of a collection, following ``@odata.nextLink`` up to ``max_pages``; and
        whether a next link was left unfollowed (the page cap bit)."""
        items: list[dict[str, Any]] = []
        info: RequestInformation | None = first
        for _ in range(self.policy.max_pages):
            if info is None:
                return items, False
            fresh, info = await self._page(owner_id, info, what)
            items.extend(fresh)
        return items, info is not None

    async def _page(
        self, owner_id: str, info: RequestInformation, what: str
    ) -> tuple[list[dict[str, Any]], RequestInformation | None]:
        """One page of a collection: its items and the request for the next page, if any."""
        page = await self._send(owner_id, info, what)
        values = page.get("value")
        fresh = [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
        next_link = page.get("@odata.nextLink")
        return fresh, self._next(next_link) if isinstance(next_link, str) and next_link else None

    def _next(self, next_link: str) -> RequestInformation:
        builder = MessagesRequestBuilder(self._adapter, next_link)  # any builder: the URL is raw
        return builder.to_get_request_information(config())

    async def _send(self, owner_id: str, info: RequestInformation, what: str) -> dict[str, Any]:
        if not self.policy.sdk_retries:
            info.add_request_options([RetryHandlerOption(should_retry=False)])
        freeze_url(info, self._adapter.base_url or "")
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
