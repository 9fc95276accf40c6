"""Retention: the timer's service deletes activities older than ``retentionDays``, through
the removal path untrack uses, and leaves newer ones; without the setting, nothing."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.services.retention import RetentionService
from tests.functional.governance_support import ACCOUNT, CONTACT, NOW, activity, make_world


async def _world_with_ages(*days: int):
    world = await make_world()
    acts = [
        activity(
            ACCOUNT if i % 2 else CONTACT, f"age {d}", "jo@x.example", occurred_at=NOW - timedelta(days=d)
        )
        for i, d in enumerate(days)
    ]
    for act in acts:
        await world.add(act)
    return world, acts


async def _set_retention(world, days):
    settings = world.runtime.stores.settings
    await settings.save_org(replace(await settings.get_org(), retention_days=days))


async def test_activities_older_than_the_setting_are_deleted_with_their_claims_and_newer_ones_stay(caplog):
    world, (old, older, recent) = await _world_with_ages(40, 400, 29)
    await _set_retention(world, 30)
    service = RetentionService(world.runtime.stores.activities, world.runtime.settings, clock=lambda: NOW)
    with caplog.at_level(logging.INFO, logger="shared.services.retention"):
        run = await service.apply()
    activities = world.runtime.stores.activities
    assert await activities.find_activity(old.id) is None and await activities.find_activity(older.id) is None
    assert set(await activities.tracked_regarding([old.id, older.id])) == set()  # the claims went too
    assert await activities.find_activity(recent.id) == recent
    # the make_world activities occurred 2 days ago: untouched as well
    assert all([await activities.find_activity(a.id) for a in world.erased + world.kept])
    [line] = [json.loads(r.getMessage()) for r in caplog.records if "retention.applied" in r.getMessage()]
    assert line["deleted"] == 2 == run.deleted and line["retentionDays"] == 30


async def test_without_the_setting_nothing_is_deleted():
    world, acts = await _world_with_ages(4000)
    run = await RetentionService(world.runtime.stores.activities, world.runtime.settings).apply()
    assert run.deleted == 0 and run.cutoff is None
    assert await world.runtime.stores.activities.find_activity(acts[0].id) == acts[0]


async def test_a_run_deletes_at_most_its_cap_oldest_first_and_the_next_run_continues():
    world, acts = await _world_with_ages(100, 300, 200)
    await _set_retention(world, 30)
    activities = world.runtime.stores.activities
    first = await RetentionService(activities, world.runtime.settings, max_per_run=2).apply()
    assert (first.deleted, first.more) == (2, True)
    assert await activities.find_activity(acts[0].id) == acts[0]  # 100 days: the newest of the old
    second = await RetentionService(activities, world.runtime.settings, max_per_run=2).apply()
    assert (second.deleted, second.more) == (1, False)


@pytest.mark.parametrize("days", [0, -1, 3651, True, "30", 1.5])
async def test_retention_days_outside_1_to_3650_days_or_not_an_integer_are_refused(days):
    from pydantic import ValidationError

    from shared.api.schemas import OrgSettingsUpdate

    with pytest.raises(ValidationError):
        OrgSettingsUpdate.model_validate({"retentionDays": days})


async def test_retention_days_null_means_forever_and_is_kept_apart_from_the_other_fields():
    import pydantic

    from shared.api.schemas import OrgSettingsUpdate

    forever = OrgSettingsUpdate.model_validate({"retentionDays": None})
    assert forever.model_dump(include=forever.model_fields_set) == {"retentionDays": None}
    with pytest.raises(pydantic.ValidationError):  # null is a value only for retentionDays
        OrgSettingsUpdate.model_validate({"hideInternalOnly": None, "retentionDays": 90})
    world = await make_world()
    from tests.functional.governance_support import ADMIN

    view = await world.runtime.settings.update_org(ADMIN, {"retentionDays": 90})
    assert view["org"]["retentionDays"] == 90
    view = await world.runtime.settings.update_org(ADMIN, {"retentionDays": None})
    assert view["org"]["retentionDays"] is None
