"""Test helpers for the auth tests: serve a FunctionApp's HTTP functions over real HTTP.

A few lines of aiohttp that route a request to the user function the app registered
(by route and method) and convert between aiohttp and azure.functions types, so a
client can reach ``/dev/token`` and ``/dev/jwks`` on 127.0.0.1 like in local mode.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import azure.functions as func
from aiohttp import web

from localdev.functions_meta import wants_context
from shared.config import Config

ISSUER = "http://127.0.0.1:7071/dev"
AUDIENCE = "api://autocapture"


def local_config(**overrides: Any) -> Config:
    values: dict[str, Any] = {"mode": "local", "auth_issuer": ISSUER, "auth_audience": AUDIENCE}
    values.update(overrides)
    return Config(**values)


def http_functions(app: func.FunctionApp) -> dict[tuple[str, str], Any]:
    """``(METHOD, route) -> user function`` for every HTTP-triggered function of ``app``."""
    table: dict[tuple[str, str], Any] = {}
    for function in app.get_functions():
        trigger = function.get_trigger()
        if getattr(trigger, "route", None) is None:
            continue
        for method in trigger.methods or ():
            table[(str(getattr(method, "value", method)), trigger.route)] = function.get_user_function()
    return table


@asynccontextmanager
async def serve(app: func.FunctionApp, routes: dict[str, web.Response] | None = None) -> AsyncIterator[str]:
    """Serve ``app`` (plus fixed ``routes``) on 127.0.0.1:<free port>; yield the base URL."""
    table = http_functions(app)
    fixed = routes or {}

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path.lstrip("/")
        if path in fixed:
            return fixed[path]
        user_function = table.get((request.method, path))
        if user_function is None:
            return web.Response(status=404)
        req = func.HttpRequest(
            request.method, str(request.url), headers=dict(request.headers), body=await request.read()
        )
        context = SimpleNamespace(invocation_id=str(uuid.uuid4()))
        result = user_function(req, context) if wants_context(user_function) else user_function(req)
        response = await result if inspect.isawaitable(result) else result
        return web.Response(
            body=response.get_body(), status=response.status_code, headers=dict(response.headers)
        )

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


def invoke(user_function: Any, req: func.HttpRequest) -> func.HttpResponse:
    """Call a user function as the worker does (``context`` when it takes one), to the end."""
    import asyncio

    context = SimpleNamespace(invocation_id=str(uuid.uuid4()))
    result = user_function(req, context) if wants_context(user_function) else user_function(req)
    response: func.HttpResponse = asyncio.run(result) if inspect.isawaitable(result) else result
    return response
