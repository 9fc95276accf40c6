"""Every environment variable the service reads, in one place.

Precedence: explicit argument → environment → default. In Azure the app settings come
from ``infra/main.bicep`` (same names as its outputs); locally ``localdev`` sets them.
Nothing else in the code reads ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType

from shared.rules.sweep import STALE_AFTER

# --- names ---------------------------------------------------------------------------
MODE = "AUTOCAPTURE_MODE"  # "azure" (default) or "local": local enables /dev/* routes
COSMOS_ENDPOINT = "COSMOS_ACCOUNT_ENDPOINT"
COSMOS_KEY = "COSMOS_KEY"  # local emulator only; Azure uses the managed identity
COSMOS_DATABASE = "COSMOS_DATABASE"
COSMOS_VERIFY_TLS = "COSMOS_VERIFY_TLS"  # "false" only for the local emulator
COSMOS_CREATE_CONTAINERS = "COSMOS_CREATE_CONTAINERS"  # "true" locally; Bicep creates them in Azure
STORAGE_CONNECTION = "AzureWebJobsStorage"  # local: connection string (Azurite)
STORAGE_QUEUE_URI = "AzureWebJobsStorage__queueServiceUri"  # Azure: identity-based
TRACK_QUEUE_NAME = "TRACK_QUEUE_NAME"
ERASURE_QUEUE_NAME = "ERASURE_QUEUE_NAME"
#: The per-deployment key of the keyed hash (HMAC-SHA256) that names email addresses in
#: audit lines and in the erased-address list (docs/design.md, data governance).
ADDRESS_HASH_KEY = "ADDRESS_HASH_KEY"
RETENTION_SCHEDULE = "RETENTION_SCHEDULE"  # the retention timer's NCRONTAB schedule
CONTENT_BLOB_URI = "CONTENT_BLOB_SERVICE_URI"  # Azure: blob endpoint for bodies and attachments (identity)
CONTENT_CONTAINER = "CONTENT_CONTAINER"  # blob container of tracked bodies and attachment files
GRAPH_BASE_URL = "GRAPH_BASE_URL"
GRAPH_AUTH = "GRAPH_AUTH"  # "entra" (default) or "local"
AUTH_ISSUER = "AUTH_ISSUER"
AUTH_AUDIENCE = "AUTH_AUDIENCE"
AUTH_JWKS_URL = "AUTH_JWKS_URL"
AUTH_TENANT_ID = "AUTH_TENANT_ID"
AUTH_CLIENT_ID = "AUTH_CLIENT_ID"  # the API's Entra app registration (on-behalf-of client)
MANAGED_IDENTITY_CLIENT_ID = "AZURE_CLIENT_ID"  # user-assigned managed identity
SETTINGS_CACHE_SECONDS = "SETTINGS_CACHE_SECONDS"
TRACK_STALE_SECONDS = "TRACK_STALE_SECONDS"  # optional: the sweeper's stale age (default STALE_AFTER: 360)
# local run only (localdev/): ports and data files
LOCAL_PORT = "AUTOCAPTURE_PORT"
LOCAL_RECORDS = "AUTOCAPTURE_RECORDS"
LOCAL_MAILBOX = "AUTOCAPTURE_MAILBOX"
LOCAL_WORKDIR = "AUTOCAPTURE_WORKDIR"  # make run: demo files, saved state, logs (default .local)
LOCAL_SETTINGS_FILE = "AUTOCAPTURE_LOCAL_SETTINGS"  # make run: where local.settings.json goes
LOCAL_QUEUE_LEASE = "AUTOCAPTURE_QUEUE_LEASE_SECONDS"  # local host: how long a running message stays hidden
LOCAL_VISIBILITY_TIMEOUT = "AUTOCAPTURE_QUEUE_VISIBILITY_SECONDS"  # local host: overrides host.json (tests)
LOCAL_TIMER_SCHEDULE = "AUTOCAPTURE_TIMER_SCHEDULE"  # local host: one NCRONTAB for every timer (tests)
DEV_SIGNING_KEY = "AUTOCAPTURE_DEV_KEY"  # local mode only: PEM of the development token key

DEFAULT_GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
DEFAULT_TRACK_QUEUE = "track-requests"
DEFAULT_ERASURE_QUEUE = "erasure-requests"
DEFAULT_RETENTION_SCHEDULE = "0 30 2 * * *"  # daily, 02:30 UTC
#: Local mode only, when ADDRESS_HASH_KEY is not set: a fixed key, public, for the local stack.
LOCAL_ADDRESS_HASH_KEY = "local-only-address-hash-key-never-used-in-azure"
DEFAULT_DATABASE = "autocapture"
DEFAULT_CONTENT_CONTAINER = "content"

#: Every Cosmos container the code uses (infra/main.bicep must declare each one), with
#: its partition key path and default TTL (None: no TTL). See docs/design.md (stores).
CONTAINERS: Mapping[str, tuple[str, int | None]] = MappingProxyType(
    {
        "records": ("/pk", None),
        "activities": ("/pk", None),
        "tracking": ("/userId", 60 * 60 * 24 * 30),
        "settings": ("/id", None),
        "erasures": ("/id", None),
    }
)


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Config:
    """The service's configuration, read once per process."""

    mode: str = "azure"
    cosmos_endpoint: str = ""
    cosmos_key: str = ""
    cosmos_database: str = DEFAULT_DATABASE
    cosmos_verify_tls: bool = True
    cosmos_create_containers: bool = False
    storage_connection: str = ""
    storage_queue_uri: str = ""
    track_queue: str = DEFAULT_TRACK_QUEUE
    erasure_queue: str = DEFAULT_ERASURE_QUEUE
    address_hash_key: str = ""
    content_blob_uri: str = ""
    content_container: str = DEFAULT_CONTENT_CONTAINER
    graph_base_url: str = DEFAULT_GRAPH_BASE_URL
    graph_auth: str = "entra"
    auth_issuer: str = ""
    auth_audience: str = ""
    auth_jwks_url: str = ""
    auth_tenant_id: str = ""
    auth_client_id: str = ""
    managed_identity_client_id: str = ""
    settings_cache_seconds: float = 5.0
    track_stale_seconds: float = STALE_AFTER.total_seconds()
    dev_signing_key: str = ""
    local_mailbox: str = ""
    local_records: str = ""

    @property
    def local(self) -> bool:
        return self.mode == "local"

    @property
    def address_key(self) -> str:
        """The keyed hash's key: the configured one, the fixed local one in local mode, else ""."""
        if self.address_hash_key:
            return self.address_hash_key
        return LOCAL_ADDRESS_HASH_KEY if self.local else ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Config:
        env = os.environ if env is None else env
        values: dict[str, object] = {
            "mode": env.get(MODE, "azure").strip().lower() or "azure",
            "cosmos_endpoint": env.get(COSMOS_ENDPOINT, ""),
            "cosmos_key": env.get(COSMOS_KEY, ""),
            "cosmos_database": env.get(COSMOS_DATABASE, DEFAULT_DATABASE),
            "cosmos_verify_tls": _flag(env.get(COSMOS_VERIFY_TLS), True),
            "cosmos_create_containers": _flag(env.get(COSMOS_CREATE_CONTAINERS), False),
            "storage_connection": env.get(STORAGE_CONNECTION, ""),
            "storage_queue_uri": env.get(STORAGE_QUEUE_URI, ""),
            "track_queue": env.get(TRACK_QUEUE_NAME, DEFAULT_TRACK_QUEUE),
            "erasure_queue": env.get(ERASURE_QUEUE_NAME, DEFAULT_ERASURE_QUEUE),
            "address_hash_key": env.get(ADDRESS_HASH_KEY, ""),
            "content_blob_uri": env.get(CONTENT_BLOB_URI, ""),
            "content_container": env.get(CONTENT_CONTAINER, DEFAULT_CONTENT_CONTAINER)
            or DEFAULT_CONTENT_CONTAINER,
            "graph_base_url": env.get(GRAPH_BASE_URL, DEFAULT_GRAPH_BASE_URL).rstrip("/"),
            "graph_auth": env.get(GRAPH_AUTH, "entra").strip().lower(),
            "auth_issuer": env.get(AUTH_ISSUER, ""),
            "auth_audience": env.get(AUTH_AUDIENCE, ""),
            "auth_jwks_url": env.get(AUTH_JWKS_URL, ""),
            "auth_tenant_id": env.get(AUTH_TENANT_ID, ""),
            "auth_client_id": env.get(AUTH_CLIENT_ID, ""),
            "managed_identity_client_id": env.get(MANAGED_IDENTITY_CLIENT_ID, ""),
            "settings_cache_seconds": float(env.get(SETTINGS_CACHE_SECONDS, "5") or 5),
            "track_stale_seconds": float(env.get(TRACK_STALE_SECONDS, "") or STALE_AFTER.total_seconds()),
            "dev_signing_key": env.get(DEV_SIGNING_KEY, ""),
            "local_mailbox": env.get(LOCAL_MAILBOX, ""),
            "local_records": env.get(LOCAL_RECORDS, ""),
        }
        known = {f.name for f in fields(cls)}
        for name, value in overrides.items():
            if name not in known:
                raise TypeError(f"unknown config field {name!r}")
            values[name] = value
        return cls(**values)  # type: ignore[arg-type]


#: App settings the code (or, for RETENTION_SCHEDULE, the timer binding) reads in Azure;
#: infra/main.bicep must set each one.
AZURE_APP_SETTINGS = (
    MODE,
    GRAPH_AUTH,
    COSMOS_CREATE_CONTAINERS,
    COSMOS_ENDPOINT,
    COSMOS_DATABASE,
    STORAGE_QUEUE_URI,
    TRACK_QUEUE_NAME,
    ERASURE_QUEUE_NAME,
    ADDRESS_HASH_KEY,
    RETENTION_SCHEDULE,
    CONTENT_BLOB_URI,
    CONTENT_CONTAINER,
    GRAPH_BASE_URL,
    AUTH_ISSUER,
    AUTH_AUDIENCE,
    AUTH_JWKS_URL,
    AUTH_TENANT_ID,
    AUTH_CLIENT_ID,
    MANAGED_IDENTITY_CLIENT_ID,
)

#: App settings that are secrets: set from secure parameters, never a deployment output.
SECRET_APP_SETTINGS = (ADDRESS_HASH_KEY,)
