"""The local Graph-compatible server (aiohttp): Graph v1.0 JSON from a mailbox file."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from localdev.graph_server import kql, odata, recurrence
from localdev.graph_server import latency as latency_model
from localdev.graph_server.attachments import attachment_out, get_attachment, parent_item
from localdev.graph_server.auth import JwksProvider, Principal, authenticate, authorize, static_jwks
from localdev.graph_server.concurrency import MailboxConcurrency
from localdev.graph_server.errors import GraphError, bad_query, not_found
from localdev.graph_server.kql import TOKENS_KEY
from localdev.graph_server.store import GraphStats, MailboxStore, User, user_from_entry, utc_to_zoned
from localdev.graph_server.times import zoned_to_utc

STATS_KEY = web.AppKey("graph_stats", GraphStats)
STORE_KEY = web.AppKey("graph_store", MailboxStore)
CONCURRENCY_KEY = web.AppKey("graph_concurrency", MailboxConcurrency)
#: Mutable server options, the latency model: ``{"latency": seconds per request,
#: "per_kb": seconds per KiB of answer}`` (tests and the bench change them at run time).
OPTIONS_KEY = web.AppKey("graph_options", dict)
Handler = Callable[[web.Request, User, str], Awaitable[web.Response]]
LIST_OPTIONS = ("$select", "$top", "$skip", "$skiptoken", "$filter", "$orderby", "$count", "$expand")
#: Graph's ``$search`` on messages answers at most this many results, without a next link.
SEARCH_RESULT_CAP = 1000
TIMEZONE_PREF = re.compile(r'outlook\.timezone\s*=\s*"([^"]+)"', re.I)


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}/v1.0"


def _page(request: web.Request, items: list[Any], query: odata.Query, context: str) -> web.Response:
    window = items[query.skip : query.skip + query.top]
    body: dict[str, Any] = {"@odata.context": f"{_base(request)}/$metadata#{context}"}
    if request.query.get("$count", "").lower() == "true":
        body["@odata.count"] = len(items)
    body["value"] = window
    if query.skip + query.top < len(items):
        kept = {k: v for k, v in request.query.items() if k.lower() not in ("$skip", "$skiptoken")}
        kept["$skiptoken"] = odata.encode_skiptoken(query.skip + query.top)
        body["@odata.nextLink"] = str(request.url.with_query(kept))
    return web.json_response(body)


def _tz(request: web.Request) -> str:
    match = TIMEZONE_PREF.search(request.headers.get("Prefer", ""))
    return match.group(1) if match else "UTC"


def _message_out(message: Mapping[str, Any], query: odata.Query) -> dict[str, Any]:
    out = {k: v for k, v in message.items() if k not in ("attachments", TOKENS_KEY)}
    if "attachments" in query.expand:
        out["attachments"] = [attachment_out(a, None) for a in message.get("attachments", [])]
    return odata.apply_select(out, query.select)


def _event_out(user: User, event: Mapping[str, Any], query: odata.Query, tz: str) -> dict[str, Any]:
    out = {k: v for k, v in event.items() if k != "attachments"}
    start, end = user.event_span.get(str(event.get("id"))) or (
        zoned_to_utc(event.get("start")),
        zoned_to_utc(event.get("end")),
    )
    if start is not None:
        out["start"] = utc_to_zoned(start, tz)
    if end is not None:
        out["end"] = utc_to_zoned(end, tz)
    return odata.apply_select(out, query.select)


def _messages(request: web.Request, user: User, folder_id: str | None, context: str) -> web.Response:
    query = odata.parse_query(request.query, "message", odata.MESSAGE_PROPS, (*LIST_OPTIONS, "$search"))
    items = [m for m in user.messages if folder_id is None or m["parentFolderId"] == folder_id]
    if query.search is not None:
        items = kql.matching(query.search, items, user.token_index)
    if query.filter is not None:
        items = [m for m in items if query.filter.match(m)]
    items = odata.sort_items(items, query.orderby or [("receivedDateTime", True)])
    if query.search is not None:
        items = items[:SEARCH_RESULT_CAP]
    out = [_message_out(m, query) for m in items]
    return _page(request, out, query, context)


async def list_messages(request: web.Request, user: User, _: str) -> web.Response:
    return _messages(request, user, None, f"users('{user.id}')/messages")


def _folder(user: User, ref: str) -> dict[str, Any]:
    folder = user.folders.resolve(ref)
    if folder is None:
        raise not_found()
    return folder


def _hidden(request: web.Request) -> bool:
    return request.query.get("includeHiddenFolders", "").lower() == "true"


async def list_mail_folders(request: web.Request, user: User, ref: str) -> web.Response:
    """``/mailFolders`` (the folders under the top of the mailbox) or ``/mailFolders/{id}/childFolders``."""
    parent = _folder(user, ref or "msgfolderroot")
    query = odata.parse_query(
        request.query,
        "mailFolder",
        odata.MAILFOLDER_PROPS,
        ("$select", "$top", "$skip", "$skiptoken", "$filter"),
    )
    items = user.folders.children(parent["id"], _hidden(request))
    out = [odata.apply_select(f, query.select) for f in items]
    return _page(request, out, query, f"users('{user.id}')/mailFolders")


async def get_mail_folder(request: web.Request, user: User, ref: str) -> web.Response:
    query = odata.parse_query(request.query, "mailFolder", odata.MAILFOLDER_PROPS, ("$select",))
    return web.json_response(odata.apply_select(_folder(user, ref), query.select))


async def list_folder_messages(request: web.Request, user: User, ref: str) -> web.Response:
    folder = _folder(user, ref)
    return _messages(
        request, user, folder["id"], f"users('{user.id}')/mailFolders('{folder['id']}')/messages"
    )


def _message(user: User, item_id: str) -> Mapping[str, Any]:
    message = user.message_index.get(item_id)
    if message is None:
        raise not_found()
    return message


async def get_message(request: web.Request, user: User, item_id: str) -> web.Response:
    query = odata.parse_query(request.query, "message", odata.MESSAGE_PROPS, ("$select", "$expand"))
    return web.json_response(_message_out(_message(user, item_id), query))


async def list_attachments(request: web.Request, user: User, item_id: str) -> web.Response:
    parent = parent_item(user, item_id)
    query = odata.parse_query(
        request.query,
        "attachment",
        odata.ATTACHMENT_PROPS,
        ("$select", "$top", "$skip", "$skiptoken", "$filter"),
    )
    items = [attachment_out(a, query.select) for a in parent.get("attachments", [])]
    if query.filter is not None:
        items = [a for a in items if query.filter.match(a)]
    return _page(request, items, query, f"users('{user.id}')/attachments")


def _event(user: User, item_id: str) -> Mapping[str, Any]:
    event = user.find_event(item_id)
    if event is None:
        raise not_found()
    return event


async def get_event(request: web.Request, user: User, item_id: str) -> web.Response:
    query = odata.parse_query(request.query, "event", odata.EVENT_PROPS, ("$select", "$expand"))
    return web.json_response(_event_out(user, _event(user, item_id), query, _tz(request)))


def _when(request: web.Request, name: str) -> datetime | None:
    for key, value in request.query.items():
        if key.lower() == name.lower():
            try:
                moment = datetime.fromisoformat(value)
            except ValueError as exc:
                raise GraphError(400, "ErrorInvalidParameter", f"'{value}' is not a valid {name}.") from exc
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


async def calendar_view(request: web.Request, user: User, _: str) -> web.Response:
    start, end = _when(request, "startDateTime"), _when(request, "endDateTime")
    if start is None or end is None:
        raise GraphError(
            400,
            "ErrorInvalidParameter",
            "This request requires a time window specified by the query string parameters "
            "StartDateTime and EndDateTime.",
        )
    query = odata.parse_query(request.query, "event", odata.EVENT_PROPS, LIST_OPTIONS)
    items: list[Mapping[str, Any]] = []
    for event in user.events:  # in the store's order: Graph orders only when $orderby asks
        if event.get("type") == "seriesMaster":
            items.extend(recurrence.expand(event, start, end))
            continue
        first, last = user.event_span.get(str(event.get("id")), (None, None))
        if first is not None and first < end and (last > start if last and last > first else first >= start):
            items.append(event)  # overlaps [start, end): an event ending at start does not
    if query.filter is not None:
        items = [e for e in items if query.filter.match(e)]
    tz = _tz(request)
    out = odata.sort_items([_event_out(user, e, query, tz) for e in items], query.orderby)
    return _page(request, out, query, f"users('{user.id}')/calendarView")


async def list_events(request: web.Request, user: User, _: str) -> web.Response:
    query = odata.parse_query(request.query, "event", odata.EVENT_PROPS, LIST_OPTIONS)
    items = [e for e in user.events if query.filter is None or query.filter.match(e)]
    tz = _tz(request)
    out = odata.sort_items([_event_out(user, e, query, tz) for e in items], query.orderby)
    return _page(request, out, query, f"users('{user.id}')/events")


async def get_user(request: web.Request, user: User, _: str) -> web.Response:
    query = odata.parse_query(request.query, "user", odata.USER_PROPS, ("$select",))
    return web.json_response(odata.apply_select(user.profile, query.select))


ROUTES: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(r"^$"), get_user),
    (re.compile(r"^/messages$"), list_messages),
    (re.compile(r"^/messages/(?P<id>[^/]+)$"), get_message),
    (re.compile(r"^/(?:messages|events)/(?P<id>[^/]+)/attachments$"), list_attachments),
    (re.compile(r"^/(?:messages|events)/[^/]+/attachments/[^/]+(?:/\$value)?$"), get_attachment),
    (re.compile(r"^/events$"), list_events),
    (re.compile(r"^/events/(?P<id>[^/]+)$"), get_event),
    (re.compile(r"^(?:/calendar)?/calendarView$", re.I), calendar_view),
    (re.compile(r"^/mailFolders$", re.I), list_mail_folders),
    (re.compile(r"^/mailFolders/(?P<id>[^/]+)$", re.I), get_mail_folder),
    (re.compile(r"^/mailFolders/(?P<id>[^/]+)/childFolders$", re.I), list_mail_folders),
    (re.compile(r"^/mailFolders/(?P<id>[^/]+)/messages$", re.I), list_folder_messages),
]
SUBJECT = re.compile(r"^(?:me|users/(?P<user>[^/]+))(?P<rest>(?:/.*)?)$", re.I)


def create_app(
    mailbox: Mapping[str, Any],
    jwks_provider: JwksProvider | Mapping[str, Any],
    *,
    issuer: str | None = None,
    latency: float = 0.0,
    per_kb: float = 0.0,
) -> web.Application:
    """The server as an aiohttp app: ``mailbox`` is the docs/formats.md mailbox file content;
    ``jwks_provider`` a JWKS dict or an async callable returning one (see ``url_jwks``)."""
    jwks = static_jwks(jwks_provider) if isinstance(jwks_provider, Mapping) else jwks_provider
    store, stats, options = MailboxStore(mailbox), GraphStats(), {"latency": latency, "per_kb": per_kb}
    concurrency = MailboxConcurrency()

    async def graph(request: web.Request) -> web.Response:
        try:
            return await _serve(request, store, stats, jwks, issuer, options, concurrency)
        except GraphError as error:
            return error.response()

    async def admin_stats(_: web.Request) -> web.Response:
        return web.json_response({**stats.snapshot(), "mailboxConcurrency": concurrency.snapshot()})

    async def admin_reset(_: web.Request) -> web.Response:
        stats.reset()
        concurrency.reset()
        return web.json_response(stats.snapshot())

    async def admin_fault(request: web.Request) -> web.Response:
        body = await request.json()
        user = store.find(str(body.get("user", "")))
        if user is None:
            return web.json_response({"error": "unknown user"}, status=404)
        user.fault = dict(body["fault"]) if body.get("fault") else None
        return web.json_response({"user": user.id, "fault": user.fault})

    async def admin_put_user(request: web.Request) -> web.Response:
        """Load or replace one mailbox user at run time (body: a user entry of the mailbox file)."""
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the body must be JSON"}, status=400)
        user_id = request.match_info["id"]
        if not isinstance(body, dict) or str(body.get("id", user_id)) != user_id:
            return web.json_response({"error": "the body's id must match the path"}, status=400)
        try:
            user = user_from_entry({**body, "id": user_id})
            replaced = store.put(user)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        summary = {"id": user.id, "messages": len(user.messages), "events": len(user.events)}
        return web.json_response(summary, status=200 if replaced else 201)

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STATS_KEY], app[STORE_KEY], app[OPTIONS_KEY] = stats, store, options
    app[CONCURRENCY_KEY] = concurrency

    async def metadata(_: web.Request) -> web.Response:  # Graph serves $metadata without a token
        xml = '<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"/>'
        return web.Response(text=xml, content_type="application/xml")

    app.router.add_get("/v1.0/$metadata", metadata)
    app.router.add_get("/_admin/stats", admin_stats)
    app.router.add_post("/_admin/reset", admin_reset)
    app.router.add_post("/_admin/fault", admin_fault)
    set_latency = latency_model.admin_handler(options)
    app.router.add_post("/_admin/options", set_latency)
    app.router.add_post("/_admin/latency", set_latency)
    app.router.add_put("/_admin/users/{id}", admin_put_user)
    app.router.add_route("*", "/v1.0/{tail:.*}", graph)
    return app


async def _serve(
    request: web.Request,
    store: MailboxStore,
    stats: GraphStats,
    jwks: JwksProvider,
    issuer: str | None,
    options: Mapping[str, Any],
    concurrency: MailboxConcurrency,
) -> web.Response:
    if request.method != "GET":
        raise GraphError(
            405, "Request_BadRequest", f"The HTTP method '{request.method}' is not supported here."
        )
    try:
        principal = await authenticate(request.headers.get("Authorization"), jwks, issuer)
    except GraphError:
        stats.enter("-", request.path_qs)
        stats.leave("-")
        raise
    subject = SUBJECT.match(request.match_info["tail"])
    if subject is None:
        raise bad_query(f"Resource not found for the segment '{request.match_info['tail'].split('/')[0]}'.")
    key = subject["user"] or principal.oid
    user = store.find(key)
    if user is None:
        raise GraphError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    stats.enter(user.id, request.path_qs)
    try:
        with concurrency.slot(principal.app_id, user.id):
            if options["latency"]:  # the round trip, before Graph works on the request
                await asyncio.sleep(float(options["latency"]))
            try:
                response = await _route(request, user, principal, subject["rest"])
            except GraphError as error:
                response = error.response()
            size = len(response.body) if isinstance(response.body, bytes) else 0
            stats.sent(user.id, size)
            hold = latency_model.transfer(options, size)
            if hold:
                await asyncio.sleep(hold)
            return response
    finally:
        stats.leave(user.id)


async def _route(request: web.Request, user: User, principal: Principal, rest: str) -> web.Response:
    authorize(principal, user.id, rest)
    fault = user.take_fault(app=principal.app)
    if fault is not None:
        raise fault
    for pattern, handler in ROUTES:
        match = pattern.match(rest)
        if match:
            return await handler(request, user, match.groupdict().get("id") or "")
    raise bad_query(f"Resource not found for the segment '{rest.strip('/').split('/')[0]}'.")


def stats_of(app: web.Application) -> GraphStats:
    """The request counters of an app made by ``create_app``."""
    return app[STATS_KEY]
