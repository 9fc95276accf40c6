"""Exclusion entries (issue 8): validation, address and domain coverage, internal-only mail."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.exceptions import ValidationError
from shared.model import MailItem, OrgSettings, UserSettings
from shared.rules import (
    MAX_ENTRY_LENGTH,
    ExclusionList,
    ExclusionPolicy,
    is_excluded,
    is_internal_only,
    validate_exclusion_entry,
)
from tests.builders import mail_item

NOW = datetime(2026, 11, 20, tzinfo=UTC)


def mail(sender: str | None, *to: str, cc: tuple[str, ...] = ()) -> MailItem:
    return mail_item("m", NOW, subject="", sender=sender, to=to, cc=cc)


# --- validation ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("a@b.com", "a@b.com"),
        ("  Pat.Doe+crm@Fabrikam.COM ", "pat.doe+crm@fabrikam.com"),
        ("@contoso.com", "@contoso.com"),
        (" @Sales.Contoso.co.uk", "@sales.contoso.co.uk"),
        ("o'neil@xn--bcher-kva.example", "o'neil@xn--bcher-kva.example"),
    ],
)
def test_valid_entries_are_normalized(text: str, normalized: str) -> None:
    assert validate_exclusion_entry(text) == normalized


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bob",
        "@",
        "a@b",
        "@contoso",
        "a@@b.com",
        "contoso.com",
        "a b@c.com",
        "a@-bad.com",
        "a@bad-.com",
        "a..b@c.com",
        ".a@c.com",
        "a@c..com",
        "a@*.contoso.com",
        "a@b.com,c@d.com",
    ],
)
def test_invalid_entries_are_rejected_naming_the_entry(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_exclusion_entry(text, field="excluded[0]")
    assert repr(text) in caught.value.detail
    assert caught.value.field == "excluded[0]"


def _entry_of_length(n: int) -> str:
    domain = ".".join(["b" * 60, "c" * 60, "d" * 60]) + ".com"  # 187 characters
    return "a" * (n - 1 - len(domain)) + "@" + domain


def test_entry_longer_than_254_characters_is_rejected() -> None:
    with pytest.raises(ValidationError, match="longer than 254"):
        validate_exclusion_entry(_entry_of_length(MAX_ENTRY_LENGTH + 1))


def test_entry_of_exactly_254_characters_is_accepted() -> None:
    entry = _entry_of_length(MAX_ENTRY_LENGTH)
    assert len(entry) == 254
    assert validate_exclusion_entry(entry) == entry


def test_non_string_entry_is_rejected() -> None:
    with pytest.raises(ValidationError):
        validate_exclusion_entry(42)  # type: ignore[arg-type]


# --- coverage -----------------------------------------------------------------------------
def test_listed_address_excludes_the_item_wherever_it_appears() -> None:
    entries = ["pat@fabrikam.com"]
    assert is_excluded(mail("PAT@fabrikam.com "), entries)
    assert is_excluded(mail("x@y.example", "pat@fabrikam.com"), entries)
    assert is_excluded(mail("x@y.example", cc=("pat@fabrikam.com",)), entries)
    assert not is_excluded(mail("pat2@fabrikam.com"), entries)


def test_domain_entry_covers_the_domain_and_its_subdomains_only() -> None:
    entries = ["@contoso.com"]
    assert is_excluded(mail("x@contoso.com"), entries)
    assert is_excluded(mail("x@sales.contoso.com"), entries)
    assert is_excluded(mail("x@a.b.CONTOSO.com"), entries)
    assert not is_excluded(mail("x@notcontoso.com"), entries)
    assert not is_excluded(mail("x@contoso.com.evil.example"), entries)


def test_empty_list_excludes_nothing() -> None:
    assert not is_excluded(mail("x@contoso.com"), [])
    assert not is_excluded(mail("x@contoso.com"), ExclusionList())


def test_address_without_at_sign_is_only_compared_exactly() -> None:
    assert not is_excluded(mail("contoso.com"), ["@contoso.com"])


# --- internal only ------------------------------------------------------------------------
def test_mail_among_own_domains_and_subdomains_is_internal_only() -> None:
    assert is_internal_only(mail("a@mycorp.example", "b@eu.mycorp.example"), ["MyCorp.example"])


def test_one_outside_participant_makes_mail_not_internal() -> None:
    assert not is_internal_only(
        mail("a@mycorp.example", "b@mycorp.example", cc=("c@x.example",)), ["mycorp.example"]
    )


def test_lookalike_domain_is_not_internal() -> None:
    assert not is_internal_only(mail("a@notmycorp.example"), ["@mycorp.example"])


def test_mail_without_participants_or_without_internal_domains_is_not_internal_only() -> None:
    assert not is_internal_only(mail(None), ["mycorp.example"])
    assert not is_internal_only(mail("a@mycorp.example"), [])


# --- policy -------------------------------------------------------------------------------
def test_policy_combines_org_and_user_lists() -> None:
    policy = ExclusionPolicy.from_settings(
        OrgSettings(excluded=("@contoso.com",)), UserSettings(excluded=("pat@fabrikam.com",))
    )
    assert policy.hides(mail("x@contoso.com"))
    assert policy.hides(mail("pat@fabrikam.com"))
    assert not policy.hides(mail("other@fabrikam.com"))


def test_policy_normalizes_internal_domains_given_directly() -> None:
    policy = ExclusionPolicy(hide_internal_only=True, internal_domains=frozenset({"@MyCorp.example"}))
    assert policy.hides(mail("a@mycorp.example"))
