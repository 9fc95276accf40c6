"""Track's decisions (shared.rules.track): what a click answers and writes, what one
delivery of a job writes, and what poison does, for every situation the HTTP side and
the worker meet."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.exceptions import (
    MailboxError,
    MailboxInteractionRequiredError,
    MailboxItemNotFoundError,
    MailboxPermissionDeniedError,
    MailboxThrottledError,
    MailboxUnavailableError,
)
from shared.model import (
    Activity,
    Attachment,
    MailItemDetail,
    Participant,
    RecordRef,
    TrackingRequest,
    TrackingState,
)
from shared.rules.identity import claim_key
from shared.rules.track import (
    GAVE_UP,
    QUEUE_FAILED,
    STALE_PENDING,
    AnswerPending,
    AnswerTracked,
    Copy,
    Drop,
    Duplicate,
    JoinExisting,
    LeaveAsIs,
    MarkFailed,
    QueueJob,
    RetryLater,
    WriteActivity,
    activity_to_check,
    answer_tracked,
    decide_click,
    decide_copy,
    decide_delivery,
    decide_mailbox_error,
    decide_poison,
    direction_of,
    held_by_another,
    new_request,
    queue_failed,
    tracking_id_for,
)
from tests.builders import ACCOUNT, NOW, mail_item, tracked_copy

OPPORTUNITY = RecordRef("opportunity", "o1")
AID = "f" * 40
ITEM = mail_item(
    "AAMk001",
    NOW - timedelta(hours=3),
    key="<quote.1@customer.example>",
    subject="Quote",
    preview="Here is the quote",
    sender=Participant("buyer@customer.example", "Buyer"),
    to=("Me@Org.example",),
)
DETAIL = MailItemDetail(ITEM, "<p>body</p>", "html", (Attachment("q.pdf", 10, "application/pdf"),))


@dataclass(frozen=True)
class FakeClaim:
    activity_id: str
    regarding: RecordRef
    tracking_id: str


def click(user: str = "u1", ref: RecordRef = ACCOUNT, at: datetime = NOW) -> TrackingRequest:
    return new_request(user, ITEM, "email", ref, at)


def activity(regarding: RecordRef = ACCOUNT, tracked_by: str = "u1") -> Activity:
    return tracked_copy(ITEM, regarding, tracked_by, NOW - timedelta(days=1), id=AID)


def stored(state: TrackingState, *, age: timedelta = timedelta(0), **changes: object) -> TrackingRequest:
    """A request the user clicked ``age`` ago (created an hour before that), now ``state``."""
    base = click(at=NOW - age)
    return replace(base, created_at=base.created_at - timedelta(hours=1), state=state, **changes)


# --- the click: ids and the new request ----------------------------------------------------


def test_repeat_clicks_on_the_same_item_and_record_get_the_same_tracking_id():
    assert click().id == click(at=NOW + timedelta(hours=5)).id
    assert click().id.startswith("trk-") and len(click().id) == 36


def test_another_user_or_another_record_gets_another_tracking_id():
    assert len({click().id, click(user="u2").id, click(ref=OPPORTUNITY).id}) == 3
    assert tracking_id_for("u1", "meeting", ITEM.key, ACCOUNT) != click().id


def test_a_click_writes_a_pending_request_carrying_the_item_summary():
    request = click()
    assert (request.state, request.user_id, request.item_id) == ("pending", "u1", ITEM.id)
    assert request.key == claim_key(ITEM), "the request is keyed by the item's identity"
    assert request.summary == ITEM
    assert request.created_at == request.updated_at == NOW
    assert (request.activity_id, request.error, request.attempts) == (None, None, 0)


# --- the click: an item already tracked ----------------------------------------------------


def test_an_item_already_tracked_answers_its_activity_with_the_callers_own_request():
    own = stored("tracked", activity_id=AID)
    assert answer_tracked(activity(), own) == AnswerTracked(own, activity())


def test_an_item_tracked_on_another_record_by_someone_else_answers_it_without_a_tracking_id():
    theirs = activity(regarding=OPPORTUNITY, tracked_by="u2")
    assert answer_tracked(theirs, None) == AnswerTracked(None, theirs)


def test_an_item_tracked_by_someone_else_after_the_callers_failed_click_answers_no_tracking_id():
    failed = stored("failed", error="NOT_FOUND: Item not found")
    assert answer_tracked(activity(tracked_by="u2"), failed).request is None


def test_a_pending_own_request_for_an_item_someone_else_tracked_is_answered():
    own = stored("pending")
    assert answer_tracked(activity(tracked_by="u2"), own).request == own


# --- the click: after create-if-absent -----------------------------------------------------


def test_a_first_click_queues_the_job_of_the_request_it_created_without_writing_again():
    fresh = click()
    assert decide_click(fresh, fresh, True, None, NOW) == QueueJob(fresh, save=False)


def test_a_repeat_click_while_the_job_was_queued_lately_writes_and_queues_nothing():
    earlier = stored("pending", age=STALE_PENDING - timedelta(seconds=1))
    assert decide_click(click(), earlier, False, None, NOW) == AnswerPending(earlier)


@pytest.mark.parametrize("age", [STALE_PENDING, STALE_PENDING + timedelta(hours=1)])
def test_a_repeat_click_on_a_long_pending_request_queues_its_job_again_with_a_new_stamp(age):
    earlier = stored("pending", age=age, attempts=2)

    decision = decide_click(click(), earlier, False, None, NOW)

    assert decision == QueueJob(replace(earlier, updated_at=NOW), save=True)


def test_a_click_racing_a_finished_job_answers_the_activity_the_request_made():
    done = stored("tracked", activity_id=AID)
    assert activity_to_check(done) == AID
    assert decide_click(click(), done, False, activity(), NOW) == AnswerTracked(done, activity())


def test_a_click_after_the_item_was_untracked_starts_the_same_request_again():
    done = stored("tracked", activity_id=AID, attempts=1)

    decision = decide_click(click(), done, False, None, NOW)

    assert isinstance(decision, QueueJob) and decision.save
    again = decision.request
    assert (again.id, again.state, again.activity_id, again.error) == (done.id, "pending", None, None)
    assert (again.created_at, again.updated_at, again.attempts) == (done.created_at, NOW, 1)


def test_a_click_after_a_failed_attempt_retries_under_the_same_tracking_id_without_the_old_error():
    failed = stored("failed", error="INSUFFICIENT_PERMISSIONS: Mailbox access denied", attempts=1)

    decision = decide_click(click(), failed, False, None, NOW)

    assert isinstance(decision, QueueJob) and decision.save
    again = decision.request
    assert (again.id, again.state, again.error, again.created_at) == (
        failed.id,
        "pending",
        None,
        failed.created_at,
    )


def test_only_a_tracked_request_with_an_activity_id_asks_for_its_activity_to_be_checked():
    assert activity_to_check(stored("pending")) is None
    assert activity_to_check(stored("failed")) is None
    assert activity_to_check(stored("tracked")) is None


def test_a_job_that_cannot_be_queued_leaves_the_request_failed_with_try_again():
    later = NOW + timedelta(seconds=1)
    failed = queue_failed(click(), later)
    assert (failed.state, failed.error, failed.updated_at) == ("failed", QUEUE_FAILED, later)


@given(
    state=st.sampled_from(["pending", "tracked", "failed"]),
    created=st.booleans(),
    has_activity=st.booleans(),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
)
def test_whatever_was_stored_a_click_keeps_its_tracking_id_and_queues_only_pending_requests(
    state, created, has_activity, age
):
    fresh = click()
    earlier = fresh if created else stored(state, age=age, activity_id=AID if state == "tracked" else None)
    found = activity() if has_activity and activity_to_check(earlier) else None

    decision = decide_click(fresh, earlier, created, found, NOW)

    assert decision.request is not None and decision.request.id == fresh.id
    if isinstance(decision, QueueJob):
        assert decision.request.state == "pending"
        assert decision.save is not created
    if isinstance(decision, AnswerTracked):
        assert found is not None


# --- one delivery of a job -----------------------------------------------------------------


def test_a_delivery_for_a_request_that_does_not_exist_is_dropped():
    assert decide_delivery(None) == Drop("no such tracking request")


@pytest.mark.parametrize("state", ["tracked", "failed"])
def test_a_delivery_for_a_settled_request_is_a_duplicate_and_copies_nothing(state):
    assert decide_delivery(stored(state)) == Duplicate(state)


def test_a_delivery_for_a_pending_request_copies_the_item():
    request = stored("pending")
    assert decide_delivery(request) == Copy(request)


@pytest.mark.parametrize("error", [MailboxThrottledError("429"), MailboxUnavailableError("503")])
def test_a_transient_mailbox_error_ends_the_attempt_and_asks_for_the_next_one_later(error):
    assert decide_mailbox_error(stored("pending"), error, 3, NOW) == RetryLater(error.code, 20, 4)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (MailboxItemNotFoundError("gone"), "NOT_FOUND: Item not found"),
        (MailboxPermissionDeniedError("403"), "INSUFFICIENT_PERMISSIONS: Mailbox access denied"),
        (MailboxInteractionRequiredError("ca"), "CONDITIONAL_ACCESS: Mailbox access denied"),
        (MailboxError("odd"), "MAILBOX_ERROR: Mailbox error"),
    ],
)
def test_a_permanent_mailbox_error_fails_the_request_at_once_with_its_reason(error, reason):
    decision = decide_mailbox_error(stored("pending"), error, 2, NOW)

    assert isinstance(decision, MarkFailed)
    assert decision.reason == reason
    failed = decision.request
    assert (failed.state, failed.error, failed.attempts, failed.updated_at) == ("failed", reason, 2, NOW)


def test_the_copy_is_outgoing_when_the_mailbox_owner_sent_it_whatever_the_case_of_the_address():
    sent = MailItemDetail(replace(ITEM, sender=Participant(" ME@org.EXAMPLE ")), "", "text")
    assert direction_of(sent, ("me@org.example",)) == "outgoing"
    assert direction_of(DETAIL, ("me@org.example",)) == "incoming"
    no_sender = MailItemDetail(replace(ITEM, sender=None), "", "text")
    assert direction_of(no_sender, ("me@org.example",)) == "incoming"


def test_a_first_copy_writes_the_activity_on_the_claimed_record_and_marks_the_request_tracked():
    request = stored("pending")
    ours = FakeClaim(AID, ACCOUNT, request.id)

    decision = decide_copy(request, DETAIL, ("me@org.example",), ours, None, 1, NOW)

    assert isinstance(decision, WriteActivity)
    copy = decision.activity
    assert (copy.id, copy.regarding, copy.tracked_by) == (AID, ACCOUNT, "u1")
    assert copy.tracked_at == request.created_at
    assert (copy.subject, copy.body, copy.direction) == ("Quote", "<p>body</p>", "incoming")
    assert copy.attachments == DETAIL.attachments
    tracked = decision.tracked
    assert (tracked.state, tracked.activity_id, tracked.error, tracked.attempts) == ("tracked", AID, None, 1)
    assert tracked.updated_at == NOW


def test_a_redelivery_after_a_crash_rewrites_the_activity_under_the_same_id():
    request = stored("pending")
    ours = FakeClaim(AID, ACCOUNT, request.id)

    decision = decide_copy(request, DETAIL, (), ours, activity(), 2, NOW)

    assert isinstance(decision, WriteActivity)
    assert decision.activity.id == AID and decision.tracked.attempts == 2


def test_an_item_already_tracked_by_another_request_joins_that_activity_without_writing_one():
    request = stored("pending")
    theirs = FakeClaim(AID, OPPORTUNITY, "trk-someone-else")

    decision = decide_copy(request, DETAIL, (), theirs, activity(OPPORTUNITY, "u2"), 1, NOW)

    tracked = replace(request, state="tracked", activity_id=AID, updated_at=NOW, attempts=1)
    assert decision == JoinExisting(tracked)


def test_a_claim_another_request_made_before_crashing_gets_its_activity_written_on_the_claimed_record():
    request = stored("pending")
    theirs = FakeClaim(AID, OPPORTUNITY, "trk-someone-else")

    decision = decide_copy(request, DETAIL, (), theirs, None, 1, NOW)

    assert isinstance(decision, WriteActivity)
    assert decision.activity.regarding == OPPORTUNITY, "the activity sits on the record that claimed it"
    assert decision.tracked.activity_id == AID


def test_the_callers_own_older_click_on_another_record_counts_as_another_request():
    on_opportunity = click(ref=OPPORTUNITY)
    assert held_by_another(FakeClaim(AID, OPPORTUNITY, on_opportunity.id), click())
    assert not held_by_another(FakeClaim(AID, ACCOUNT, click().id), click())


# --- poison --------------------------------------------------------------------------------


def test_a_poisoned_job_of_a_pending_request_fails_it_with_try_again():
    request = stored("pending", age=timedelta(minutes=10))

    decision = decide_poison(request, request.updated_at, NOW)

    assert decision == MarkFailed(replace(request, state="failed", error=GAVE_UP, updated_at=NOW))
    assert decision.reason.startswith("TEMPORARY")


def test_a_poisoned_job_without_a_stamp_fails_its_pending_request():
    assert isinstance(decide_poison(stored("pending"), None, NOW), MarkFailed)


def test_a_superseded_poisoned_message_does_not_fail_the_newer_attempt():
    request = stored("pending")
    older_stamp = request.updated_at - timedelta(minutes=5)
    assert decide_poison(request, older_stamp, NOW) == LeaveAsIs("pending", superseded=True)


@pytest.mark.parametrize("state", ["tracked", "failed"])
def test_a_poisoned_job_of_a_settled_request_leaves_it_as_it_is(state):
    request = stored(state)
    assert decide_poison(request, request.updated_at, NOW) == LeaveAsIs(state, superseded=False)
