"""Access rules: who may read a record, change org settings, see a tracking request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.auth import (
    ADMIN,
    MANAGER,
    SALES_PERSON,
    Principal,
    can_read_record,
    can_untrack,
    require_admin,
    require_owner,
    require_record_access,
    require_sales_role,
    require_tracking_owner,
)
from shared.auth.access import is_user
from shared.exceptions import ForbiddenError, NotFoundError
from shared.model import Activity, CrmRecord, RecordRef, TrackingRequest
from tests.builders import mail_item, tracked_copy

ALICE_OID = "7D6B1C4E-0B5F-4C39-9A43-5F0B7A1E2C11"
BOB_OID = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


def person(
    oid: str = ALICE_OID, upn: str = "alice@contoso.com", roles=(SALES_PERSON,), groups=()
) -> Principal:
    return Principal(oid, upn, upn, "tid", frozenset(roles), frozenset(groups), token="secret.jwt.token")


def record(owner: str | None = None, teams: tuple[str, ...] = ()) -> CrmRecord:
    return CrmRecord("account", "a1", "Contoso", owner_id=owner, team_ids=teams)


def activity(tracked_by: str) -> Activity:
    item = mail_item("item-1", NOW, key="<m@x>", subject="Hi", sender=None, to=())
    return tracked_copy(item, RecordRef("account", "a1"), tracked_by, NOW, id="act-1")


def request(user_id: str) -> TrackingRequest:
    return TrackingRequest(
        "tr-1", user_id, "item-1", "email", RecordRef("account", "a1"), "pending", NOW, NOW
    )


@pytest.mark.parametrize("owner", [ALICE_OID, ALICE_OID.lower(), f" {ALICE_OID.upper()} "])
def test_the_owner_by_object_id_reads_the_record(owner: str) -> None:
    assert can_read_record(person(), record(owner=owner))


@pytest.mark.parametrize("owner", ["alice", "alice@contoso.com", "bob@contoso.com", BOB_OID, "", "  ", None])
def test_anyone_else_named_as_owner_and_any_upn_does_not_read_it(owner: str | None) -> None:
    assert not can_read_record(person(), record(owner=owner))


def test_a_token_whose_preferred_username_names_another_user_grants_nothing_of_theirs() -> None:
    carol_oid = "c0c0c0c0-0000-4000-8000-000000000003"
    mixed = person(oid=ALICE_OID, upn="carol@contoso.com")  # alice's oid, carol's UPN
    assert not can_read_record(mixed, record(owner="carol@contoso.com"))
    assert not can_read_record(mixed, record(owner=carol_oid))
    assert not can_untrack(mixed, activity("carol@contoso.com"))
    assert can_read_record(mixed, record(owner=ALICE_OID))


def test_an_empty_oid_never_matches_an_empty_owner() -> None:
    assert not is_user(person(oid="", upn=""), "")
    assert not can_read_record(person(oid=" ", upn=""), record(owner=" "))


def test_member_of_one_of_the_record_teams_reads_it() -> None:
    assert can_read_record(person(groups={"T-East", "g2"}), record(owner="bob", teams=("t-west", "t-east")))
    assert not can_read_record(person(groups={"t-north"}), record(owner="bob", teams=("t-west", "t-east")))
    assert not can_read_record(person(groups=set()), record(owner="bob", teams=()))


def test_sales_manager_reads_every_record() -> None:
    assert can_read_record(person(roles={MANAGER}), record(owner=BOB_OID))


def test_admin_role_alone_grants_no_record_access() -> None:
    assert not can_read_record(person(roles={ADMIN}), record(owner=BOB_OID))


def test_record_without_access_answers_404_like_a_missing_one() -> None:
    with pytest.raises(NotFoundError) as hidden:
        require_record_access(person(), record(owner=BOB_OID))
    with pytest.raises(NotFoundError) as missing:
        require_record_access(person(), None)
    assert hidden.value.status == missing.value.status == 404
    assert hidden.value.detail == missing.value.detail


def test_record_access_returns_the_record() -> None:
    mine = record(owner=ALICE_OID)
    assert require_record_access(person(), mine) is mine


def test_only_admin_may_change_org_settings() -> None:
    require_admin(person(roles={ADMIN}))
    for roles in ({MANAGER}, {SALES_PERSON}, set()):
        with pytest.raises(ForbiddenError) as caught:
            require_admin(person(roles=roles))
        assert caught.value.status == 403


def test_track_needs_a_sales_role() -> None:
    require_sales_role(person(roles={SALES_PERSON}))
    require_sales_role(person(roles={MANAGER}))
    with pytest.raises(ForbiddenError):
        require_sales_role(person(roles={ADMIN}))
    assert not person(roles=()).has_sales_role


def test_untrack_is_for_the_tracker_an_admin_or_a_manager() -> None:
    assert can_untrack(person(), activity(ALICE_OID))
    assert can_untrack(person(roles={ADMIN}), activity(BOB_OID))
    assert can_untrack(person(roles={MANAGER}), activity(BOB_OID))
    assert not can_untrack(person(), activity(BOB_OID))


def test_one_user_can_never_read_another_users_tracking_request() -> None:
    bob_request = request(BOB_OID)
    for alice in (person(), person(roles={ADMIN, MANAGER}), person(upn=BOB_OID)):
        with pytest.raises(NotFoundError):
            require_tracking_owner(alice, bob_request)
        with pytest.raises(NotFoundError):
            require_owner(alice, BOB_OID)
    assert require_tracking_owner(person(oid=BOB_OID, upn="bob@contoso.com"), bob_request) is bob_request


def test_someone_elses_tracking_id_looks_exactly_like_a_missing_one() -> None:
    with pytest.raises(NotFoundError) as foreign:
        require_tracking_owner(person(), request(BOB_OID))
    with pytest.raises(NotFoundError) as missing:
        require_tracking_owner(person(), None)
    assert foreign.value.detail == missing.value.detail


def test_tracking_owner_is_matched_by_oid_not_by_upn() -> None:
    require_owner(person(), ALICE_OID.lower())
    with pytest.raises(NotFoundError):
        require_owner(person(), "alice@contoso.com")
    with pytest.raises(NotFoundError):
        require_owner(person(), "")


def test_principal_repr_never_shows_the_token() -> None:
    assert "secret.jwt.token" not in repr(person())
