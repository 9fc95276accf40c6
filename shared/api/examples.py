"""Example values the OpenAPI document shows beside each operation (docs only, no logic)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

RECORD = MappingProxyType({"entityType": "account", "id": "a-contoso"})
ITEM_ID = "AAMkAGI2TG93AAA="
TRACKING_ID = "trk-3f2a9c0d41b84e6fa1d25c7e9b0a4411"
ACTIVITY_ID = "8ab881d7324854c6aed7fce30fe01e1d5ccbed15"  # a claim_key: 40 hex digits
ATTACHMENT_ID = "att-3f2a9c0d1e7b6a5f4c3d2e1f"
TRACK = MappingProxyType({"itemId": ITEM_ID, "kind": "email", "regarding": RECORD})
ACCEPTED = MappingProxyType({"trackingId": TRACKING_ID, "state": "pending"})
STATUS = MappingProxyType({"trackingId": TRACKING_ID, "state": "pending", "regarding": RECORD})
ALREADY_TRACKED = MappingProxyType({"trackingId": TRACKING_ID, "state": "tracked", "activityId": ACTIVITY_ID})
SETTINGS: Mapping[str, Any] = MappingProxyType(
    {
        "org": {
            "autoCaptureEnabled": True,
            "excluded": ["@newsletter.example.com"],
            "hideInternalOnly": False,
            "internalDomains": ["autocapture.dev"],
            "retentionDays": None,
        },
        "user": {"showUntrackedEmail": True, "excluded": []},
    }
)
EXCLUSIONS = MappingProxyType({"add": ["@newsletter.example.com"], "remove": ["pat@fabrikam.com"]})
TIMELINE: Mapping[str, Any] = MappingProxyType(
    {
        "record": {"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"},
        "items": [
            {
                "id": ITEM_ID,
                "kind": "email",
                "state": "untracked",
                "subject": "Renewal quote",
                "preview": "Hi Alice, please find the quote attached",
                "from": {"address": "jane@contoso.com", "name": "Jane Doe"},
                "to": [{"address": "alice@autocapture.dev", "name": "Alice Kim"}],
                "cc": [],
                "occurredAt": "2026-03-02T09:30:00Z",
                "matchedBy": [
                    {
                        "address": "jane@contoso.com",
                        "rule": "primaryContact",
                        "record": {"entityType": "contact", "id": "c-jane", "name": "Jane Doe"},
                    }
                ],
            }
        ],
        "autoCapture": {"active": True, "notice": None},
    }
)
_RESOLUTION: Mapping[str, Any] = MappingProxyType(
    {
        "record": {"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"},
        "addresses": [
            {
                "address": "jane@contoso.com",
                "rules": ["primaryContact"],
                "from": [{"entityType": "contact", "id": "c-jane", "name": "Jane Doe"}],
            },
            {
                "address": "info@contoso.com",
                "rules": ["recordEmail"],
                "from": [{"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"}],
            },
        ],
        "leftOut": [{"entityType": "contact", "id": "c-051", "name": "Sam Lee", "reason": "BEYOND_TOP_50"}],
    }
)
DRY_RUN: Mapping[str, Any] = _RESOLUTION
EXPLAIN: Mapping[str, Any] = MappingProxyType(
    {
        **_RESOLUTION,
        "exclusions": {"org": ["@newsletter.example.com"], "user": [], "internalOnly": False},
        "hidden": [
            {
                "id": ITEM_ID,
                "kind": "email",
                "subject": "Kick-off notes",
                "occurredAt": "2026-02-10T08:00:00Z",
                "reason": "OUTSIDE_WINDOW",
            }
        ],
        "autoCapture": {"active": True, "notice": None},
    }
)
HEALTHY = MappingProxyType(
    {"status": "ok", "checks": {"cosmos": "ok", "queue": "ok", "files": "ok", "graph": "ok"}}
)
DEGRADED = MappingProxyType({"status": "degraded", "checks": {"cosmos": "ok", "queue": "unavailable"}})
ERASURE_ID = "ers-6f1d0c9a2b3e4f5a8b7c6d5e4f3a2b1c"
ERASURE = MappingProxyType({"address": "pat@fabrikam.com"})
ERASURE_ACCEPTED = MappingProxyType({"erasureId": ERASURE_ID, "state": "running"})
ERASURE_DONE: Mapping[str, Any] = MappingProxyType(
    {
        "erasureId": ERASURE_ID,
        "state": "done",
        "removed": {"activities": 3, "attachments": 2, "trackingRequests": 3, "exclusionEntries": 1},
        "activityIds": ["5b1c2d3e4f", "6c2d3e4f5a", "7d3e4f5a6b"],
        "requestedBy": "00000000-0000-0000-0000-0000000000c1",
        "requestedAt": "2026-03-02T09:30:00.000000Z",
        "finishedAt": "2026-03-02T09:30:04.000000Z",
    }
)
ERASURE_PREVIEW: Mapping[str, Any] = MappingProxyType(
    {
        "address": "pat@fabrikam.com",
        "count": 1,
        "activities": [
            {
                "id": "5b1c2d3e4f",
                "regarding": RECORD,
                "kind": "email",
                "occurredAt": "2026-03-02T09:30:00.000000Z",
            }
        ],
    }
)
