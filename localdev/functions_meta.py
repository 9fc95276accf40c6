"""What the local host learns from ``azure-functions``' own metadata (``app.get_functions()``).

Pure translation of function metadata into routes and queue bindings; no I/O. Before
that, every function goes through the Python worker's own registry
(``azure_functions_runtime``, the package Azure runs from Python 3.13 on), so the local
host refuses a function the worker would refuse to load (bindings, type hints, context).
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import azure.functions as func
from azure.functions.decorators.core import BindingDirection, DataType
from azure_functions_runtime.bindings.meta import load_binding_registry
from azure_functions_runtime.functions import Registry

_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(\?)?(?::[^}]*)?\}")


@dataclass(frozen=True)
class BoundFunction:
    """A function of the app: its name, its Python function and the trigger's argument name."""

    name: str
    user_function: Callable[..., Any]
    arg_name: str


@dataclass(frozen=True)
class HttpFunction(BoundFunction):
    route: str
    methods: frozenset[str]
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class QueueFunction(BoundFunction):
    queue_name: str
    connection: str


@dataclass(frozen=True)
class TimerFunction(BoundFunction):
    schedule: str
    run_on_startup: bool


def compile_route(route: str) -> re.Pattern[str]:
    """An Azure Functions route template as a regex: ``{id}``, ``{id?}``, ``{id:int}``, ``{*rest}``."""
    out, pos = [], 0
    route = route.strip("/")
    for m in _PARAM.finditer(route):
        literal = route[pos : m.start()]
        catch_all, name, optional = m.group(1), m.group(2), m.group(3)
        body = ".*" if catch_all else "[^/]+"
        if optional and literal.endswith("/"):
            out.append(re.escape(literal[:-1]) + f"(?:/(?P<{name}>{body}))?")
        else:
            out.append(re.escape(literal) + f"(?P<{name}>{body})" + ("?" if optional else ""))
        pos = m.end()
    out.append(re.escape(route[pos:]))
    return re.compile("^/" + "".join(out) + "/?$", re.IGNORECASE)


Discovered = tuple[list[HttpFunction], list[QueueFunction], list[TimerFunction]]


def _all(app: func.FunctionApp) -> Discovered:
    """The app's functions (cached on the app: azure-functions 1.26 indexes an app only once)."""
    cached: Discovered | None = getattr(app, "_localdev_functions", None)
    if cached is None:
        cached = _discover(app)
        setattr(app, "_localdev_functions", cached)  # noqa: B010
    return cached


class _Protos:
    """The proto enum values the worker's registry compares bindings with.

    The Functions host's FunctionRpc.proto numbers them as azure-functions does
    (direction in/out/inout = 0/1/2, data type undefined = 0); bindings carry plain ints.
    """

    class BindingInfo:
        inout = BindingDirection.INOUT.value
        out = BindingDirection.OUT.value
        undefined = DataType.UNDEFINED.value


def load_as_the_worker(functions: list[Any]) -> None:
    """Register every function with the Python worker's registry (FunctionLoadError if refused)."""
    load_binding_registry()
    registry = Registry()
    for f in functions:
        registry.add_indexed_function(f, _Protos)


def discover(app: func.FunctionApp) -> tuple[list[HttpFunction], list[QueueFunction]]:
    """The app's HTTP and queue-triggered functions."""
    http, queues, _ = _all(app)
    return http, queues


def discover_timers(app: func.FunctionApp) -> list[TimerFunction]:
    """The app's timer-triggered functions."""
    return _all(app)[2]


def _discover(app: func.FunctionApp) -> Discovered:
    http: list[HttpFunction] = []
    queues: list[QueueFunction] = []
    timers: list[TimerFunction] = []
    functions = app.get_functions()
    load_as_the_worker(functions)
    for f in functions:
        trigger = f.get_trigger()
        name = f.get_function_name()
        bound: dict[str, Any] = {
            "name": name,
            "user_function": f.get_user_function(),
            "arg_name": trigger.name,
        }
        if trigger.get_binding_name() == "httpTrigger":
            route = trigger.route or name  # type: ignore[attr-defined]
            methods = trigger.methods or list(func.HttpMethod)  # type: ignore[attr-defined]
            http.append(
                HttpFunction(
                    **bound,
                    route=route,
                    methods=frozenset(str(getattr(m, "value", m)).upper() for m in methods),
                    pattern=compile_route(route),
                )
            )
        elif trigger.get_binding_name() == "queueTrigger":
            queues.append(
                QueueFunction(
                    **bound,
                    queue_name=resolve_app_settings(trigger.queue_name),  # type: ignore[attr-defined]
                    connection=trigger.connection,  # type: ignore[attr-defined]
                )
            )
        elif trigger.get_binding_name() == "timerTrigger":
            timers.append(
                TimerFunction(
                    **bound,
                    schedule=resolve_app_settings(trigger.schedule),  # type: ignore[attr-defined]
                    run_on_startup=bool(getattr(trigger, "run_on_startup", False)),
                )
            )
    return http, queues, timers


def resolve_app_settings(value: str) -> str:
    """Binding expressions ``%NAME%`` are app settings, as the Functions host resolves them."""

    def setting(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in os.environ:
            raise KeyError(f"app setting {name!r} used in a binding is not set")
        return os.environ[name]

    return re.sub(r"%([A-Za-z0-9_]+)%", setting, value)


def wants_context(fn: Callable[..., Any]) -> str | None:
    """The name of the function's ``context`` parameter, if it has one."""
    for name, param in inspect.signature(fn).parameters.items():
        if name == "context" or param.annotation in (func.Context, "func.Context"):
            return name
    return None


def parse_timespan(value: str | None, default: timedelta) -> timedelta:
    """host.json timespans: ``hh:mm:ss`` (optionally ``d.hh:mm:ss``)."""
    if not value:
        return default
    days = 0
    if "." in value.split(":")[0]:
        d, value = value.split(".", 1)
        days = int(d)
    h, m, s = value.split(":")
    return timedelta(days=days, hours=int(h), minutes=int(m), seconds=float(s))


@dataclass(frozen=True)
class QueueOptions:
    """The ``extensions.queues`` section of host.json, with the Functions host's defaults."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_dequeue_count: int = 5
    visibility_timeout: timedelta = timedelta(0)
    max_polling_interval: timedelta = timedelta(minutes=1)
    message_encoding: str = "base64"

    @classmethod
    def from_host_json(cls, host: dict[str, Any]) -> QueueOptions:
        q = host.get("extensions", {}).get("queues", {})
        batch = int(q.get("batchSize", 16))
        return cls(
            batch_size=batch,
            new_batch_threshold=int(q.get("newBatchThreshold", batch // 2)),
            max_dequeue_count=int(q.get("maxDequeueCount", 5)),
            visibility_timeout=parse_timespan(q.get("visibilityTimeout"), timedelta(0)),
            max_polling_interval=parse_timespan(q.get("maxPollingInterval"), timedelta(minutes=1)),
            message_encoding=str(q.get("messageEncoding", "base64")).lower(),
        )
