"""function_app as the real Python worker will load it (typing, bindings, registration)."""

from __future__ import annotations

import importlib
import json
import sys
import typing

import azure.functions as func
import pytest


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
    expected = {"httpTrigger": func.HttpRequest, "queueTrigger": func.QueueMessage}
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
    assert queues == {"%TRACK_QUEUE_NAME%", "%TRACK_QUEUE_NAME%-poison"}
    assert all(b.get("connection") == "AzureWebJobsStorage" for b in bindings if b["type"] == "queueTrigger")
