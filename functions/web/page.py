"""The timeline page's files, its configuration and its security headers.

Pure decisions (which file a path names, the page configuration, the headers) plus one
file read in ``respond``. The page itself is static (``web/``); the only per-deployment
part is ``/config.json``, built here from the app settings (``shared/config.py``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import azure.functions as func

from shared.config import Config
from shared.http import problem

WEB_ROOT = Path(__file__).resolve().parents[2] / "web"
CONFIG_FILE = "config.json"
LOGIN_ORIGIN = "https://login.microsoftonline.com"
#: The delegated scope of the API's app registration (docs/deploy.md).
API_SCOPE = "access_as_user"

CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".txt": "text/plain",
}
#: A page file: a name in web/ or in web/vendor/ (no other folder, no dot files, no "..").
_FILE = re.compile(r"^(?:vendor/)?[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+$")


def page_file(path: str) -> Path | None:
    """The file of web/ that ``path`` (relative, "" = the page) names, or None."""
    name = path.strip("/") or "index.html"
    if not _FILE.match(name) or Path(name).suffix not in CONTENT_TYPES:
        return None
    return WEB_ROOT / name


def page_config(config: Config) -> dict[str, Any]:
    """What the page needs to know about its deployment: local dev tokens or Entra ID."""
    if config.local:
        return {"mode": "local", "apiBase": ""}
    return {
        "mode": "entra",
        "apiBase": "",  # the Function App serves the page and the API on one origin
        "tenantId": config.auth_tenant_id,
        "clientId": config.auth_client_id,
        "authority": f"{LOGIN_ORIGIN}/{config.auth_tenant_id}",
        "scope": f"api://{config.auth_client_id}/{API_SCOPE}",
    }


def content_security_policy(config: Config) -> str:
    """No inline script or style, nothing from elsewhere; in Entra mode MSAL may talk to
    the sign-in origin (token requests, and its hidden iframe for silent renewal)."""
    login = "" if config.local else f" {LOGIN_ORIGIN}"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: https:",  # https: only for a message's remote images, when asked
            f"connect-src 'self'{login}",
            f"frame-src{login or " 'none'"}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(config: Config) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(config),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
    }


def respond(path: str, config: Config) -> func.HttpResponse:
    """The answer to ``GET /<path>``: a page file, the page configuration, or a 404."""
    headers = security_headers(config)
    if path.strip("/") == CONFIG_FILE:
        return func.HttpResponse(
            json.dumps(page_config(config)),
            status_code=200,
            mimetype="application/json",
            charset="utf-8",
            headers={**headers, "Cache-Control": "no-store"},
        )
    target = page_file(path)
    if target is None or not target.is_file():
        return problem(404, "Not found", "no such page file", headers=headers)
    return func.HttpResponse(
        target.read_bytes(),
        status_code=200,
        mimetype=CONTENT_TYPES[target.suffix],
        charset="utf-8" if target.suffix != ".svg" else None,
        headers={**headers, "Cache-Control": "no-cache"},
    )
