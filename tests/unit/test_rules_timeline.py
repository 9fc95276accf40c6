"""Windows, dedupe, pending requests, the cap and ordering of the merged timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.model import (
    Activity,
    Attachment,
    ItemKind,
    MailItem,
    MatchReason,
    OrgSettings,
    RecordRef,
    TimelineItem,
    TrackingRequest,
)
from shared.rules import (
    EMAIL_CLOCK_SKEW,
    EMAIL_WINDOW,
    MEETING_WINDOW,
    SUGGESTION_CAP,
    AddressSetBuilder,
    ExclusionPolicy,
    Suggestion,
    build_timeline,
    claim_key,
    match_items,
    names,
    window_bounds,
)
from tests.builders import ACCOUNT, NOW, mail_item, tracked_copy

OTHER = RecordRef("account", "a2")
REASON = (MatchReason("info@contoso.com", names.RECORD_EMAIL),)


def mail(
    item_id: str,
    at: datetime = NOW,
    kind: ItemKind = "email",
    key: str | None = None,
    sender: str = "info@contoso.com",
    to: tuple[str, ...] = ("me@mycorp.example",),
    subject: str | None = None,
) -> MailItem:
    return mail_item(item_id, at, kind=kind, key=key, subject=subject, sender=sender, to=to)


def suggest(*items: MailItem) -> list[Suggestion]:
    return [Suggestion(item, REASON) for item in items]


def activity(activity_id: str, key: str, at: datetime = NOW) -> Activity:
    tracked = mail_item("tracked", at, key=key, subject="tracked")
    files = (Attachment("quote.pdf", 1234, "application/pdf"),)
    return tracked_copy(tracked, ACCOUNT, "alice", NOW, id=activity_id, attachments=files)


def request(
    request_id: str,
    item_id: str,
    key: str | None = None,
    summary: MailItem | None = None,
    regarding: RecordRef = ACCOUNT,
    state: str = "pending",
) -> TrackingRequest:
    return TrackingRequest(
        id=request_id,
        user_id="alice",
        item_id=item_id,
        kind="email",
        regarding=regarding,
        state=state,  # type: ignore[arg-type]
        created_at=NOW,
        updated_at=NOW,
        key=key,
        summary=summary,
    )


def ids(items: list[TimelineItem]) -> list[str]:
    return [i.id for i in items]


def timeline(suggestions: list[Suggestion], **kwargs: object) -> list[TimelineItem]:
    return build_timeline(NOW, suggestions, kwargs.pop("tracked", ()), **kwargs)  # type: ignore[arg-type]


# --- windows ------------------------------------------------------------------------------
def test_email_from_two_days_ago_is_suggested() -> None:
    assert ids(timeline(suggest(mail("m", NOW - timedelta(days=2))))) == ["m"]


def test_email_four_days_old_is_not_suggested() -> None:
    assert timeline(suggest(mail("m", NOW - timedelta(days=4)))) == []


def test_email_exactly_three_days_old_is_still_suggested() -> None:
    assert ids(timeline(suggest(mail("m", NOW - EMAIL_WINDOW)))) == ["m"]


def test_email_a_little_in_the_future_is_tolerated_as_clock_skew() -> None:
    assert ids(timeline(suggest(mail("m", NOW + timedelta(minutes=2))))) == ["m"]


def test_email_beyond_the_clock_skew_in_the_future_is_not_suggested() -> None:
    assert timeline(suggest(mail("m", NOW + EMAIL_CLOCK_SKEW + timedelta(seconds=1)))) == []


@pytest.mark.parametrize("days", [-3, -2, 0, 2, 3])
def test_meeting_starting_within_three_days_either_side_is_suggested(days: int) -> None:
    assert ids(timeline(suggest(mail("e", NOW + timedelta(days=days), kind="meeting")))) == ["e"]


@pytest.mark.parametrize("days", [-4, 4])
def test_meeting_starting_four_days_away_is_not_suggested(days: int) -> None:
    assert timeline(suggest(mail("e", NOW + timedelta(days=days), kind="meeting"))) == []


def test_window_bounds_give_graph_filter_limits() -> None:
    assert window_bounds("email", NOW) == (NOW - EMAIL_WINDOW, NOW + EMAIL_CLOCK_SKEW)
    assert window_bounds("meeting", NOW) == (NOW - MEETING_WINDOW, NOW + MEETING_WINDOW)


# --- tracked ------------------------------------------------------------------------------
def test_tracked_activity_shows_direction_and_attachments_and_no_reasons() -> None:
    [tile] = timeline([], tracked=[activity("act1", "<t@mail>", NOW - timedelta(days=30))])
    assert (tile.id, tile.state, tile.direction) == ("act1", "tracked", "incoming")
    assert tile.attachments == (Attachment("quote.pdf", 1234, "application/pdf"),)
    assert tile.matched_by == ()
    assert tile.tracking_id is None


def test_suggestion_already_tracked_for_this_record_is_replaced_by_the_tracked_tile() -> None:
    tracked = activity(claim_key(mail("m1")), "<m1@mail>")
    items = timeline(suggest(mail("m1")), tracked=[tracked])
    assert [(i.id, i.state) for i in items] == [(tracked.id, "tracked")]


def test_suggestion_tracked_for_another_record_is_dropped() -> None:
    assert timeline(suggest(mail("m1"), mail("m2")), tracked_keys={claim_key(mail("m1"))}) == timeline(
        suggest(mail("m2"))
    )


def test_an_activity_with_the_same_message_id_but_another_sender_or_subject_hides_nothing() -> None:
    planted = activity("planted", "<m1@mail>")  # same Message-ID, another mail
    other_copy = claim_key(mail("x", key="<m1@mail>", subject="Case 1234 (planted)"))
    items = timeline(suggest(mail("m1")), tracked=[planted], tracked_keys={other_copy})
    assert sorted((i.id, i.state) for i in items) == [("m1", "untracked"), ("planted", "tracked")]


def test_tracked_key_comparison_is_exact_because_message_ids_are_case_sensitive() -> None:
    items = timeline(
        suggest(mail("m1", key="<ABC@mail>")), tracked_keys={claim_key(mail("m1", key="<abc@mail>"))}
    )
    assert ids(items) == ["m1"]


def test_tracked_key_comparison_ignores_surrounding_whitespace() -> None:
    tracked = {claim_key(mail("m1", key=" <abc@mail> "))}
    assert timeline(suggest(mail("m1", key="<abc@mail>")), tracked_keys=tracked) == []


def test_duplicate_tracked_activities_for_one_key_show_once() -> None:
    items = timeline([], tracked=[activity("act1", "<k@mail>"), activity("act1", "<k@mail>")])
    assert ids(items) == ["act1"]


# --- untracked ----------------------------------------------------------------------------
def test_untracked_suggestion_carries_its_reasons_and_no_direction_or_attachments() -> None:
    [tile] = timeline(suggest(mail("m1")))
    assert tile.state == "untracked"
    assert tile.matched_by == REASON
    assert tile.direction is None
    assert tile.attachments == ()


def test_same_item_twice_in_the_mailbox_is_suggested_once() -> None:
    copy_a = mail("m1", key="<same@mail>", subject="Quote")
    copy_b = mail("m2", key="<same@mail>", subject="Quote", at=NOW - timedelta(hours=1))
    assert ids(timeline(suggest(copy_b, copy_a))) == ["m1"]


def test_two_different_mails_with_the_same_message_id_are_two_suggestions() -> None:
    genuine = mail("m1", key="<same@mail>", subject="Case 1234")
    planted = mail("m2", key="<same@mail>", subject="Case 1234", sender="attacker@evil.example")
    assert sorted(ids(timeline(suggest(genuine, planted)))) == ["m1", "m2"]


def test_items_without_a_key_dedupe_by_graph_id() -> None:
    assert ids(timeline(suggest(mail("m1", key=""), mail("m2", key=""), mail("m1", key="")))) == ["m1", "m2"]


def test_at_most_fifty_untracked_suggestions_the_newest() -> None:
    items = [mail(f"m{i:03d}", NOW - timedelta(minutes=i)) for i in range(70)]
    tiles = timeline(suggest(*reversed(items)))
    assert len(tiles) == SUGGESTION_CAP == 50
    assert ids(tiles) == [f"m{i:03d}" for i in range(50)]


def test_cap_is_applied_after_windows_and_dedupe() -> None:
    old = [mail(f"old{i}", NOW - timedelta(days=5)) for i in range(10)]
    dup = [mail(f"d{i}", NOW - timedelta(minutes=1), key="<dup@mail>", subject="dup") for i in range(10)]
    fresh = [mail(f"f{i}", NOW - timedelta(hours=i)) for i in range(5)]
    tiles = timeline(suggest(*old, *dup, *fresh), cap=6)
    assert ids(tiles) == ["f0", "d0", "f1", "f2", "f3", "f4"]


def test_cap_below_zero_is_rejected() -> None:
    with pytest.raises(ValueError, match="cap"):
        timeline([], cap=-1)


# --- pending ------------------------------------------------------------------------------
def test_suggestion_with_a_pending_request_by_key_shows_as_pending() -> None:
    [tile] = timeline(suggest(mail("m1")), pending=[request("tr1", "other-id", key=claim_key(mail("m1")))])
    assert (tile.id, tile.state, tile.tracking_id, tile.matched_by) == ("m1", "pending", "tr1", ())


def test_suggestion_with_a_pending_request_by_item_id_shows_as_pending() -> None:
    [tile] = timeline(suggest(mail("m1")), pending=[request("tr1", "m1")])
    assert (tile.state, tile.tracking_id) == ("pending", "tr1")


def test_pending_request_without_a_suggestion_shows_from_its_summary() -> None:
    summary = mail("m9", NOW - timedelta(days=10))
    [tile] = timeline([], pending=[request("tr9", "m9", key="<m9@mail>", summary=summary)], record=ACCOUNT)
    assert (tile.id, tile.state, tile.tracking_id, tile.subject) == ("m9", "pending", "tr9", "subject m9")


def test_pending_request_for_another_record_does_not_show_without_a_suggestion() -> None:
    summary = mail("m9")
    pending = [request("tr9", "m9", summary=summary, regarding=OTHER)]
    assert timeline([], pending=pending, record=ACCOUNT) == []


def test_pending_request_for_another_record_still_marks_the_matching_suggestion_pending() -> None:
    [tile] = timeline(suggest(mail("m1")), pending=[request("tr1", "m1", regarding=OTHER)], record=ACCOUNT)
    assert tile.state == "pending"


def test_pending_request_without_summary_or_suggestion_is_not_shown() -> None:
    assert timeline([], pending=[request("tr1", "m1")]) == []


def test_pending_request_whose_item_got_tracked_shows_only_the_tracked_tile() -> None:
    summary = mail("m1")
    items = timeline(
        suggest(mail("m1")),
        tracked=[activity(claim_key(summary), "<m1@mail>")],
        pending=[request("tr1", "m1", key=claim_key(summary), summary=summary)],
    )
    assert [(i.id, i.state) for i in items] == [(claim_key(summary), "tracked")]


def test_failed_request_leaves_the_suggestion_untracked_so_it_can_be_tracked_again() -> None:
    [tile] = timeline(suggest(mail("m1")), pending=[request("tr1", "m1", state="failed")])
    assert tile.state == "untracked"


def test_two_pending_requests_for_one_item_show_one_tile() -> None:
    summary = mail("m1")
    pending = [request("tr1", "m1", key="<m1@mail>", summary=summary), request("tr2", "m1", key="<m1@mail>")]
    assert [(i.id, i.tracking_id) for i in timeline([], pending=pending)] == [("m1", "tr1")]


def test_pending_tiles_do_not_count_towards_the_cap() -> None:
    items = [mail(f"m{i}", NOW - timedelta(minutes=i)) for i in range(5)]
    tiles = timeline(suggest(*items), pending=[request("tr0", "m0")], cap=2)
    assert [(t.id, t.state) for t in tiles] == [("m0", "pending"), ("m1", "untracked"), ("m2", "untracked")]


# --- ordering -----------------------------------------------------------------------------
def test_timeline_is_newest_first_with_ties_broken_by_id() -> None:
    tiles = timeline(
        suggest(mail("b", NOW - timedelta(hours=1)), mail("c"), mail("a")),
        tracked=[activity("act", "<t@mail>", NOW - timedelta(days=20))],
        pending=[request("tr", "p", summary=mail("p", NOW - timedelta(minutes=30)))],
    )
    assert ids(tiles) == ["a", "c", "p", "b", "act"]


# --- exclusions in the merge --------------------------------------------------------------
def test_excluded_participant_is_never_suggested() -> None:
    policy = ExclusionPolicy.from_settings(OrgSettings(excluded=("@contoso.com",)))
    assert timeline(suggest(mail("m1")), exclusions=policy) == []


def test_internal_only_mail_is_hidden_when_the_org_asks_for_it() -> None:
    internal = mail("m1", sender="a@mycorp.example", to=("b@sales.mycorp.example",))
    external = mail("m2", sender="a@mycorp.example", to=("x@contoso.com",))
    org = OrgSettings(hide_internal_only=True, internal_domains=("mycorp.example",))
    assert ids(timeline(suggest(internal, external), exclusions=ExclusionPolicy.from_settings(org))) == ["m2"]


def test_internal_only_mail_is_kept_when_the_org_does_not_hide_it() -> None:
    internal = mail("m1", sender="a@mycorp.example", to=("b@mycorp.example",))
    org = OrgSettings(hide_internal_only=False, internal_domains=("mycorp.example",))
    assert ids(timeline(suggest(internal), exclusions=ExclusionPolicy.from_settings(org))) == ["m1"]


# --- end to end through the pure core ----------------------------------------------------
def test_match_then_merge_excludes_own_address_and_old_mail() -> None:
    builder = AddressSetBuilder()
    builder.add(names.RECORD_EMAIL, ACCOUNT, ["info@contoso.com", "me@mycorp.example"])
    candidates = [
        mail("fresh"),
        mail("old", NOW - timedelta(days=4)),
        mail("mine", sender="me@mycorp.example", to=("x@else.example",)),
    ]
    suggestions = match_items(candidates, builder.build(), own_addresses=["me@mycorp.example"])
    assert ids(build_timeline(NOW, suggestions, (), (), ())) == ["fresh"]
