"""Browser-test support: headless Debian Chromium through Playwright, and a contract fake.

``launch_browser`` starts ``$CHROMIUM`` or else ``/usr/bin/chromium`` (Playwright's own
browser download cannot work here). ``FakeApi`` serves the page exactly as the Function App
does (``functions/web``: the same files, ``/config.json`` and security headers) plus the HTTP
contract of the API and the local host's ``GET /dev/directory`` from memory, so rendering can
be tested with data the demo stack does not produce (hostile text, a mailbox notice, ``from``
as a plain string, a failed track job).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from functions.web.page import respond
from localdev.demo import USERS
from shared.config import Config

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """``$CHROMIUM`` when set (``make test CHROMIUM=/path``), else Debian's chromium."""
    given = os.environ.get("CHROMIUM")
    if given:
        if not os.access(given, os.X_OK):
            pytest.fail(f"CHROMIUM={given} is not an executable file")
        return given
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail(
        "Chromium is missing: run scripts/install-system-deps.sh (Debian's `chromium`) or set CHROMIUM=/path"
    )


def launch_browser(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# --- the contract fake ------------------------------------------------------------------


#: The demo directory the fake's GET /dev/directory answers (the shape of the local host's).
DEMO_USERS = [
    {"userPrincipalName": u.upn, "displayName": u.name, "roles": list(u.roles), "groups": list(u.groups)}
    for u in USERS
]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def fake_token(user: str, roles: list[str]) -> str:
    """An unsigned JWT-shaped token: the fake only reads the claims back."""
    return f"{_b64({'alg': 'none'})}.{_b64({'upn': user, 'roles': roles, 'exp': 4102444800})}.x"


def _claims(request: web.Request) -> dict[str, Any]:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        raise web.HTTPUnauthorized
    payload = auth.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _problem(status: int, title: str, detail: str) -> web.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return web.json_response(body, status=status, content_type="application/problem+json")


@dataclass
class FakeApi:
    """In-memory API: ``items`` per record key, tracking jobs finishing after ``polls_to_finish``."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notice: str | None = None
    org: dict[str, Any] = field(
        default_factory=lambda: {
            "autoCaptureEnabled": True,
            "excluded": [],
            "hideInternalOnly": False,
            "internalDomains": ["autocapture.dev"],
        }
    )
    user_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls_to_finish: int = 2
    fail_tracking: bool = False
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    #: Files served instead of web/'s (path relative to web/ -> JavaScript), e.g. a stand-in MSAL.
    overrides: dict[str, str] = field(default_factory=dict)
    #: The deployment the page is served for (local mode by default; see entra_config).
    page_config: Config = field(default_factory=lambda: Config(mode="local"))
    users: list[dict[str, Any]] = field(default_factory=lambda: [dict(u) for u in DEMO_USERS])
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    base_url: str = ""

    # handlers
    async def token(self, request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"token": fake_token(body["user"], body.get("roles", []))})

    async def directory(self, request: web.Request) -> web.Response:
        records = [
            {"entityType": r["entityType"], "id": r["id"], "name": r.get("name", r["id"])}
            for r in self.records.values()
        ]
        return web.json_response({"users": self.users, "records": records})

    async def timeline(self, request: web.Request) -> web.Response:
        claims = _claims(request)
        key = f"{request.match_info['type']}:{request.match_info['id']}"
        if key not in self.records:
            return _problem(404, "Not found", f"no record {key}")
        user = self.user_settings.setdefault(claims["upn"], {"showUntrackedEmail": True, "excluded": []})
        active = self.org["autoCaptureEnabled"] and user["showUntrackedEmail"]
        items = [
            i
            for i in self.items.get(key, [])
            if i["state"] == "tracked" or (active and i.get("owner", claims["upn"]) == claims["upn"])
        ]
        public = [{k: v for k, v in i.items() if k != "owner"} for i in items]
        return web.json_response(
            {
                "record": self.records[key],
                "items": public,
                "autoCapture": {"active": active, "notice": self.notice},
            }
        )

    async def track(self, request: web.Request) -> web.Response:
        _claims(request)
        body = await request.json()
        key = f"{body['regarding']['entityType']}:{body['regarding']['id']}"
        item = next((i for i in self.items.get(key, []) if i["id"] == body["itemId"]), None)
        if item is None:
            return _problem(404, "Not found", "no such item")
        tracking_id = f"trk-{next(self._ids)}"
        item["state"] = "pending"
        item["trackingId"] = tracking_id
        self.jobs[tracking_id] = {"item": item, "polls": 0}
        return web.json_response({"trackingId": tracking_id, "state": "pending"}, status=202)

    async def track_status(self, request: web.Request) -> web.Response:
        _claims(request)
        job = self.jobs.get(request.match_info["tid"])
        if job is None:
            return _problem(404, "Not found", "no such tracking request")
        job["polls"] += 1
        if job["polls"] < self.polls_to_finish:
            return web.json_response({"state": "pending"})
        item = job["item"]
        if self.fail_tracking:
            item["state"] = "untracked"
            item.pop("trackingId", None)
            return web.json_response({"state": "failed", "error": "the mailbox item is gone"})
        item.update(state="tracked", id=f"act-{item['id']}", direction="incoming", attachments=[])
        for k in ("trackingId", "matchedBy", "owner"):
            item.pop(k, None)
        return web.json_response({"state": "tracked", "activityId": item["id"]})

    async def settings(self, request: web.Request) -> web.Response:
        claims = _claims(request)
        body: dict[str, Any] = {"org": self.org}
        if self.org["autoCaptureEnabled"]:
            body["user"] = self.user_settings.setdefault(
                claims["upn"], {"showUntrackedEmail": True, "excluded": []}
            )
        return web.json_response(body)

    async def put_org(self, request: web.Request) -> web.Response:
        if "AutoCapture.Admin" not in _claims(request).get("roles", []):
            return _problem(403, "Forbidden", "only AutoCapture.Admin may change org settings")
        self.org.update(await request.json())
        return await self.settings(request)

    async def put_user(self, request: web.Request) -> web.Response:
        claims = _claims(request)
        if not self.org["autoCaptureEnabled"]:
            return _problem(409, "Conflict", "auto capture is off for the organisation")
        self.user_settings.setdefault(claims["upn"], {"showUntrackedEmail": True, "excluded": []}).update(
            await request.json()
        )
        return await self.settings(request)

    async def exclusions(self, request: web.Request) -> web.Response:
        claims = _claims(request)
        body = await request.json()
        for entry in body.get("add", []):
            if "@" not in entry:
                return _problem(400, "Invalid request", f"exclusion entry {entry!r} is not an address")
        scope = request.match_info["scope"]
        target = (
            self.org
            if scope == "org"
            else self.user_settings.setdefault(claims["upn"], {"showUntrackedEmail": True, "excluded": []})
        )
        excluded = [e for e in target["excluded"] if e not in body.get("remove", [])]
        target["excluded"] = excluded + [e.lower() for e in body.get("add", []) if e.lower() not in excluded]
        return await self.settings(request)

    async def static(self, request: web.Request) -> web.StreamResponse:
        """The page as functions/web serves it (headers included), or an override."""
        rel = request.match_info["tail"]
        if rel in self.overrides:
            return web.Response(text=self.overrides[rel], content_type="text/javascript")
        answer = respond(rel, self.page_config)
        skip = ("content-length", "content-type")
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in skip}
        return web.Response(
            status=answer.status_code,
            body=answer.get_body(),
            headers=headers,
            content_type=answer.mimetype,
            charset=answer.charset,
        )

    @web.middleware
    async def _log(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(f"{request.method} {request.path}")
        return await handler(request)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._log])
        app.router.add_post("/dev/token", self.token)
        app.router.add_get("/dev/directory", self.directory)
        app.router.add_get("/api/timeline/{type}/{id}", self.timeline)
        app.router.add_post("/api/track", self.track)
        app.router.add_get("/api/track/{tid}", self.track_status)
        app.router.add_get("/api/settings", self.settings)
        app.router.add_put("/api/settings/org", self.put_org)
        app.router.add_put("/api/settings/user", self.put_user)
        app.router.add_post("/api/settings/{scope}/exclusions", self.exclusions)
        app.router.add_get("/{tail:.*}", self.static)
        return app

    # lifecycle: its own event loop in a thread, so sync Playwright tests can drive it
    def start(self) -> FakeApi:
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._runner = web.AppRunner(self.app(), access_log=None)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.base_url = f"http://127.0.0.1:{port}"
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


def entra_config() -> Config:
    """A deployment in Azure: the page signs in with Entra ID (functions/web builds its config)."""
    return Config(mode="azure", auth_tenant_id="tenant-id", auth_client_id="spa-client-id")


def entra_overrides(access_token: str) -> dict[str, str]:
    """A stand-in for msal-browser (redirects become reloads)."""
    msal = (
        """window.msal = {
  InteractionRequiredAuthError: class extends Error {},
  PublicClientApplication: class {
    constructor(cfg) { window.__msalConfig = cfg; }
    async initialize() {}
    async handleRedirectPromise() { return null; }
    getAllAccounts() {
      return sessionStorage.getItem("stub.signedIn")
        ? [{ username: "carol@autocapture.dev", name: "Carol Diaz" }] : [];
    }
    setActiveAccount() {}
    async loginRedirect(req) {
      sessionStorage.setItem("stub.signedIn", JSON.stringify(req)); location.reload();
    }
    async logoutRedirect() { sessionStorage.removeItem("stub.signedIn"); location.reload(); }
    async acquireTokenSilent(req) { window.__tokenRequest = req; return { accessToken: TOKEN }; }
    async acquireTokenRedirect() {}
  },
};"""
    ).replace("TOKEN", json.dumps(access_token))
    return {"vendor/msal-browser.min.js": msal}
