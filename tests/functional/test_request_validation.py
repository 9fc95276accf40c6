"""Request validation driven by the schema models: bad input answers 400/413 problem+json naming the field."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
import pytest
from auth_helpers import http_functions, invoke, local_config
from pydantic import BaseModel

from localdev.devtools.routes import make_blueprint
from localdev.devtools.schemas import parse_token_request
from localdev.devtools.tokens import generate_signing_key
from shared.api import admin_schemas, schemas
from shared.api.operation import Answer, Operation
from shared.api.parse import parse_body, route_record
from shared.http import MAX_BODY_BYTES, handle
from tests.app_loading import openapi_document

#: A stand-in operation for handlers defined in these tests.
PROBE = Operation("probe", "a test handler", "system", {204: Answer("ok")}, secured=False)


class Context:
    """What the Functions worker passes as ``context`` (the part ``handle`` reads)."""

    def __init__(self, invocation_id: str = "7e1c0c0e-0000-4000-8000-000000000001") -> None:
        self.invocation_id = invocation_id


TRACK = {"itemId": "AAMk", "kind": "email", "regarding": {"entityType": "account", "id": "a-contoso"}}


def _request(body: bytes, content_type: str | None = "application/json", **route: str) -> func.HttpRequest:
    headers = {"content-type": content_type} if content_type else {}
    return func.HttpRequest("POST", "http://127.0.0.1/api/x", headers=headers, body=body, route_params=route)


async def _answer(
    model: type[BaseModel], body: bytes | Any, content_type: str | None = "application/json"
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()

    @handle(PROBE)
    async def handler(req: func.HttpRequest) -> func.HttpResponse:
        parse_body(req, model)
        return func.HttpResponse(status_code=204)

    return await handler(_request(raw, content_type), Context())


async def _problem(model: type[BaseModel], body: bytes | Any, status: int = 400, **kw: Any) -> dict[str, Any]:
    response = await _answer(model, body, **kw)
    assert response.status_code == status, response.get_body()
    assert response.mimetype == "application/problem+json"
    problem: dict[str, Any] = json.loads(response.get_body())
    assert problem["status"] == status
    assert {"type", "title", "detail"} <= set(problem)
    assert "pydantic" not in problem["detail"] and "Traceback" not in problem["detail"]
    return problem


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (schemas.TrackRequest, {**TRACK, "priority": 1}, "priority"),
        (schemas.TrackRequest, {**TRACK, "regarding": {**TRACK["regarding"], "x": 1}}, "regarding.x"),
        (schemas.UserSettingsUpdate, {"showUntrackedEmail": True, "isAdmin": True}, "isAdmin"),
        (schemas.ExclusionsChange, {"add": [], "drop": []}, "drop"),
    ],
)
async def test_an_unknown_field_answers_400_naming_it(model: type[BaseModel], body: Any, field: str) -> None:
    assert (await _problem(model, body))["field"] == field


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (schemas.UserSettingsUpdate, {"showUntrackedEmail": "true"}, "showUntrackedEmail"),
        (schemas.UserSettingsUpdate, {"showUntrackedEmail": 1}, "showUntrackedEmail"),
        (
            schemas.OrgSettingsUpdate,
            {"autoCaptureEnabled": True, "internalDomains": "a.com"},
            "internalDomains",
        ),
        # null is not a value (the document says boolean), and a change names at least one field
        (
            schemas.OrgSettingsUpdate,
            {"autoCaptureEnabled": None, "hideInternalOnly": True},
            "autoCaptureEnabled",
        ),
        (schemas.OrgSettingsUpdate, {}, "body"),
        # a remove entry is validated as an add entry is, and the document says so
        (schemas.ExclusionsChange, {"remove": ["not an address"]}, "remove.0"),
        (schemas.OrgSettingsUpdate, {"internalDomains": ["@@contoso.com"]}, "internalDomains.0"),
        (schemas.TrackRequest, {**TRACK, "kind": "task"}, "kind"),
        (schemas.TrackRequest, {**TRACK, "itemId": 42}, "itemId"),
        (schemas.TrackRequest, {**TRACK, "regarding": "account/a-contoso"}, "regarding"),
        (schemas.ExclusionsChange, {"add": [1]}, "add.0"),
        (schemas.TrackRequest, ["not", "an", "object"], "body"),
        (schemas.TrackRequest, {k: v for k, v in TRACK.items() if k != "kind"}, "kind"),
    ],
)
async def test_a_wrong_type_or_a_missing_field_answers_400_naming_it(
    model: type[BaseModel], body: Any, field: str
) -> None:
    assert (await _problem(model, body))["field"] == field


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [
        (schemas.TrackRequest, {**TRACK, "itemId": "A" * 513}, "itemId"),
        (schemas.TrackRequest, {**TRACK, "itemId": ""}, "itemId"),
        (schemas.TrackRequest, {**TRACK, "itemId": "AAMk/../x"}, "itemId"),
        (
            schemas.TrackRequest,
            {**TRACK, "regarding": {"entityType": "Account", "id": "a"}},
            "regarding.entityType",
        ),
        (
            schemas.TrackRequest,
            {**TRACK, "regarding": {"entityType": "account", "id": "x" * 129}},
            "regarding.id",
        ),
        (
            schemas.TrackRequest,
            {**TRACK, "regarding": {"entityType": "account", "id": "a\n"}},
            "regarding.id",
        ),
        (schemas.BulkTrackRequest, {"items": [TRACK] * (schemas.MAX_BULK_ITEMS + 1)}, "items"),
        (schemas.BulkTrackRequest, {"items": []}, "items"),
        (schemas.BulkTrackRequest, {"items": [TRACK, {**TRACK, "kind": "x"}]}, "items.1.kind"),
        (schemas.ExclusionsChange, {"add": ["a@b.co"] * (schemas.MAX_EXCLUSIONS + 1)}, "add"),
        (schemas.ExclusionsChange, {"remove": ["x" * 255]}, "remove.0"),
        (schemas.ExclusionsChange, {"add": [""]}, "add.0"),
        (schemas.OrgSettingsUpdate, {"internalDomains": ["a.com"] * 51}, "internalDomains"),
    ],
)
async def test_oversized_strings_and_lists_and_bad_ids_answer_400_naming_the_field(
    model: type[BaseModel], body: Any, field: str
) -> None:
    assert (await _problem(model, body))["field"] == field


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b'{"showUntrackedEmail": tru',
        b"\xff\xfe\x00{",
        b'{"showUntrackedEmail": NaN}',
        b"[1, Infinity]",
        b"[" * 60_000,  # deeper than the JSON decoder's recursion limit (was a 500)
        b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        b'{"showUntrackedEmail": true, "note": "\\ud800"}',  # an unpaired surrogate escape
    ],
)
async def test_a_body_that_is_not_json_answers_400_naming_the_body(raw: bytes) -> None:
    assert (await _problem(schemas.UserSettingsUpdate, raw))["field"] == "body"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_a_body_that_is_not_declared_json_answers_400(content_type: str) -> None:
    problem = await _problem(
        schemas.UserSettingsUpdate, {"showUntrackedEmail": True}, content_type=content_type
    )
    assert problem["field"] == "body"


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "application/merge-patch+json"]
)
async def test_json_without_or_with_a_json_content_type_is_accepted(content_type: str | None) -> None:
    response = await _answer(schemas.UserSettingsUpdate, {"showUntrackedEmail": True}, content_type)
    assert response.status_code == 204


async def test_a_body_over_the_cap_answers_413_before_it_is_parsed() -> None:
    body = b'{"add": [' + b'"a@b.co",' * (MAX_BODY_BYTES // 8) + b'"a@b.co"]}'
    assert len(body) > MAX_BODY_BYTES
    assert (await _problem(schemas.ExclusionsChange, body, 413))["field"] == "body"


async def test_a_body_at_the_cap_is_parsed() -> None:
    entry = '"' + "a" * 240 + '@b.co"'
    body = ('{"add": [' + ",".join([entry] * 200) + "]}").encode()
    body += b" " * (MAX_BODY_BYTES - len(body))
    assert len(body) == MAX_BODY_BYTES
    response = await _answer(schemas.ExclusionsChange, body)
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("entity_type", "record_id", "field"),
    [
        ("account", "a-contoso\n", "recordId"),  # `$` would match before a final newline
        ("account\n", "a-contoso", "entityType"),
        ("account", "-a", "recordId"),
        ("account", "a b", "recordId"),
        ("account", "x" * 129, "recordId"),
        ("Account", "a-contoso", "entityType"),
        ("", "a-contoso", "entityType"),
    ],
)
async def test_bad_route_values_answer_400_naming_the_parameter(
    entity_type: str, record_id: str, field: str
) -> None:
    @handle(PROBE)
    async def handler(req: func.HttpRequest) -> func.HttpResponse:
        route_record(req)
        return func.HttpResponse(status_code=204)

    response = await handler(_request(b"", entityType=entity_type, recordId=record_id), Context())
    assert response.status_code == 400
    assert json.loads(response.get_body())["field"] == field


def _request_examples(local: bool) -> list[tuple[str, str, Any]]:
    out = []
    for path, ops in openapi_document("local" if local else "azure")["paths"].items():
        for op in ops.values():
            media = op.get("requestBody", {}).get("content", {}).get("application/json")
            if media:
                out.append((path, media["schema"]["$ref"].rsplit("/", 1)[1], media["example"]))
    return out


@pytest.mark.parametrize(("path", "model", "example"), _request_examples(local=False))
async def test_the_documented_request_examples_are_accepted(path: str, model: str, example: Any) -> None:
    response = await _answer(getattr(schemas, model, None) or getattr(admin_schemas, model), example)
    assert response.status_code == 204, (path, response.get_body())


def test_a_dev_token_for_a_user_with_an_unpaired_surrogate_answers_400_not_500() -> None:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    app.register_functions(make_blueprint(local_config(dev_signing_key=generate_signing_key())))
    dev_token = http_functions(app)[("POST", "dev/token")]
    body = b'{"user": "\\ud800@contoso.com"}'  # derive_user_oid() could not UTF-8 encode it
    response = invoke(
        dev_token, func.HttpRequest("POST", "http://127.0.0.1/dev/token", headers={}, body=body)
    )
    assert response.status_code == 400
    assert "surrogate" in json.loads(response.get_body())["detail"]


def test_the_documented_dev_token_example_is_accepted_by_the_dev_token_parser() -> None:
    [(_, _, example)] = [e for e in _request_examples(local=True) if e[0] == "/dev/token"]
    assert parse_token_request(example).user == example["user"]


async def test_the_invocation_id_is_the_correlation_id_whatever_the_caller_sends(caplog) -> None:
    @handle(PROBE)
    async def ok(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204)

    async def call(cid: str) -> tuple[str, dict[str, Any]]:
        caplog.clear()
        req = func.HttpRequest("GET", "http://x/api/x", headers={"x-correlation-id": cid}, body=b"")
        with caplog.at_level("INFO", logger="shared.http"):
            response = await ok(req, Context("inv-42"))
        line = json.loads(next(r.getMessage() for r in caplog.records if "http.request" in r.getMessage()))
        return response.headers["x-correlation-id"], line

    echoed, line = await call("abc-123")
    assert echoed == "inv-42" and line["correlationId"] == "inv-42"
    assert line["clientCorrelationId"] == "abc-123"
    for hostile in ("trk-3f2a9c0d41b84e6fa1d25c7e9b0a4411", "TRK-1", "evil\r\nSet-Cookie: x=1"):
        echoed, line = await call(hostile)
        assert echoed == "inv-42" and "clientCorrelationId" not in line, hostile


async def test_every_api_answer_carries_the_security_headers() -> None:
    @handle(PROBE)
    async def ok(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse(status_code=204)

    for response in (await ok(_request(b"{}"), Context()), await _answer(schemas.TrackRequest, b"[")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "no-referrer"
