"""The store backends the contract tests run on: in memory, and Cosmos DB (the emulator)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from localdev.opcount import OpCounter
from shared.config import Config
from shared.model import (
    Activity,
    CrmRecord,
    Participant,
    RecordRef,
    TrackingRequest,
)
from shared.rules.identity import claim_key
from shared.store.stores import Stores, cosmos_stores, memory_stores
from tests.builders import NOW, mail_item, tracked_copy


@dataclass
class Backend:
    stores: Stores
    ops: OpCounter


@pytest.fixture(params=["memory", pytest.param("cosmos", marks=pytest.mark.integration)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    ops = OpCounter()
    if request.param == "memory":
        stores = memory_stores(on_operation=ops.add)
    else:
        peers = request.getfixturevalue("peers")
        config = Config.from_env(
            peers.env(), cosmos_database=f"contract-{uuid.uuid4().hex[:10]}", cosmos_create_containers=True
        )
        stores = cosmos_stores(config, on_operation=ops.add)
        await stores.ping()  # creates the database and its containers
    ops.reset()
    yield Backend(stores, ops)
    await stores.close()


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def contact(account: str, n: int, modified: datetime | None) -> CrmRecord:
    return CrmRecord(
        "contact",
        f"{account}-c{n}",
        f"C{n}",
        emails=(f"c{n}@x.com",),
        parent_account_id=account,
        modified_on=modified,
    )


def a_claim_id() -> str:
    """The identity of a fresh mail (the id of its claim and of its activity)."""
    return claim_key(mail_item(uid("m"), NOW))


def an_activity(regarding: RecordRef, key: str, at: datetime = NOW, body: str = "") -> Activity:
    item = mail_item(
        uid("m"), at, key=key, subject="s", preview="p", sender=Participant("a@x.com", "A"), to=("b@y.com",)
    )
    return tracked_copy(item, regarding, "u1", NOW, body=body)


def a_request(user: str, ref: RecordRef, state: Any = "pending") -> TrackingRequest:
    return TrackingRequest(
        id=uid("trk"),
        user_id=user,
        item_id="AAMk1",
        kind="email",
        regarding=ref,
        state=state,
        created_at=NOW,
        updated_at=NOW,
    )
