"""The pure governance decisions: keyed hashes, erased mail, receipts, retention cutoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.exceptions import ValidationError
from shared.model import Activity, Attachment, ErasureReceipt, RecordRef
from shared.rules.erasure import (
    HASH_LENGTH,
    address_hash,
    finished,
    involves_erased,
    loggable_entry,
    retention_cutoff,
    validate_address,
    with_activities,
    with_erased,
    with_requests,
    without_entry,
)
from tests.builders import mail_item, tracked_copy

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _activity(aid: str, sender: str, *cc: str, attachments: int = 0) -> Activity:
    files = tuple(Attachment("f", 1, "x") for _ in range(attachments))
    item = mail_item(aid, NOW, key=f"<{aid}>", subject="s", preview="p", sender=sender, to=(), cc=cc)
    return tracked_copy(item, RecordRef("account", "a"), "u", NOW, id=aid, attachments=files)


def test_the_hash_is_keyed_stable_case_blind_and_short():
    h = address_hash("k1", " Pat@Fabrikam.com ")
    assert h == address_hash("k1", "pat@fabrikam.com") and len(h) == HASH_LENGTH
    assert h != address_hash("k2", "pat@fabrikam.com")
    assert "pat" not in h
    with pytest.raises(ValueError, match="empty"):
        address_hash("", "pat@fabrikam.com")


def test_audit_lines_show_domains_as_they_are_and_addresses_only_hashed():
    assert loggable_entry("k", "@newsletter.example") == "@newsletter.example"
    assert loggable_entry("k", "pat@fabrikam.com") == f"hash:{address_hash('k', 'pat@fabrikam.com')}"


def test_mail_involves_an_erased_address_through_any_participant():
    erased = {address_hash("k", "pat@fabrikam.com")}
    assert involves_erased(_activity("a", "jo@x.com", "PAT@fabrikam.com"), erased, "k")
    assert not involves_erased(_activity("a", "jo@x.com"), erased, "k")
    assert not involves_erased(_activity("a", "pat@fabrikam.com"), set(), "")  # no list: no key needed


def test_an_erasure_names_one_address_never_a_domain():
    assert validate_address(" Pat@Fabrikam.com") == "pat@fabrikam.com"
    for bad in ("@fabrikam.com", "pat", "pat@", ""):
        with pytest.raises(ValidationError):
            validate_address(bad)


def test_a_receipt_counts_each_activity_and_request_once_however_often_a_step_runs():
    receipt = ErasureReceipt("ers-1", "h", "running", "admin", NOW)
    a, b = _activity("a", "x@y.z", attachments=2), _activity("b", "x@y.z")
    again = with_activities(with_activities(receipt, [a]), [a, b])
    assert again.removed_activities == (("a", 2), ("b", 0)) and again.attachments == 2
    assert with_requests(with_requests(receipt, ["t1"]), ["t1", "t2"]).tracking_requests == ("t1", "t2")
    done = finished(again, NOW)
    assert done.state == "done" and finished(done, NOW + timedelta(1), "failed") == done


def test_the_erased_list_and_exclusion_lists_change_only_where_they_must():
    assert with_erased(("h1",), "h1") == ("h1",) and with_erased(("h1",), "h2") == ("h1", "h2")
    assert without_entry(("Pat@fabrikam.com", "@fabrikam.com", "jo@x.com"), "pat@fabrikam.com") == (
        "@fabrikam.com",
        "jo@x.com",
    )


def test_retention_keeps_forever_without_a_setting():
    assert retention_cutoff(NOW, None) is None
    assert retention_cutoff(NOW, 30) == NOW - timedelta(days=30)
