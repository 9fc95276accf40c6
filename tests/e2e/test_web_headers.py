"""The page as the Function App serves it (functions/web), over HTTP on the local host:
its files, its configuration from the app settings, and its security headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from functions.web.page import page_config
from shared.config import Config

pytestmark = pytest.mark.e2e

PAGE_PATHS = ("/", "/index.html", "/app.js", "/styles.css", "/vendor/msal-browser.min.js", "/config.json")


@pytest.fixture(scope="module")
def http(stack: Any) -> Any:
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        yield client


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_every_page_answer_carries_the_security_headers(http, path):
    resp = http.get(path)
    assert resp.status_code == 200, resp.text
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_and_its_modules_have_their_content_types(http):
    assert http.get("/").headers["Content-Type"].startswith("text/html")
    assert http.get("/app.js").headers["Content-Type"].startswith("text/javascript")
    assert http.get("/styles.css").headers["Content-Type"].startswith("text/css")


def test_the_local_host_tells_the_page_it_runs_in_local_mode(http):
    assert http.get("/config.json").json() == {"mode": "local", "apiBase": ""}


OUTSIDE = ("/test/store.test.mjs", "/../pyproject.toml", "/%2e%2e/host.json", "/.eslintrc", "/vendor/x/y.js")


@pytest.mark.parametrize("path", OUTSIDE)
def test_nothing_outside_the_page_files_is_served(http, path):
    assert http.get(path).status_code == 404


def test_the_api_is_not_shadowed_by_the_page(http):
    assert http.get("/api/health").json()["status"] == "ok"


def test_in_azure_the_page_signs_in_with_entra_id_for_the_api_scope():
    config = Config(mode="azure", auth_tenant_id="tid", auth_client_id="cid")
    assert page_config(config) == {
        "mode": "entra",
        "apiBase": "",
        "tenantId": "tid",
        "clientId": "cid",
        "authority": "https://login.microsoftonline.com/tid",
        "scope": "api://cid/access_as_user",
    }
