"""The suite's contract guards catch drift: missing links, and a schema looser than the validation.

The links rule (``tests/contract_guard.py``) runs over the app's own documents; then an
operation is added without links and the rule names it. The fuzz run
(``tests/e2e/schemathesis_run.py``, the same function the e2e test uses) is pointed at a
tiny app, served by the local host, whose document allows what its handler refuses: the
run reports it (``positive_data_acceptance``); with the document stating the rule, the
same run passes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Annotated, Any

import azure.functions as func
import pytest
from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from localdev.host import LocalHost
from shared.api import schemas as s
from shared.api.openapi import build_openapi
from shared.api.operation import Answer, Operation
from shared.api.parse import parse_body
from shared.exceptions import ValidationError
from shared.http import Reply, handle
from tests.app_loading import load_function_app, openapi_document
from tests.contract_guard import link_problems
from tests.e2e import schemathesis_run

CODE = r"^[A-Z]{3}$"


@pytest.mark.parametrize("mode", ["azure", "local"])
def test_every_response_that_carries_an_id_links_to_the_operations_that_take_it(mode: str) -> None:
    assert link_problems(openapi_document(mode)) == []


def _with(app: func.FunctionApp, bp: func.Blueprint) -> dict[str, Any]:
    app.register_functions(bp)
    return build_openapi(app)


def test_an_operation_whose_answer_carries_a_tracking_id_without_a_link_is_reported() -> None:
    bp = func.Blueprint()

    @bp.route(route="api/track/again", methods=["POST"])
    @handle(Operation("trackAgain", "Track again", "track", {202: Answer("Queued", s.TrackQueued)}))
    async def track_again(req: func.HttpRequest) -> Reply:
        raise NotImplementedError

    problems = link_problems(_with(load_function_app("local").app, bp))
    assert problems == [
        "POST /api/track/again 202 (trackAgain) carries 'trackingId', which getTracking takes: "
        "add a link to getTracking mapping ['trackingId'] (shared/api/links.py)"
    ]


def test_a_new_operation_taking_an_activity_id_needs_links_from_every_answer_carrying_one() -> None:
    bp = func.Blueprint()
    route = "api/timeline/{entityType}/{recordId}/activities/{activityId}/notes"

    @bp.route(route=route, methods=["GET"])
    @handle(Operation("getNotes", "Notes", "timeline", {204: Answer("None")}, problems=(404,)))
    async def get_notes(req: func.HttpRequest) -> Reply:
        raise NotImplementedError

    problems = link_problems(_with(load_function_app("local").app, bp))
    carriers = {p.split(" (")[1].split(")")[0] for p in problems}
    assert carriers == {"getTimeline", "track", "trackBulk", "getTracking"}
    assert all("which getNotes takes" in p for p in problems)


# --- a looser schema than the validation fails the fuzz run -------------------------------------


class _Loose(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    code: Annotated[str, StringConstraints(max_length=3)]


class _Exact(_Loose):
    code: Annotated[str, StringConstraints(max_length=3, pattern=CODE)]


def _probe_app(model: type[BaseModel]) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    operation = Operation(
        "setCode", "Set a code", "system", {204: Answer("Set")}, request=model, secured=False
    )

    @app.route(route="api/code", methods=["PUT"])
    @handle(operation)
    async def set_code(req: func.HttpRequest) -> Reply:
        body = parse_body(req, model)
        if not _matches(body.code):  # the handler's own rule, stricter than _Loose says
            raise ValidationError("must be three capital letters", "code")
        return Reply(status=204)

    return app


def _matches(code: str) -> bool:
    import re

    return re.fullmatch(CODE, code) is not None


@pytest.fixture
def serve() -> Iterator[Any]:
    """Serve a function app with the local host on a free loopback port (a background loop)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runners: list[web.AppRunner] = []

    def start(app: func.FunctionApp) -> str:
        async def up() -> str:
            runner = web.AppRunner(LocalHost(app, host_json={}, connections={}).web_app())
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            runners.append(runner)
            return f"http://127.0.0.1:{runner.addresses[0][1]}"

        return asyncio.run_coroutine_threadsafe(up(), loop).result(timeout=10)

    yield start
    for runner in runners:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)


def _fuzz(serve: Any, model: type[BaseModel]) -> schemathesis_run.Report:
    # azure-functions indexes an app once: one instance for the host, one for the document
    base_url = serve(_probe_app(model))
    return schemathesis_run.run(
        build_openapi(_probe_app(model)), base_url, {"anyone": None}, walker="anyone", seed=1, max_examples=30
    )


def test_a_schema_looser_than_the_validation_fails_the_fuzz_run(serve: Any) -> None:
    report = _fuzz(serve, _Loose)
    assert any(f.startswith("positive_data_acceptance") for f in report.failures), report.render()


def test_the_same_run_passes_once_the_schema_states_the_rule(serve: Any) -> None:
    report = _fuzz(serve, _Exact)
    assert report.failures == [], "\n".join(report.failures)
    assert report.operations() == {"PUT /api/code"}
