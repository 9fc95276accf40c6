"""Track's decisions, pure: given what was read, what to write.

Each function takes plain data (the request, the item's claim, its activity, the item)
and returns *what to do* as a small frozen dataclass; the services do the reads, call
one of these, and perform the writes it names. No I/O, no SDK imports.

The Track click (HTTP side), in order:

- ``answer_tracked``: the item already has an activity (tracked by anyone, on any
  record): answer 200 with it, and with the caller's own request unless that failed;
- ``decide_click``: after the pending request was created if absent, answer the
  request still pending, the activity it made, or (re)write it and queue its job.

One delivery of a job (queue side), in order:

- ``decide_delivery``: an unknown request is dropped, a settled one is a duplicate;
- ``decide_mailbox_error``: a transient mailbox error (throttled, unavailable) ends the
  attempt and asks for the job again after Graph's ``Retry-After`` (or a back-off), up
  to ``MAX_ATTEMPTS`` attempts carried in the job; a permanent one fails the request
  with its reason;
- ``decide_copy``: given the claim that holds (ours or an earlier one), write the
  activity under it and mark the request tracked, or join the activity that stands;
- ``decide_poison``: after the last delivery failed, fail the request unless a later
  click superseded the message or the request is settled.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from shared.exceptions import MailboxError
from shared.model import (
    Activity,
    Direction,
    ItemKind,
    MailItem,
    MailItemDetail,
    RecordRef,
    TrackingRequest,
    TrackingState,
    envelope,
    normalize_address,
)
from shared.rules.identity import claim_key

#: A repeat click on a request pending longer than this queues its job again.
STALE_PENDING = timedelta(minutes=2)
QUEUE_FAILED = "could not queue the job; try again"
GAVE_UP = "TEMPORARY: gave up after repeated failures; try again"
#: Attempts of one job (counted in the job message) before a transient error fails it.
MAX_ATTEMPTS = 5
#: The longest a job waits before its next attempt (below the sweeper's stale age).
MAX_RETRY_DELAY = 300
#: The wait before attempt 2 when Graph names none (doubled for each later attempt).
FIRST_RETRY_DELAY = 5


def tracking_id_for(user_id: str, kind: ItemKind, key: str, regarding: RecordRef) -> str:
    """Stable per (user, item identity, record): a repeated click finds the same request."""
    digest = hashlib.sha256(f"{user_id}\n{kind}\n{key}\n{regarding.key}".encode()).hexdigest()
    return f"trk-{digest[:32]}"


class HeldClaim(Protocol):
    """The claim that holds an item (the store's ``Claim``): which request made it, where."""

    @property
    def activity_id(self) -> str: ...

    @property
    def regarding(self) -> RecordRef: ...

    @property
    def tracking_id(self) -> str: ...


# --- the Track click -----------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerTracked:
    """200: the item is tracked; ``request`` is the caller's own request, if it is live."""

    request: TrackingRequest | None
    activity: Activity


@dataclass(frozen=True)
class AnswerPending:
    """202 and nothing to write: the request is pending and its job was queued lately."""

    request: TrackingRequest


@dataclass(frozen=True)
class QueueJob:
    """202: save ``request`` first when ``save``, then queue its job."""

    request: TrackingRequest
    save: bool


ClickDecision = AnswerTracked | AnswerPending | QueueJob


def new_request(
    user_id: str, item: MailItem, kind: ItemKind, regarding: RecordRef, now: datetime
) -> TrackingRequest:
    """The pending request a click writes (create-if-absent) for ``item`` of the caller;
    its ``key`` is the item's identity (``claim_key``), never the bare Message-ID."""
    identity = claim_key(item)
    return TrackingRequest(
        id=tracking_id_for(user_id, kind, identity, regarding),
        user_id=user_id,
        item_id=item.id,
        kind=kind,
        regarding=regarding,
        state="pending",
        created_at=now,
        updated_at=now,
        key=identity,
        summary=item,
    )


def answer_tracked(activity: Activity, own_request: TrackingRequest | None) -> AnswerTracked:
    """An already tracked item: its activity, with the caller's own request unless that
    failed (so a repeat click answers the same trackingId, and nobody a made-up one)."""
    live = own_request if own_request is not None and own_request.state != "failed" else None
    return AnswerTracked(live, activity)


def activity_to_check(stored: TrackingRequest) -> str | None:
    """The activity a stored request says it made, to check it still stands (None if none)."""
    return stored.activity_id if stored.state == "tracked" and stored.activity_id else None


def decide_click(
    fresh: TrackingRequest,
    stored: TrackingRequest,
    created: bool,
    stored_activity: Activity | None,
    now: datetime,
) -> ClickDecision:
    """After ``create_request(fresh)`` answered ``(stored, created)``.

    ``stored_activity`` is the activity of ``activity_to_check(stored)``, None when there
    is none or it was untracked since.
    """
    if created:
        return QueueJob(stored, save=False)
    if stored.state == "tracked" and stored_activity is not None:
        return AnswerTracked(stored, stored_activity)
    if stored.state == "pending":
        if now - stored.updated_at < STALE_PENDING:
            return AnswerPending(stored)
        # Pending for long: its job may never have been queued (a crash between the
        # request write and the send). Queue it again; a duplicate job is harmless.
        return QueueJob(replace(stored, updated_at=now), save=True)
    # Failed before, or tracked but untracked since: start again, same trackingId.
    return QueueJob(replace(fresh, created_at=stored.created_at, attempts=stored.attempts), save=True)


def failed(
    request: TrackingRequest, reason: str, now: datetime, attempts: int | None = None
) -> TrackingRequest:
    """``request`` marked failed now with ``reason`` (and ``attempts``, when given)."""
    marked = replace(request, state="failed", error=reason, updated_at=now)
    return marked if attempts is None else replace(marked, attempts=attempts)


def queue_failed(request: TrackingRequest, now: datetime) -> TrackingRequest:
    """The request to save when its job could not be queued: failed, try again."""
    return failed(request, QUEUE_FAILED, now)


# --- one delivery of a job -----------------------------------------------------------------


@dataclass(frozen=True)
class Drop:
    """Consume the message and write nothing: no such request (expired, or not ours)."""

    reason: str = "no such tracking request"


@dataclass(frozen=True)
class Duplicate:
    """Consume the message and write nothing: the request is already ``state``."""

    state: TrackingState


@dataclass(frozen=True)
class Copy:
    """Read the item from the mailbox and copy it."""

    request: TrackingRequest


DeliveryDecision = Drop | Duplicate | Copy


def decide_delivery(request: TrackingRequest | None) -> DeliveryDecision:
    """What a delivery does with the request it names (None: not found)."""
    if request is None:
        return Drop()
    if request.state != "pending":
        return Duplicate(request.state)
    return Copy(request)


@dataclass(frozen=True)
class RetryLater:
    """End this attempt: queue the job again, visible after ``delay`` seconds, as attempt
    ``attempt`` (the handler returns; no sleeping in it)."""

    reason: str
    delay: int
    attempt: int


@dataclass(frozen=True)
class MarkFailed:
    """Save ``request`` (now ``failed``, with its reason) and consume the message."""

    request: TrackingRequest

    @property
    def reason(self) -> str:
        return self.request.error or ""


def retry_delay(retry_after: int | None, attempt: int) -> int:
    """Seconds before the attempt after ``attempt``: Graph's ``Retry-After`` when it named
    one, else a doubling back-off; at most ``MAX_RETRY_DELAY``."""
    if retry_after is not None and retry_after > 0:
        return min(math.ceil(retry_after), MAX_RETRY_DELAY)
    return min(FIRST_RETRY_DELAY << max(attempt - 1, 0), MAX_RETRY_DELAY)


def decide_mailbox_error(
    request: TrackingRequest, error: MailboxError, attempt: int, now: datetime
) -> RetryLater | MarkFailed:
    """Transient (throttled, unavailable): try again later, ``MAX_ATTEMPTS`` in all, then
    fail with try-again. Permanent (deleted, no access): fail at once with its reason."""
    if error.transient and attempt < MAX_ATTEMPTS:
        delay = retry_delay(getattr(error, "retry_after", None), attempt)
        return RetryLater(error.code, delay, attempt + 1)
    if error.transient:
        reason = f"{error.code}: gave up after {attempt} attempts; try again"
    else:
        reason = f"{error.code}: {error.title}"
    return MarkFailed(failed(request, reason, now, attempts=attempt))


def waiting(request: TrackingRequest, now: datetime) -> TrackingRequest:
    """The request to save while its job waits for the next attempt: still ``pending``,
    stamped now, so the sweeper does not take it for lost."""
    return replace(request, updated_at=now)


def direction_of(detail: MailItemDetail, owner_addresses: Sequence[str]) -> Direction:
    """Outgoing when the mailbox owner sent it (or organised the meeting), else incoming."""
    sender = detail.item.sender
    own = {normalize_address(a) for a in owner_addresses}
    return "outgoing" if sender is not None and normalize_address(sender.address) in own else "incoming"


def held_by_another(claim: HeldClaim, request: TrackingRequest) -> bool:
    """The claim was made by another request (another user, record, or an older click)."""
    return claim.tracking_id != request.id


@dataclass(frozen=True)
class WriteActivity:
    """Upsert ``activity`` under the claim's id (a retry overwrites), then save ``tracked``."""

    activity: Activity
    tracked: TrackingRequest


@dataclass(frozen=True)
class JoinExisting:
    """Another request's activity stands for this item: only save ``tracked``, pointing at it."""

    tracked: TrackingRequest


CopyDecision = WriteActivity | JoinExisting


def decide_copy(
    request: TrackingRequest,
    detail: MailItemDetail,
    owner_addresses: Sequence[str],
    claim: HeldClaim,
    existing: Activity | None,
    attempt: int,
    now: datetime,
) -> CopyDecision:
    """Given the claim that holds the item and, when another request holds it, the
    activity that stands (None if that one crashed before writing it)."""
    tracked = replace(
        request,
        state="tracked",
        activity_id=claim.activity_id,
        error=None,
        updated_at=now,
        attempts=attempt,
    )
    if held_by_another(claim, request) and existing is not None:
        return JoinExisting(tracked)
    activity = activity_of(
        detail,
        activity_id=claim.activity_id,
        direction=direction_of(detail, owner_addresses),
        regarding=claim.regarding,
        tracked_by=request.user_id,
        tracked_at=request.created_at,
    )
    return WriteActivity(activity, tracked)


def activity_of(
    detail: MailItemDetail,
    *,
    activity_id: str,
    direction: Direction,
    regarding: RecordRef,
    tracked_by: str,
    tracked_at: datetime,
) -> Activity:
    """The tracked copy of ``detail``'s item: its header, body, files and meeting details."""
    item = detail.item
    return Activity(
        id=activity_id,
        key=item.key,
        **envelope(item),
        direction=direction,
        attachments=detail.attachments,
        regarding=regarding,
        tracked_by=tracked_by,
        tracked_at=tracked_at,
        body=detail.body,
        body_content_type=detail.body_content_type,
        end_at=detail.end_at,
        location=detail.location,
    )


# --- poison --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveAsIs:
    """Write nothing: the request is settled, or a later click superseded this message."""

    state: TrackingState
    superseded: bool


def decide_poison(
    request: TrackingRequest, queued_at: datetime | None, now: datetime
) -> MarkFailed | LeaveAsIs:
    """A message that failed every delivery. ``queued_at`` is the request's ``updated_at``
    when the message was queued: an older stamp means a later click queued a newer job."""
    superseded = queued_at is not None and queued_at != request.updated_at
    if request.state == "pending" and not superseded:
        return MarkFailed(failed(request, GAVE_UP, now))
    return LeaveAsIs(request.state, superseded)
