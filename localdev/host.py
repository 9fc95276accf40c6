"""A small local Functions host (Core Tools cannot be installed on these machines).

It loads ``function_app.app`` through azure-functions' own metadata and:
- serves every HTTP trigger on its route and methods (404 for an unknown path, 405 with
  ``Allow`` listing the methods of the most specific matching route for a wrong method,
  404 for OPTIONS as the Functions host without CORS settings answers), passing real
  ``func.HttpRequest``s;
- drives every queue trigger from Azurite with the Functions host's semantics (host.json
  ``extensions.queues``): base64 messages, batch polling with back-off up to
  ``maxPollingInterval``, a lease renewed while a message runs, ``visibilityTimeout``
  before a failed message is seen again, and after ``maxDequeueCount`` attempts the
  message is moved to ``<queue>-poison``; a queue that goes missing (Azurite restarted
  empty) is created again, as the host recreates its queues;
- runs every timer trigger on its NCRONTAB schedule (``localdev/timers.py``);
- logs every invocation as JSON lines (``function.executing`` / ``function.executed``);
- nothing else: the web page at ``/`` is a blueprint of the app (``functions/web``).

The same ``function_app.py`` runs unchanged under the real host in Azure.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import azure.functions as func
from aiohttp import web
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage as WorkerQueueMessage
from azure.storage.queue.aio import QueueClient, QueueServiceClient

from localdev.functions_meta import (
    HttpFunction,
    QueueFunction,
    QueueOptions,
    discover,
    discover_timers,
    wants_context,
)
from localdev.timers import TimerDriver, cancel_all
from shared.logging import correlation, log_event, ms_since

log = logging.getLogger("localdev.host")
MAX_BODY = 4 * 1024 * 1024


@dataclass
class Context:
    """What the real worker passes as ``context`` (the parts our functions use)."""

    invocation_id: str
    function_name: str
    function_directory: str = ""
    trace_context: Any = None
    retry_context: Any = None
    thread_local_storage: Any = field(default=None)


async def invoke(fn: Callable[..., Any], name: str, kwargs: dict[str, Any]) -> Any:
    """Call a user function as the worker does: await coroutines, run sync ones in a thread."""
    ctx_name = wants_context(fn)
    invocation_id = str(uuid.uuid4())
    if ctx_name:
        kwargs[ctx_name] = Context(invocation_id=invocation_id, function_name=name)
    if asyncio.iscoroutinefunction(fn):
        return await fn(**kwargs)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(fn, **kwargs))


def _problem(status: int, title: str, detail: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
        headers=headers,
    )


def _specificity(route: str) -> tuple[int, ...]:
    """ASP.NET Core route precedence: a literal segment outranks a parameter (lower sorts first)."""
    return tuple(1 if "{" in segment else 0 for segment in route.strip("/").split("/"))


def _allowed(matched: list[HttpFunction]) -> set[str]:
    """The methods of the route that owns the path: ``api/track/bulk``, not ``api/track/{trackingId}``
    (OpenAPI matches a concrete path before a templated one; ``Allow`` lists that path's methods)."""
    best = min(_specificity(fn.route) for fn in matched)
    return {m for fn in matched if _specificity(fn.route) == best for m in fn.methods}


class LocalHost:
    """Serves the function app's HTTP triggers and drives its queue triggers."""

    def __init__(
        self,
        app: func.FunctionApp,
        *,
        host_json: dict[str, Any],
        connections: Mapping[str, str],
        lease: timedelta = timedelta(minutes=5),
        timer_schedule: str | None = None,
    ) -> None:
        self.http_functions, self.queue_functions = discover(app)
        self.timers = TimerDriver(discover_timers(app), invoke, schedule_override=timer_schedule)
        self.queue_options = QueueOptions.from_host_json(host_json)
        self._connections = connections
        self._lease = lease
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()

    # --- HTTP ------------------------------------------------------------------------------

    def web_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", r"/{tail:[\s\S]*}", self._dispatch)  # any path, newlines too
        return app

    def _match(self, path: str) -> tuple[list[tuple[HttpFunction, dict[str, str]]], bool]:
        matches = []
        for fn in self.http_functions:
            m = fn.pattern.match(path)
            if m:
                matches.append((fn, {k: v for k, v in m.groupdict().items() if v is not None}))
        return matches, bool(matches)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        matches, _ = self._match(request.path)
        method = request.method.upper()
        for fn, params in matches:
            if method in fn.methods:
                return await self._run_http(fn, params, request)
        if matches and method != "OPTIONS":
            allowed = ", ".join(sorted(_allowed([fn for fn, _ in matches])))
            return _problem(405, "Method not allowed", f"{method} is not allowed here", {"Allow": allowed})
        if matches:  # as the Functions host without CORS settings: no function takes OPTIONS
            return _problem(404, "Not found", "no function takes OPTIONS on this path")
        return _problem(404, "Not found", "no function serves this path")

    async def _run_http(self, fn: HttpFunction, params: dict[str, str], request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _problem(413, "Payload too large", f"the body exceeds {MAX_BODY} bytes")
        headers: dict[str, str] = {}
        for k, v in request.headers.items():
            headers[k.lower()] = f"{headers[k.lower()]}, {v}" if k.lower() in headers else v
        req = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=headers,
            params={k: v for k, v in request.query.items()},
            route_params=params,
            body=body,
        )
        started = time.perf_counter()
        try:
            result = await invoke(fn.user_function, fn.name, {fn.arg_name: req})
        except Exception:
            log.exception("function %s raised", fn.name)
            return _problem(500, "Internal error", "the function failed; see the host log")
        finally:
            log.debug(
                "http %s %s -> %s in %.1f ms",
                request.method,
                request.path,
                fn.name,
                (time.perf_counter() - started) * 1000,
            )
        if not isinstance(result, func.HttpResponse):
            return _problem(500, "Internal error", "the function returned no HttpResponse")
        out_headers = {k: v for k, v in result.headers.items() if k.lower() != "content-length"}
        if result.mimetype and "content-type" not in {k.lower() for k in out_headers}:
            # As the Python worker does (azure/functions/http.py): a charset for text/* only.
            text = result.mimetype.startswith("text/") and result.charset
            ctype = result.mimetype + (f"; charset={result.charset}" if text else "")
            out_headers["Content-Type"] = ctype
        return web.Response(status=result.status_code, body=result.get_body(), headers=out_headers)

    # --- queues ----------------------------------------------------------------------------

    def _queue_client(self, connection: str, queue: str) -> QueueClient:
        conn = self._connections.get(connection)
        if not conn:
            raise RuntimeError(f"queue connection {connection!r} is not configured")
        return QueueClient.from_connection_string(conn, queue)

    async def ensure_queues(self) -> None:
        for qf in self.queue_functions:
            conn = self._connections[qf.connection]
            async with QueueServiceClient.from_connection_string(conn) as svc:
                for name in (qf.queue_name, f"{qf.queue_name}-poison"):
                    with contextlib.suppress(ResourceExistsError):
                        await svc.create_queue(name)

    async def start_queue_listeners(self) -> None:
        try:
            await self.ensure_queues()
        except Exception as exc:  # storage down at start: the listeners create them later
            log.warning("queues not created at start (%s)", type(exc).__name__)
        for qf in self.queue_functions:
            self._tasks.append(asyncio.create_task(self._listen(qf), name=f"queue:{qf.name}"))
        self.timers.start()

    async def stop(self) -> None:
        self._stopping.set()
        await self.timers.stop()
        await cancel_all(self._tasks)

    async def _listen(self, qf: QueueFunction) -> None:
        """Poll like the Functions host: fetch a batch, run its messages concurrently, and
        fetch the next batch once the messages in flight drop to ``newBatchThreshold``."""
        opts = self.queue_options
        delay = 0.1
        inflight: set[asyncio.Task[None]] = set()
        async with (
            self._queue_client(qf.connection, qf.queue_name) as queue,
            self._queue_client(qf.connection, f"{qf.queue_name}-poison") as poison,
        ):
            try:
                while not self._stopping.is_set():
                    if len(inflight) > opts.new_batch_threshold:
                        await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                        continue
                    messages = await self._receive(queue, qf, opts.batch_size - len(inflight))
                    for message in messages:
                        task = asyncio.create_task(self._handle_logged(qf, queue, poison, message))
                        inflight.add(task)
                        task.add_done_callback(inflight.discard)
                    if messages:
                        delay = 0.1
                        continue
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, opts.max_polling_interval.total_seconds())
            finally:
                for task in inflight:
                    task.cancel()
                await asyncio.gather(*inflight, return_exceptions=True)

    async def _receive(self, queue: QueueClient, qf: QueueFunction, count: int) -> list[Any]:
        try:
            return [
                m
                async for m in queue.receive_messages(
                    messages_per_page=max(count, 1),
                    max_messages=max(count, 1),
                    visibility_timeout=int(self._lease.total_seconds()),
                )
            ]
        except ResourceNotFoundError:  # the queue is gone (storage reset): create it again
            log_event(log, "queue.missing", level=logging.WARNING, queue=qf.queue_name)
            with contextlib.suppress(Exception):
                await self.ensure_queues()
            return []
        except Exception as exc:  # the queue service is down: back off, keep listening
            log.warning("queue %s: receive failed (%s)", qf.queue_name, type(exc).__name__)
            return []

    async def _handle_logged(
        self, qf: QueueFunction, queue: QueueClient, poison: QueueClient, message: Any
    ) -> None:
        try:
            await self._handle(qf, queue, poison, message)
        except Exception as exc:
            log.error("queue %s: message handling failed: %r", qf.queue_name, exc)

    async def _handle(self, qf: QueueFunction, queue: QueueClient, poison: QueueClient, message: Any) -> None:
        opts = self.queue_options
        if message.dequeue_count > opts.max_dequeue_count:
            await self._to_poison(qf, queue, poison, message)
            return
        try:
            body = self._decode(message.content)
        except ValueError:
            body = None
        invocation_id = str(uuid.uuid4())
        started = time.perf_counter()
        with correlation(invocation_id):
            log_event(
                log,
                "function.executing",
                function=qf.name,
                invocationId=invocation_id,
                queue=qf.queue_name,
                messageId=message.id,
                dequeueCount=message.dequeue_count,
            )
            ok = False
            error: str | None = None
            if body is None:
                error = "message is not valid base64"
            else:
                qmsg = WorkerQueueMessage(
                    id=message.id,
                    body=body,
                    dequeue_count=message.dequeue_count,
                    insertion_time=message.inserted_on,
                    expiration_time=message.expires_on,
                    time_next_visible=message.next_visible_on,
                    pop_receipt=message.pop_receipt,
                )
                renewal = asyncio.create_task(self._keep_leased(queue, message))
                try:
                    await invoke(qf.user_function, qf.name, {qf.arg_name: qmsg})
                    ok = True
                except Exception as exc:
                    error = type(exc).__name__
                    log.warning("function %s failed: %s", qf.name, error, exc_info=True)
                finally:
                    renewal.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await renewal
            log_event(
                log,
                "function.executed",
                function=qf.name,
                invocationId=invocation_id,
                succeeded=ok,
                error=error,
                dequeueCount=message.dequeue_count,
                durationMs=ms_since(started),
            )
        try:
            if ok:
                await queue.delete_message(message)
            elif message.dequeue_count >= opts.max_dequeue_count:
                await self._to_poison(qf, queue, poison, message)
            else:
                await queue.update_message(
                    message, visibility_timeout=int(opts.visibility_timeout.total_seconds())
                )
        except ResourceNotFoundError:
            log.warning("queue %s: message %s vanished (lease lost)", qf.queue_name, message.id)

    async def _keep_leased(self, queue: QueueClient, message: Any) -> None:
        """Renew a running message's lease at half-time, as the Functions host does, so a
        long invocation is not delivered a second time while it still runs."""
        seconds = int(self._lease.total_seconds())
        while True:
            await asyncio.sleep(max(seconds / 2, 0.5))
            try:
                renewed = await queue.update_message(message, visibility_timeout=seconds)
            except Exception as exc:  # the lease is lost; the invocation goes on regardless
                log.warning("queue: lease renewal of %s failed (%s)", message.id, type(exc).__name__)
                return
            message.pop_receipt = renewed.pop_receipt
            message.next_visible_on = renewed.next_visible_on

    async def _to_poison(
        self, qf: QueueFunction, queue: QueueClient, poison: QueueClient, message: Any
    ) -> None:
        await poison.send_message(message.content)
        await queue.delete_message(message)
        log_event(
            log,
            "function.poisoned",
            function=qf.name,
            queue=qf.queue_name,
            messageId=message.id,
            dequeueCount=message.dequeue_count,
            level=logging.WARNING,
        )

    def _decode(self, content: Any) -> bytes:
        raw = content.encode() if isinstance(content, str) else bytes(content)
        if self.queue_options.message_encoding != "base64":
            return raw
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("not base64") from exc
