"""function_app as the real Python worker will load it (typing, bindings, registration)."""

from __future__ import annotations

import importlib
import json
import sys
import typing

import azure.functions as func
import pytest

from shared.api.operation import in_api


@pytest.fixture
def app_in_azure_mode(monkeypatch):
    monkeypatch.setenv("AUTOCAPTURE_MODE", "azure")
    sys.modules.pop("function_app", None)
    module = importlib.import_module("function_app")
    yield module.app
    sys.modules.pop("function_app", None)


def test_every_function_has_annotations_the_worker_can_resolve(app_in_azure_mode):
    # The worker calls typing.get_type_hints on each user function and checks the
    # trigger parameter's type against its binding.
    expected = {
        "httpTrigger": func.HttpRequest,
        "queueTrigger": func.QueueMessage,
        "timerTrigger": func.TimerRequest,
    }
    for f in app_in_azure_mode.get_functions():
        trigger = f.get_trigger()
        hints = typing.get_type_hints(f.get_user_function())
        assert hints[trigger.name] is expected[trigger.get_binding_name()], f.get_function_name()
        if trigger.get_binding_name() == "httpTrigger":
            assert hints["return"] is func.HttpResponse


def test_azure_app_registers_the_api_and_queue_triggers_but_no_dev_routes(app_in_azure_mode):
    bindings = [json.loads(f.get_function_json())["bindings"][0] for f in app_in_azure_mode.get_functions()]
    routes = {b["route"] for b in bindings if b["type"] == "httpTrigger"}
    queues = {b["queueName"] for b in bindings if b["type"] == "queueTrigger"}
    assert {"api/health", "api/timeline/{entityType}/{recordId}", "api/track", "api/settings"} <= routes
    assert not any(r.startswith("dev/") for r in routes)
    assert queues == {
        "%TRACK_QUEUE_NAME%",
        "%TRACK_QUEUE_NAME%-poison",
        "%ERASURE_QUEUE_NAME%",
        "%ERASURE_QUEUE_NAME%-poison",
    }
    assert all(b.get("connection") == "AzureWebJobsStorage" for b in bindings if b["type"] == "queueTrigger")
    schedules = sorted(b["schedule"] for b in bindings if b["type"] == "timerTrigger")
    assert schedules == ["%RETENTION_SCHEDULE%", "0 */2 * * * *"]  # NCRONTAB: the sweep every two minutes


@pytest.mark.parametrize("mode", ["azure", "local"])
def test_the_python_worker_indexes_and_loads_every_function(mode: str, monkeypatch) -> None:
    """azure-functions-runtime's own indexer and registry accept the app (bindings, hints, context)."""
    from azure_functions_runtime.bindings.meta import load_binding_registry
    from azure_functions_runtime.functions import Registry
    from azure_functions_runtime.loader import index_function_app

    from localdev.functions_meta import _Protos

    load_binding_registry()  # what the worker does at its init request

    monkeypatch.setenv("AUTOCAPTURE_MODE", mode)
    monkeypatch.setenv("TRACK_QUEUE_NAME", "track-requests")
    monkeypatch.setenv("ERASURE_QUEUE_NAME", "erasure-requests")
    sys.modules.pop("function_app", None)
    try:
        functions = index_function_app("function_app.py")
        registry = Registry()
        loaded = [registry.add_indexed_function(f, _Protos) for f in functions]
    finally:
        sys.modules.pop("function_app", None)
    api = {f.get_function_name() for f in functions if f.is_http_function() and in_api(f.get_user_function())}
    assert len(loaded) == len(functions) and api
    # handle() passes the invocation id on as the correlation id: every API function takes context
    assert all(
        info.requires_context for info in loaded if info.name in api and not info.name.startswith("dev_")
    )


def test_the_local_host_refuses_a_function_the_worker_would_refuse_to_load() -> None:
    from azure_functions_runtime.functions import FunctionLoadError

    from localdev.functions_meta import discover

    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="api/bad", methods=["GET"])
    def bad(req: func.HttpRequest, context: str) -> func.HttpResponse:  # context must be a func.Context
        return func.HttpResponse("")

    with pytest.raises(FunctionLoadError, match="context"):
        discover(app)


def test_the_retention_timer_runs_daily_from_its_app_setting_and_not_at_start(app_in_azure_mode) -> None:
    [timer] = [
        json.loads(f.get_function_json())["bindings"][0]
        for f in app_in_azure_mode.get_functions()
        if f.get_trigger().get_binding_name() == "timerTrigger" and f.get_function_name() == "retention"
    ]
    assert timer["schedule"] == "%RETENTION_SCHEDULE%"
    assert timer["name"] == "timer" and timer["runOnStartup"] is False and timer["useMonitor"] is True
