"""The local run contract (docs/formats.md): health without a token, dev tokens, the API under /api."""

from __future__ import annotations

import pytest

from tests.e2e.api import demo_caller

pytestmark = pytest.mark.e2e


def test_health_answers_200_without_a_token_when_every_dependency_answers(api):
    resp = api.get("/api/health")
    assert resp.status_code == 200
    assert resp.json() == {
        "status": "ok",
        "checks": {"cosmos": "ok", "queue": "ok", "files": "ok", "graph": "ok"},
    }


def test_dev_token_is_accepted_by_the_api(api):
    resp = api.get("/api/settings", demo_caller("alice"))
    assert resp.status_code == 200


def test_api_without_token_is_401_problem_with_www_authenticate(api):
    resp = api.get("/api/settings")
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.headers["www-authenticate"].startswith("Bearer")
    assert set(resp.json()) >= {"type", "title", "status", "detail"}


def test_forged_token_is_401(api):
    token = api.token(demo_caller("alice"))
    head, body, sig = token.split(".")
    resp = api.get("/api/settings", headers={"Authorization": f"Bearer {head}.{body}.{sig[::-1]}"})
    assert resp.status_code == 401
