"""The OpenAPI document: committed copy current, valid OpenAPI 3.1, examples valid, limits stated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from localdev.openapi import DOCUMENT_PATH, azure_document
from shared.api import schemas
from shared.erasure_job import ERASURE_ID_PATTERN
from shared.http import MAX_BODY_BYTES
from shared.rules.exclusions import ADDRESS_ENTRY_PATTERN, DOMAIN_ENTRY_PATTERN, EXCLUSION_ENTRY_PATTERN
from shared.validation import (
    ATTACHMENT_ID_PATTERN,
    ENTITY_TYPE_PATTERN,
    GRAPH_ITEM_ID_PATTERN,
    ID_PATTERN,
    KIND_PATTERN,
)
from tests.app_loading import openapi_document

DOCUMENTS = {mode: openapi_document(mode) for mode in ("azure", "local")}


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    result: dict[str, Any] = document["components"]["schemas"][name]
    return result


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A 2020-12 validator for ``schema`` whose ``#/components/...`` refs resolve in ``document``."""
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]})


def _examples(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {})
            for media in body.values():
                if "example" in media:
                    yield f"{method} {path} request", media["schema"], media["example"]
            for status, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    if "example" in media:
                        yield f"{method} {path} {status}", media["schema"], media["example"]
            for parameter in op.get("parameters", []):
                yield f"{method} {path} {parameter['name']}", parameter["schema"], parameter["example"]


def test_the_committed_document_is_what_the_generator_writes() -> None:
    committed = DOCUMENT_PATH.read_text(encoding="utf-8")
    assert committed == azure_document(), "run `python -m localdev.openapi` and commit docs/openapi.json"


@pytest.mark.parametrize("mode", sorted(DOCUMENTS))
def test_the_document_is_valid_openapi_3_1(mode: str) -> None:
    document = DOCUMENTS[mode]
    assert document["openapi"].startswith("3.1.")
    errors = [f"{e.instance_path}: {e.message}" for e in OPENAPI_31_VALIDATOR.iter_errors(document)]
    assert not errors, errors[:5]


@pytest.mark.parametrize("mode", sorted(DOCUMENTS))
def test_every_example_conforms_to_its_schema(mode: str) -> None:
    document = DOCUMENTS[mode]
    checked = 0
    for where, schema, example in _examples(document):
        errors = [e.message for e in _validator(document, schema).iter_errors(example)]
        assert not errors, f"{where}: {errors}"
        checked += 1
    assert checked >= 20


def test_every_operation_has_an_id_a_summary_and_problem_json_errors() -> None:
    document = DOCUMENTS["local"]
    ids = []
    for path, ops in document["paths"].items():
        for op in ops.values():
            ids.append(op["operationId"])
            assert op["summary"], path
            for status, response in op["responses"].items():
                if int(status) >= 400 and path != "/api/health":
                    assert list(response["content"]) == ["application/problem+json"], (path, status)
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
    assert len(ids) == len(set(ids))


def test_body_operations_document_400_and_413_and_require_json() -> None:
    for path, ops in DOCUMENTS["local"]["paths"].items():
        for op in ops.values():
            if "requestBody" in op:
                assert op["requestBody"]["required"] is True
                assert list(op["requestBody"]["content"]) == ["application/json"], path
                assert {"400", "413"} <= set(op["responses"]), path


def test_path_parameters_use_the_validation_patterns() -> None:
    expected = {
        "entityType": ENTITY_TYPE_PATTERN,
        "recordId": ID_PATTERN,
        "activityId": ID_PATTERN,
        "trackingId": ID_PATTERN,
        "erasureId": ERASURE_ID_PATTERN,
        "attachmentId": ATTACHMENT_ID_PATTERN,
        "kind": KIND_PATTERN,
        "itemId": GRAPH_ITEM_ID_PATTERN,
    }
    seen = set()
    for ops in DOCUMENTS["azure"]["paths"].values():
        for op in ops.values():
            for parameter in op.get("parameters", []):
                if parameter["in"] == "query":
                    continue
                assert parameter["schema"] == {"type": "string", "pattern": expected[parameter["name"]]}
                assert parameter["required"] is True
                seen.add(parameter["name"])
    assert seen == set(expected)


def test_query_parameters_are_optional_and_validated_as_the_handlers_do() -> None:
    explain = DOCUMENTS["azure"]["paths"]["/api/timeline/{entityType}/{recordId}/explain"]["get"]
    [query] = [p for p in explain["parameters"] if p["in"] == "query"]
    assert query["name"] == "address" and query["required"] is False
    assert query["schema"] == {"type": "string", "pattern": ADDRESS_ENTRY_PATTERN, "maxLength": 254}


def test_request_schemas_forbid_unknown_fields_and_cap_strings_and_lists() -> None:
    document = DOCUMENTS["azure"]
    for name in (
        "TrackRequest",
        "BulkTrackRequest",
        "OrgSettingsUpdate",
        "UserSettingsUpdate",
        "ExclusionsChange",
    ):
        assert _schema(document, name)["additionalProperties"] is False, name
    bulk = _schema(document, "BulkTrackRequest")["properties"]["items"]
    assert (bulk["minItems"], bulk["maxItems"]) == (1, schemas.MAX_BULK_ITEMS) == (1, 50)
    item_id = _schema(document, "TrackRequest")["properties"]["itemId"]
    assert (item_id["minLength"], item_id["maxLength"]) == (1, 512)
    for side in ("add", "remove"):
        entries = _schema(document, "ExclusionsChange")["properties"][side]
        assert entries["maxItems"] == schemas.MAX_EXCLUSIONS
        assert entries["items"]["maxLength"] == 254
        assert entries["items"]["pattern"] == EXCLUSION_ENTRY_PATTERN  # remove entries too: as validated
    org = _schema(document, "OrgSettingsUpdate")
    assert org["minProperties"] == 1  # an empty change is refused
    flags = {k: v for k, v in org["properties"].items() if k != "retentionDays"}
    assert {p["type"] for p in flags.values()} == {"boolean", "array"}  # null is refused
    retention = {o.get("type") for o in org["properties"]["retentionDays"]["anyOf"]}
    assert retention == {"integer", "null"}  # null: keep forever
    assert org["properties"]["internalDomains"]["maxItems"] == 50
    assert org["properties"]["internalDomains"]["items"]["pattern"] == DOMAIN_ENTRY_PATTERN
    assert str(MAX_BODY_BYTES) in document["info"]["description"]


def test_response_schemas_are_strict_except_the_problem_extensions() -> None:
    document = DOCUMENTS["local"]
    for name, schema in document["components"]["schemas"].items():
        if schema.get("type") == "object" and name not in {"Problem", "Jwk"}:
            assert schema.get("additionalProperties") is False, name
    assert _schema(document, "Problem")["required"] == ["title", "status", "detail"]


def test_the_bearer_scheme_is_http_bearer_jwt() -> None:
    scheme = DOCUMENTS["azure"]["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")
    assert DOCUMENTS["azure"]["security"] == [{"bearerAuth": []}]


def test_the_azure_document_has_no_local_only_route() -> None:
    assert not [p for p in DOCUMENTS["azure"]["paths"] if p.startswith("/dev/")]
    assert {"/dev/token", "/dev/jwks"} <= set(DOCUMENTS["local"]["paths"])
