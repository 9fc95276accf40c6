"""The one check the timeline and Track make after an erasure: does this mail involve an
erased address? The decision is ``shared.rules.erasure.involves_erased``; this reads the
org's erased list (cached with the org settings) and holds the deployment's key."""

from __future__ import annotations

from shared.model import Activity, MailItem, OrgSettings
from shared.rules.erasure import involves_erased
from shared.services.settings import SettingsService


class ErasedAddresses:
    """Whether mail involves an address erased on request (never suggested, never tracked)."""

    def __init__(self, settings: SettingsService, address_key: str) -> None:
        self._settings = settings
        self._key = address_key

    def involve(self, org: OrgSettings, item: MailItem | Activity) -> bool:
        """With the org settings already read (the timeline)."""
        return bool(org.erased) and involves_erased(item, org.erased, self._key)

    async def involved(self, item: MailItem | Activity) -> bool:
        """Reading the org settings (cached) first (Track)."""
        return self.involve(await self._settings.org(), item)
