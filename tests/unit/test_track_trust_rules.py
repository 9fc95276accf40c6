"""Track you can trust, the pure parts: item identity, disclosure, retries, the sweeper."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from shared.exceptions import MailboxThrottledError, MailboxUnavailableError
from shared.model import Activity, Participant, RecordRef
from shared.rules.identity import claim_key, suggestion_status, visible_activity
from shared.rules.sweep import MAX_REQUEUES, STALE_AFTER, STUCK, GiveUp, Requeue, decide_sweep
from shared.rules.track import (
    MAX_ATTEMPTS,
    MAX_RETRY_DELAY,
    MarkFailed,
    RetryLater,
    decide_mailbox_error,
    new_request,
    retry_delay,
)
from tests.builders import ACCOUNT, NOW, mail_item, tracked_copy

SENT = NOW - timedelta(hours=2)
CASE = mail_item(
    "AAMk-carol-1",
    NOW - timedelta(hours=1),
    key="<case.1234@customer.example>",
    subject="Case 1234",
    preview="The printer is on fire",
    sender="pat@customer.example",
    to=("carol@org.example",),
    sent_at=SENT,
)


# --- identity ------------------------------------------------------------------------------


def test_every_copy_of_one_mail_has_one_identity_whatever_the_mailbox():
    alices_copy = replace(CASE, id="AAMk-alice-9", occurred_at=NOW - timedelta(minutes=5))
    assert claim_key(alices_copy) == claim_key(CASE)
    assert len(claim_key(CASE)) == 40


@pytest.mark.parametrize(
    "planted",
    [
        replace(CASE, sender=Participant("alice@org.example")),
        replace(CASE, subject="Case 1234 - planted"),
        replace(CASE, sent_at=SENT + timedelta(seconds=1)),
        replace(CASE, key="<other@customer.example>"),
    ],
)
def test_a_mail_carrying_another_mails_message_id_is_another_item(planted):
    assert claim_key(planted) != claim_key(CASE)


def test_address_case_and_padding_of_the_sender_do_not_change_the_identity():
    assert claim_key(replace(CASE, sender=Participant(" PAT@Customer.example "))) == claim_key(CASE)


def test_a_meeting_is_identified_by_its_uid_organizer_start_and_subject():
    meeting = replace(CASE, kind="meeting", key="040000008200E00074C5B7101A82E008", sent_at=None)
    assert claim_key(replace(meeting, id="other-attendee-copy")) == claim_key(meeting)
    assert claim_key(replace(meeting, occurred_at=meeting.occurred_at + timedelta(days=7))) != claim_key(
        meeting
    )


def test_tracking_ids_differ_for_two_mails_sharing_a_message_id():
    planted = replace(CASE, id="AAMk-carol-2", sender=Participant("alice@org.example"))
    assert (
        new_request("carol", planted, "email", ACCOUNT, NOW).id
        != new_request("carol", CASE, "email", ACCOUNT, NOW).id
    )


# --- disclosure and dedupe -----------------------------------------------------------------


def _activity() -> Activity:
    return tracked_copy(CASE, RecordRef("account", "west"), "carol", NOW)


def test_an_activity_is_shown_only_to_a_caller_who_may_read_its_record():
    assert visible_activity(_activity(), may_read_record=True) == _activity()
    assert visible_activity(_activity(), may_read_record=False) is None


def test_a_suggestion_is_tracked_here_elsewhere_or_not_by_identity_only():
    identity = claim_key(CASE)
    assert suggestion_status(identity, {identity}, {identity}) == "tracked_here"
    assert suggestion_status(identity, set(), {identity}) == "tracked_elsewhere"
    assert suggestion_status(identity, set(), {claim_key(replace(CASE, subject="x"))}) == "untracked"


# --- retries that respect Graph ------------------------------------------------------------


def test_a_throttled_attempt_waits_what_graph_asks_and_counts_the_attempt():
    request = new_request("carol", CASE, "email", ACCOUNT, NOW)
    decision = decide_mailbox_error(request, MailboxThrottledError("429", retry_after=30), 1, NOW)
    assert decision == RetryLater("THROTTLED", 30, 2)


def test_without_retry_after_the_wait_doubles_and_never_exceeds_the_cap():
    assert [retry_delay(None, a) for a in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(None, 30) == MAX_RETRY_DELAY
    assert retry_delay(3600, 1) == MAX_RETRY_DELAY
    assert STALE_AFTER.total_seconds() > MAX_RETRY_DELAY, "a waiting job never looks lost"


def test_the_last_attempt_fails_the_request_with_try_again():
    request = new_request("carol", CASE, "email", ACCOUNT, NOW)
    decision = decide_mailbox_error(
        request, MailboxUnavailableError("503", retry_after=120), MAX_ATTEMPTS, NOW
    )
    assert isinstance(decision, MarkFailed)
    assert decision.request.state == "failed"
    assert decision.reason.startswith("TEMPORARY") and "try again" in decision.reason


# --- the sweeper ---------------------------------------------------------------------------


def _pending(age: timedelta, requeues: int = 0):
    return replace(new_request("carol", CASE, "email", ACCOUNT, NOW - age), requeues=requeues)


def test_a_fresh_or_settled_request_is_left_alone():
    assert decide_sweep(_pending(STALE_AFTER - timedelta(seconds=1)), NOW) is None
    assert decide_sweep(replace(_pending(timedelta(days=1)), state="tracked"), NOW) is None


def test_a_stale_request_is_queued_again_stamped_now():
    decision = decide_sweep(_pending(STALE_AFTER + timedelta(seconds=1)), NOW)
    assert isinstance(decision, Requeue)
    assert (decision.request.updated_at, decision.request.requeues, decision.request.state) == (
        NOW,
        1,
        "pending",
    )


def test_after_the_last_requeue_the_request_fails_with_a_reason():
    decision = decide_sweep(_pending(timedelta(hours=1), requeues=MAX_REQUEUES), NOW)
    assert isinstance(decision, GiveUp)
    assert (decision.request.state, decision.request.error) == ("failed", STUCK)
