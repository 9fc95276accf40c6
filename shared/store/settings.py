"""Org and user settings in the ``settings`` container (partition key ``/id``).

One small document per scope: ``org`` and ``user:<oid>``; each read is a point read.
Writes carry the etag they read (optimistic concurrency): a concurrent change makes the
write fail with PreconditionFailedError and the service re-reads and re-applies.
"""

from __future__ import annotations

from typing import Any

from shared.exceptions import AlreadyExistsError, NotFoundError, PreconditionFailedError
from shared.model import OrgSettings, UserSettings
from shared.store.base import Database, Query

CONTAINER = "settings"
ORG_ID = "org"


def user_doc_id(oid: str) -> str:
    return f"user:{oid}"


def _strs(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(v) for v in value if isinstance(v, str))


def _days(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class SettingsRepository:
    """``SettingsStore`` over a document database."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def _read(self, doc_id: str) -> dict[str, Any] | None:
        try:
            doc = await self._db.read_item(CONTAINER, doc_id, doc_id, "settings")
        except NotFoundError:
            return None
        return doc

    async def get_org(self) -> OrgSettings:
        doc = await self._read(ORG_ID)
        if doc is None:
            return OrgSettings()
        return OrgSettings(
            auto_capture_enabled=bool(doc.get("autoCaptureEnabled", True)),
            excluded=_strs(doc.get("excluded")),
            hide_internal_only=bool(doc.get("hideInternalOnly", False)),
            internal_domains=_strs(doc.get("internalDomains")),
            retention_days=_days(doc.get("retentionDays")),
            erased=_strs(doc.get("erased")),
            etag=doc.get("_etag"),
        )

    async def get_user(self, oid: str) -> UserSettings:
        doc = await self._read(user_doc_id(oid))
        if doc is None:
            return UserSettings()
        return UserSettings(
            show_untracked_email=bool(doc.get("showUntrackedEmail", True)),
            excluded=_strs(doc.get("excluded")),
            etag=doc.get("_etag"),
        )

    async def _write(self, doc_id: str, body: dict[str, Any], etag: str | None) -> None:
        body = {"id": doc_id, **body}
        if etag is None:
            try:
                await self._db.create_item(CONTAINER, body, "settings")
            except AlreadyExistsError as exc:
                raise PreconditionFailedError("settings were created concurrently") from exc
            return
        await self._db.replace_item(CONTAINER, doc_id, body, etag, "settings")

    async def save_org(self, settings: OrgSettings) -> None:
        """Write if nobody changed the document since ``settings.etag`` was read."""
        body = {
            "autoCaptureEnabled": settings.auto_capture_enabled,
            "excluded": list(settings.excluded),
            "hideInternalOnly": settings.hide_internal_only,
            "internalDomains": list(settings.internal_domains),
            "retentionDays": settings.retention_days,
            "erased": list(settings.erased),
        }
        await self._write(ORG_ID, body, settings.etag)

    async def save_user(self, oid: str, settings: UserSettings) -> None:
        body = {"showUntrackedEmail": settings.show_untracked_email, "excluded": list(settings.excluded)}
        await self._write(user_doc_id(oid), body, settings.etag)

    async def list_users_excluding(self, entry: str) -> list[str]:
        """The oids of users whose personal exclusion list holds ``entry`` (cross-partition)."""
        docs = await self._db.query(CONTAINER, Query(holds=("excluded", entry), fields=("id",)), "settings")
        prefix = user_doc_id("")
        return [str(d["id"])[len(prefix) :] for d in docs if str(d.get("id", "")).startswith(prefix)]
