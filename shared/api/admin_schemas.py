"""Request and response bodies of the admin operations (erasure, readiness), as pydantic
models, on the same strict bases as ``shared.api.schemas``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.api.schemas import _Request, _Response
from shared.model import ErasureState
from shared.rules.exclusions import ADDRESS_ENTRY_PATTERN, MAX_ENTRY_LENGTH

# --- admin: erasure -------------------------------------------------------------------------


class ErasureRequest(_Request):
    address: Annotated[str, StringConstraints(max_length=MAX_ENTRY_LENGTH, pattern=ADDRESS_ENTRY_PATTERN)] = (
        Field(
            description="the email address whose tracked mail is erased (validated as an exclusion entry is)"
        )
    )


class ErasureAccepted(_Response):
    erasureId: str
    state: ErasureState


class ErasureRemoved(_Response):
    activities: int
    attachments: int
    trackingRequests: int
    exclusionEntries: int


class ErasureStatus(_Response):
    erasureId: str
    state: ErasureState
    removed: ErasureRemoved
    activityIds: list[str] = Field(description="the ids of the removed activities (no content)")
    requestedBy: str
    requestedAt: str
    finishedAt: str | None = None


class RecordRefOut(_Response):
    entityType: str
    id: str


class PreviewActivity(_Response):
    id: str
    regarding: RecordRefOut
    kind: Literal["email", "meeting"]
    occurredAt: str


class ErasurePreview(_Response):
    address: str
    count: int
    activities: list[PreviewActivity]


# --- admin: readiness ----------------------------------------------------------------------


class ReadinessCheck(_Response):
    name: Literal["graphAppToken", "graphAppRead", "graphOnBehalfOf", "cosmos", "queue"]
    status: Literal["ok", "failed", "skipped"]
    durationMs: float
    detail: str | None = Field(
        default=None, description="what failed (Entra ID's AADSTS code, Graph's status)"
    )
    fix: str | None = Field(default=None, description="how to fix it")


class ReadinessResponse(_Response):
    status: Literal["ready", "notReady"]
    checks: list[ReadinessCheck]
