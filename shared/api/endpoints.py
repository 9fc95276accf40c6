"""Secured routes: one decorator binds a route, its ``Operation`` and the caller's identity.

A blueprint declares each secured handler as ``@api.route("api/settings", "GET", GET_SETTINGS)``
over ``async def handler(call: Call) -> Reply``: the route is registered with the Functions
app, ``shared.http.handle`` wraps it (correlation id, error mapping, the request log line,
the operation for the OpenAPI document) and the bearer token is validated before the
handler runs, so no handler can forget it. Anonymous routes (health, the document, the
page, ``/dev/*``) use ``bp.route`` and ``handle`` directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import azure.functions as func
from pydantic import BaseModel

from shared.api.operation import Operation
from shared.api.parse import parse_body
from shared.auth.principal import Principal
from shared.http import Result, handle
from shared.runtime import Runtime, RuntimeProvider


@dataclass(frozen=True)
class Call:
    """One authenticated HTTP call: the request, the process's runtime and the caller."""

    req: func.HttpRequest
    app: Runtime
    principal: Principal

    def body[M: BaseModel](self, model: type[M]) -> M:
        """The request body validated as ``model`` (ValidationError naming the field)."""
        return parse_body(self.req, model)


SecuredHandler = Callable[[Call], Awaitable[Result]]


@dataclass(frozen=True)
class Endpoints:
    """The secured routes of one blueprint."""

    bp: func.Blueprint
    runtime: RuntimeProvider

    def route(self, route: str, method: str, operation: Operation) -> Callable[[SecuredHandler], object]:
        def decorate(fn: SecuredHandler) -> object:
            async def run(req: func.HttpRequest) -> Result:
                app, principal = await self.runtime.authenticated(req)
                return await fn(Call(req, app, principal))

            run.__name__, run.__qualname__, run.__doc__ = fn.__name__, fn.__qualname__, fn.__doc__
            return self.bp.route(route=route, methods=[method])(handle(operation)(run))

        return decorate
