"""The OpenAPI document describes exactly the routes function_app registers, and the reverse."""

from __future__ import annotations

import re
from collections.abc import Iterator

import azure.functions as func
import pytest
from auth_helpers import local_config

from functions.web import PAGE_ROUTES
from localdev.devtools.routes import make_blueprint
from localdev.functions_meta import HttpFunction, discover
from shared.api.openapi import LOCAL_ONLY_TAG
from shared.config import ERASURE_QUEUE_NAME, RETENTION_SCHEDULE, TRACK_QUEUE_NAME, Config
from tests.app_loading import openapi_document

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def _routes(functions: list[HttpFunction]) -> set[tuple[str, str]]:
    """``(METHOD, /path/{param})`` for every HTTP function (route params without constraints)."""
    out = set()
    for fn in functions:
        path = "/" + re.sub(r"\{\*?([A-Za-z_][A-Za-z0-9_]*)\??(?::[^}]*)?\}", r"{\1}", fn.route.strip("/"))
        out |= {(method, path) for method in fn.methods}
    return out


def _documented(document: dict[str, object]) -> set[tuple[str, str]]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {(m.upper(), path) for path, ops in paths.items() for m in ops if m in METHODS}


@pytest.fixture(scope="module")
def registered() -> Iterator[set[tuple[str, str]]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(TRACK_QUEUE_NAME, "track-requests")  # the queue triggers' binding expressions
        mp.setenv(ERASURE_QUEUE_NAME, "erasure-requests")
        mp.setenv(RETENTION_SCHEDULE, "0 30 2 * * *")
        import function_app

        http, _ = discover(function_app.app)  # cached: get_functions() runs once per app
        yield _routes([fn for fn in http if fn.route not in PAGE_ROUTES])  # the page is not the API


@pytest.fixture(scope="module")
def document() -> dict[str, object]:
    # function_app registers the /dev/* routes only in local mode; document the same mode
    return openapi_document("local" if Config.from_env().local else "azure")


def test_every_registered_route_is_documented(
    registered: set[tuple[str, str]], document: dict[str, object]
) -> None:
    missing = registered - _documented(document)
    assert not missing, f"routes without an OpenAPI operation: {sorted(missing)}"


def test_every_documented_operation_is_registered(
    registered: set[tuple[str, str]], document: dict[str, object]
) -> None:
    extra = _documented(document) - registered
    assert not extra, f"documented operations no function serves: {sorted(extra)}"


def test_the_local_only_operations_are_exactly_the_dev_routes_registered_in_local_mode() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(make_blueprint(local_config(dev_signing_key="unused")))
    http, _ = discover(app)
    local = openapi_document("local")
    tagged = {
        (m.upper(), path)
        for path, ops in local["paths"].items()
        for m, op in ops.items()
        if LOCAL_ONLY_TAG in op["tags"]
    }
    assert tagged == _routes(http)
    assert _documented(local) - _documented(openapi_document("azure")) == tagged


def test_path_parameters_are_exactly_the_route_parameters(document: dict[str, object]) -> None:
    paths = document["paths"]
    assert isinstance(paths, dict)
    for path, ops in paths.items():
        in_route = set(re.findall(r"\{([^}]+)\}", path))
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == in_route, path


def test_every_operation_but_health_the_document_and_dev_needs_a_bearer_token() -> None:
    document = openapi_document("local")
    anonymous = {"/api/health", "/api/openapi.json"} | {p for p in document["paths"] if p.startswith("/dev/")}
    for path, ops in document["paths"].items():
        for op in ops.values():
            assert op["security"] == ([] if path in anonymous else [{"bearerAuth": []}]), path
            assert ("401" in op["responses"]) == (path not in anonymous), path
