"""The operators' self-test: does this deployment work end to end, and if not, how to fix it.

``GET /api/health`` stays cheap and anonymous (liveness). ``ReadinessService.run`` (Admin
only) proves, as the caller, what the service needs in Azure:

1. ``graphAppToken``: the app-only Graph token is issued (the app registration,
   authenticated by the managed identity's client assertion);
2. ``graphAppRead``: one app-only read of the caller's own mail and calendar succeeds
   (the application roles and the Exchange scoping the track job relies on);
3. ``graphOnBehalfOf``: the on-behalf-of exchange for the caller succeeds (consent,
   conditional access);
4. ``cosmos`` and ``queue`` answer.

Each failure names what failed and how to fix it (``diagnose``: pure). Details carry
Entra ID's ``AADSTS`` codes and Graph's statuses, never tokens or mail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, Protocol

from shared.auth.access import require_admin
from shared.auth.principal import Principal
from shared.exceptions import (
    AutoCaptureError,
    MailboxBlockedByPolicyError,
    MailboxInteractionRequiredError,
    MailboxItemNotFoundError,
    MailboxPermissionDeniedError,
)
from shared.logging import ms_since
from shared.mailbox.permissions import APPLICATION_ROLES, DELEGATED_SCOPES

CHECK_TIMEOUT = 10.0
Status = Literal["ok", "failed", "skipped"]
FEDERATION = "infra/app/entra.bicep declares it; run `azd provision`"


class GraphProbe(Protocol):
    """What the self-test asks of the Graph boundary (``GraphConnector``)."""

    async def application_token(self) -> None: ...

    async def application_read(self, owner_id: str) -> None: ...

    async def delegated_token(self, user_token: str) -> None: ...


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    duration_ms: float = 0.0
    detail: str | None = None
    fix: str | None = None


@dataclass(frozen=True)
class Readiness:
    checks: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        return all(c.status == "ok" for c in self.checks)


#: How to fix an Entra ID refusal, by AADSTS code (docs/deploy.md, "Readiness").
AADSTS_FIXES = MappingProxyType(
    {
        "AADSTS700213": "The app registration does not trust the Function App's managed identity: add "
        f"the federated identity credential for its principal id ({FEDERATION}).",
        "AADSTS700211": "The federated identity credential names another issuer: it must be "
        f"https://login.microsoftonline.com/<tenant>/v2.0 ({FEDERATION}).",
        "AADSTS70021": "No federated identity credential matches the managed identity's token "
        f"({FEDERATION}).",
        "AADSTS700016": "AUTH_CLIENT_ID names no app registration in AUTH_TENANT_ID: check both app "
        "settings against the deployment outputs.",
        "AADSTS65001": "Nobody consented to the delegated Graph permissions "
        f"{', '.join(sorted(DELEGATED_SCOPES))}: an admin grants consent (docs/deploy.md, step 3).",
        "AADSTS500131": "The caller's token is not for this API: AUTH_AUDIENCE / AUTH_CLIENT_ID do not "
        "match the app registration the client signs in to.",
        "AADSTS50013": "The caller's token could not be exchanged: sign in again for this API.",
    }
)
FIXES = MappingProxyType(
    {
        "graphAppToken": "Entra ID refused the app-only token: see the AADSTS code in Entra ID's "
        "error reference.",
        "graphAppToken.unavailable": "The managed identity gave no token: AZURE_CLIENT_ID must be the "
        "client id of the Function App's user-assigned identity (infra/main.bicep sets it).",
        "graphAppRead.denied": "Graph refused the app-only read: the app registration needs the "
        f"application roles {', '.join(sorted(APPLICATION_ROLES))} (admin consent; or Exchange RBAC "
        "for Applications role assignments whose scope includes this mailbox: docs/deploy.md, "
        "step 4; Exchange changes take up to an hour).",
        "graphAppRead.missing": "Graph has no mailbox for the caller: the caller needs an Exchange "
        "Online licence (the check reads the caller's own mailbox).",
        "graphOnBehalfOf.interaction": "Conditional access asks you to sign in again (multi-factor): "
        "sign in again and rerun the check.",
        "graphOnBehalfOf.blocked": "A conditional-access policy blocks this app for you: an admin "
        "reviews the policy (Entra ID sign-in logs name it).",
        "graphOnBehalfOf": "Entra ID refused the on-behalf-of exchange: see the AADSTS code.",
        "graphAppRead": "Graph refused the app-only read: see its status in the detail.",
        "graph": "Microsoft Graph or Entra ID cannot be reached: check GRAPH_BASE_URL and outbound "
        "network access, then retry.",
        "cosmos": "Cosmos DB does not answer: check COSMOS_ACCOUNT_ENDPOINT and the managed "
        "identity's Cosmos DB Built-in Data Contributor role (infra/rbac.bicep; role assignments "
        "take minutes to apply).",
        "queue": "The track queue does not answer: check AzureWebJobsStorage__queueServiceUri, the "
        "queue TRACK_QUEUE_NAME and the Storage Queue Data Contributor role (infra/rbac.bicep).",
        "timeout": "No answer within the time limit: retry; if it persists, see Application Insights.",
    }
)


def _code(error: AutoCaptureError) -> str | None:
    return next((code for code in AADSTS_FIXES if code in error.detail), None)


#: Failures told apart per check, most specific first (subclasses before their base).
SPECIFIC: MappingProxyType[str, tuple[tuple[type[AutoCaptureError], str], ...]] = MappingProxyType(
    {
        "graphAppRead": (
            (MailboxItemNotFoundError, "graphAppRead.missing"),
            (MailboxPermissionDeniedError, "graphAppRead.denied"),
        ),
        "graphOnBehalfOf": (
            (MailboxInteractionRequiredError, "graphOnBehalfOf.interaction"),
            (MailboxBlockedByPolicyError, "graphOnBehalfOf.blocked"),
        ),
    }
)


def diagnose(check: str, error: AutoCaptureError | TimeoutError) -> str:
    """How to fix ``error`` of ``check`` (pure)."""
    if isinstance(error, TimeoutError):
        return FIXES["timeout"]
    code = _code(error)
    if code is not None:
        return AADSTS_FIXES[code]
    for kind, key in SPECIFIC.get(check, ()):
        if isinstance(error, kind):
            return FIXES[key]
    if check.startswith("graph") and getattr(error, "transient", False):
        return FIXES["graphAppToken.unavailable" if "no credential" in error.detail else "graph"]
    return FIXES[check]


@dataclass(frozen=True)
class ReadinessService:
    """Runs the self-test for an Admin caller."""

    graph: GraphProbe
    ping_cosmos: Callable[[], Awaitable[None]]
    ping_queue: Callable[[], Awaitable[None]]
    timeout: float = CHECK_TIMEOUT

    async def run(self, principal: Principal) -> Readiness:
        require_admin(principal)
        app_token, on_behalf_of, cosmos, queue = await asyncio.gather(
            self._check("graphAppToken", self.graph.application_token),
            self._check("graphOnBehalfOf", lambda: self.graph.delegated_token(principal.token)),
            self._check("cosmos", self.ping_cosmos),
            self._check("queue", self.ping_queue),
        )
        if app_token.status == "ok":
            app_read = await self._check("graphAppRead", lambda: self.graph.application_read(principal.oid))
        else:
            app_read = CheckResult("graphAppRead", "skipped", detail="no app-only token")
        return Readiness((app_token, app_read, on_behalf_of, cosmos, queue))

    async def _check(self, name: str, probe: Callable[[], Awaitable[None]]) -> CheckResult:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.timeout):
                await probe()
        except (AutoCaptureError, TimeoutError) as exc:
            detail = exc.detail if isinstance(exc, AutoCaptureError) else f"no answer in {self.timeout:g} s"
            return CheckResult(name, "failed", ms_since(started), detail, diagnose(name, exc))
        return CheckResult(name, "ok", ms_since(started))
