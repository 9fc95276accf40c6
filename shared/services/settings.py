"""Org and user settings: who may change what, validation, audit lines, a short cache.

The org document is cached per process for ``SETTINGS_CACHE_SECONDS`` (default 5 s): a
change reaches every instance's next timeline within that time (the instance that made
the change sees it at once). User settings are read fresh (one point read).
Every change is read-modify-written with the etag it read and retried on a conflict,
so concurrent updates (two admins adding exclusions) both survive.

Audit lines (``settings.changed``) name an address entry only by its keyed hash
(``shared.rules.erasure.loggable_entry``); domains as they are. The erasure job adds the
erased address's hash here (``add_erased``) and takes the address off every exclusion list.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from shared.auth.access import require_admin
from shared.auth.principal import Principal
from shared.exceptions import ConflictError, PreconditionFailedError, StoreUnavailableError, ValidationError
from shared.logging import log_event
from shared.model import OrgSettings, UserSettings
from shared.rules.erasure import loggable_entry, with_erased, without_entry
from shared.rules.exclusions import MAX_EXCLUSIONS, validate_domain_entry, validate_exclusion_entry
from shared.store.base import SettingsStore

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
S = TypeVar("S", OrgSettings, UserSettings)


def settings_view(org: OrgSettings, user: UserSettings | None) -> dict[str, Any]:
    """The GET /api/settings body: no ``user`` key while the org setting is off."""
    body: dict[str, Any] = {
        "org": {
            "autoCaptureEnabled": org.auto_capture_enabled,
            "excluded": list(org.excluded),
            "hideInternalOnly": org.hide_internal_only,
            "internalDomains": list(org.internal_domains),
            "retentionDays": org.retention_days,
        }
    }
    if org.auto_capture_enabled and user is not None:
        body["user"] = {"showUntrackedEmail": user.show_untracked_email, "excluded": list(user.excluded)}
    return body


def apply_exclusions(current: tuple[str, ...], add: list[str], remove: list[str]) -> tuple[str, ...]:
    """The new list: validated additions appended (no duplicates), removals dropped."""
    added = [validate_exclusion_entry(e, f"add.{i}") for i, e in enumerate(add)]
    removed = {validate_exclusion_entry(e, f"remove.{i}") for i, e in enumerate(remove)}
    out = [e for e in current if e not in removed]
    for entry in added:
        if entry not in out and entry not in removed:
            out.append(entry)
    if len(out) > MAX_EXCLUSIONS:
        raise ValidationError(f"at most {MAX_EXCLUSIONS} entries are allowed", "add")
    return tuple(out)


class SettingsService:
    def __init__(
        self,
        repo: SettingsStore,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        address_key: str = "",
    ) -> None:
        self._repo = repo
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._address_key = address_key
        self._org: tuple[float, OrgSettings] | None = None

    async def org(self) -> OrgSettings:
        now = self._clock()
        if self._org is not None and now - self._org[0] < self._cache_seconds:
            return self._org[1]
        org = await self._repo.get_org()
        self._org = (now, org)
        return org

    async def user(self, oid: str) -> UserSettings:
        return await self._repo.get_user(oid)

    async def view(self, principal: Principal) -> dict[str, Any]:
        org = await self.org()
        user = await self.user(principal.oid) if org.auto_capture_enabled else None
        return settings_view(org, user)

    async def _modify(
        self, load: Callable[[], Awaitable[S]], save: Callable[[S], Awaitable[None]], change: Callable[[S], S]
    ) -> tuple[S, S]:
        for attempt in range(MAX_ATTEMPTS):
            if attempt:  # another writer won the race: back off a little, with jitter
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
            current = await load()
            updated = change(current)
            if updated == current:
                return current, current
            try:
                await save(updated)
            except PreconditionFailedError:
                continue
            return current, updated
        raise StoreUnavailableError("the settings kept changing concurrently; try again", retry_after=1)

    async def _change_org(
        self, principal: Principal | None, change: Callable[[OrgSettings], OrgSettings]
    ) -> None:
        """Change the org settings, audit it (``principal`` None: the erasure job), drop the cache."""
        old, new = await self._modify(self._repo.get_org, self._repo.save_org, change)
        self._audit(principal, "org", old, new)
        self._org = None

    async def _change_user(
        self, principal: Principal | None, oid: str, change: Callable[[UserSettings], UserSettings]
    ) -> None:
        """Change ``oid``'s settings and audit it (``principal`` None: the erasure job)."""
        old, new = await self._modify(
            lambda: self._repo.get_user(oid), lambda s: self._repo.save_user(oid, s), change
        )
        self._audit(principal, "user", old, new)

    async def update_org(self, principal: Principal, changes: dict[str, Any]) -> dict[str, Any]:
        require_admin(principal)
        if not changes:
            raise ValidationError(
                "give at least one of autoCaptureEnabled, hideInternalOnly, internalDomains, retentionDays",
                "body",
            )
        domains = changes.get("internalDomains")
        if domains is not None:
            changes["internalDomains"] = tuple(
                dict.fromkeys(validate_domain_entry(d, f"internalDomains.{i}") for i, d in enumerate(domains))
            )

        def change(org: OrgSettings) -> OrgSettings:
            return replace(
                org,
                auto_capture_enabled=changes.get("autoCaptureEnabled", org.auto_capture_enabled),
                hide_internal_only=changes.get("hideInternalOnly", org.hide_internal_only),
                internal_domains=changes.get("internalDomains", org.internal_domains),
                retention_days=changes.get("retentionDays", org.retention_days),
            )

        await self._change_org(principal, change)
        return await self.view(principal)

    async def _require_offered(self) -> None:
        if not (await self.org()).auto_capture_enabled:
            raise ConflictError(
                "auto capture is turned off for the organisation; the personal option is not offered"
            )

    async def update_user(self, principal: Principal, show_untracked: bool) -> dict[str, Any]:
        await self._require_offered()
        await self._change_user(
            principal, principal.oid, lambda s: replace(s, show_untracked_email=show_untracked)
        )
        return await self.view(principal)

    async def change_org_exclusions(
        self, principal: Principal, add: list[str], remove: list[str]
    ) -> dict[str, Any]:
        require_admin(principal)
        apply_exclusions((), add, remove)  # validate before any read
        await self._change_org(
            principal, lambda s: replace(s, excluded=apply_exclusions(s.excluded, add, remove))
        )
        return await self.view(principal)

    async def change_user_exclusions(
        self, principal: Principal, add: list[str], remove: list[str]
    ) -> dict[str, Any]:
        await self._require_offered()
        apply_exclusions((), add, remove)
        await self._change_user(
            principal, principal.oid, lambda s: replace(s, excluded=apply_exclusions(s.excluded, add, remove))
        )
        return await self.view(principal)

    # --- erasure (shared.services.erasure_worker) -------------------------------------------

    async def add_erased(self, hashed: str) -> None:
        """Put an erased address's keyed hash on the org's erased list (once)."""
        await self._change_org(None, lambda s: replace(s, erased=with_erased(s.erased, hashed)))

    async def lists_naming(self, address: str) -> list[str]:
        """The exclusion lists holding ``address`` itself: ``org`` and ``user:<oid>``."""
        org = await self._repo.get_org()
        scopes = ["org"] if without_entry(org.excluded, address) != org.excluded else []
        return scopes + [f"user:{oid}" for oid in await self._repo.list_users_excluding(address)]

    async def remove_everywhere(self, address: str, scopes: list[str]) -> None:
        """Take the address entry off these exclusion lists (domain entries stay)."""
        for scope in scopes:
            if scope == "org":
                await self._remove_from_org(address)
            else:
                await self._remove_from_user(scope.removeprefix("user:"), address)

    async def _remove_from_org(self, address: str) -> None:
        await self._change_org(None, lambda s: replace(s, excluded=without_entry(s.excluded, address)))

    async def _remove_from_user(self, oid: str, address: str) -> None:
        await self._change_user(None, oid, lambda s: replace(s, excluded=without_entry(s.excluded, address)))

    def _entries(self, name: str, entries: set[str]) -> list[str] | int:
        """What an audit line shows of list entries: hashes stay, addresses are hashed."""
        if name == "erased":
            return sorted(entries)
        if not self._address_key:
            return len(entries)
        return sorted(loggable_entry(self._address_key, e) for e in entries)

    def _audit(
        self,
        principal: Principal | None,
        scope: str,
        old: OrgSettings | UserSettings,
        new: OrgSettings | UserSettings,
    ) -> None:
        before, after = vars(old), vars(new)
        actor = principal.oid if principal is not None else "erasure"
        for name, value in after.items():
            if name == "etag" or before[name] == value:
                continue
            change: dict[str, Any]
            if isinstance(value, tuple):
                change = {
                    "added": self._entries(name, set(value) - set(before[name])),
                    "removed": self._entries(name, set(before[name]) - set(value)),
                }
            else:
                change = {"old": before[name], "new": value}
            log_event(log, "settings.changed", actor=actor, scope=scope, setting=name, **change)
