"""The timeline page, served by the Function App itself (docs/web.md).

``GET /`` and ``GET /<file>`` serve ``web/``, ``GET /vendor/<file>`` its vendored
msal-browser, ``GET /config.json`` the page's configuration from the app settings; every
answer carries the page's security headers. Explicit one- and two-segment routes, not a
catch-all ``{*path}``: the Functions host does not order routes the way ASP.NET does, so
a catch-all could shadow ``api/...``. No route here can match an ``api/`` or ``dev/`` path.
"""

from __future__ import annotations

import azure.functions as func

from functions.web.page import respond
from shared.api.operation import not_in_api
from shared.config import Config

#: The routes of this blueprint (the page, not the API: the OpenAPI document omits them).
PAGE_ROUTES = ("{file?}", "vendor/{file}")


def blueprint(config: Config) -> func.Blueprint:
    """The page's routes, configured from ``config`` (mode, tenant, client id)."""
    bp = func.Blueprint()

    @bp.function_name("web_page")
    @bp.route(route=PAGE_ROUTES[0], methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @not_in_api
    def web_page(req: func.HttpRequest) -> func.HttpResponse:
        return respond(req.route_params.get("file") or "", config)

    @bp.function_name("web_vendor")
    @bp.route(route=PAGE_ROUTES[1], methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    @not_in_api
    def web_vendor(req: func.HttpRequest) -> func.HttpResponse:
        return respond(f"vendor/{req.route_params.get('file', '')}", config)

    return bp
