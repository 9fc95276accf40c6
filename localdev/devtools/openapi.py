"""The local-only part of the OpenAPI document: the ``/dev/*`` routes and their models.

``shared.api.openapi.build_openapi(local=True)`` imports this module (local mode only)
and adds these paths, tagged ``local-only``; the Azure document never mentions them.
"""

from __future__ import annotations

from typing import Any

from localdev.devtools import schemas as d
from shared.api.openapi import LOCAL_ONLY_TAG, Method, _ok, _operation

REQUEST_MODELS = d.REQUEST_MODELS
RESPONSE_MODELS = d.RESPONSE_MODELS
_LOCAL = "Local mode only (AUTOCAPTURE_MODE=local); never registered in Azure."
_TOKEN_EXAMPLE = {"user": "alice@autocapture.dev", "roles": ["Sales.Person"], "groups": ["t-east"]}
_DIRECTORY_EXAMPLE = {
    "users": [
        {
            "userPrincipalName": "alice@autocapture.dev",
            "displayName": "Alice Kim",
            "roles": ["Sales.Person"],
            "groups": ["t-east"],
        }
    ],
    "records": [{"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"}],
}


def _local(operation_id: str, summary: str, responses: dict[int, Any], **kwargs: Any) -> dict[str, Any]:
    return _operation(
        operation_id, summary, LOCAL_ONLY_TAG, responses, secured=False, description=_LOCAL, **kwargs
    )


def local_paths() -> dict[str, dict[Method, dict[str, Any]]]:
    stats = {"cosmos": {"records": 12, "activities": 3}, "cosmosTotal": 15}
    return {
        "/dev/token": {
            "post": _local(
                "devToken",
                "Mint a development token for a mailbox user (roles and groups default to the directory's)",
                {200: _ok("A signed token", d.DevTokenResponse)},
                body=(d.DevTokenRequest, _TOKEN_EXAMPLE),
            )
        },
        "/dev/jwks": {
            "get": _local(
                "devJwks",
                "The public key that verifies development tokens",
                {200: _ok("A JWKS document", d.JwksResponse)},
            )
        },
        "/dev/directory": {
            "get": _local(
                "devDirectory",
                "The local users with their roles and groups, and the records loaded at start",
                {200: _ok("The local directory", d.DirectoryResponse, _DIRECTORY_EXAMPLE)},
            )
        },
        "/dev/stats": {
            "get": _local(
                "devStats",
                "Cosmos DB operations this process made since start or the last reset (make bench)",
                {200: _ok("Operation counts", d.DevStatsResponse, stats)},
            )
        },
        "/dev/stats/reset": {
            "post": _local(
                "devStatsReset",
                "Reset the Cosmos DB operation counts",
                {
                    200: _ok(
                        "The counts after the reset", d.DevStatsResponse, {"cosmos": {}, "cosmosTotal": 0}
                    )
                },
            )
        },
    }
