"""Pure settings logic: the GET view, exclusion list edits, why suggestions are off."""

from __future__ import annotations

import pytest

from shared.auth.principal import Principal
from shared.exceptions import ValidationError
from shared.model import OrgSettings, UserSettings
from shared.services.settings import MAX_EXCLUSIONS, apply_exclusions, settings_view
from shared.services.timeline import inactive_reason


def principal(*roles: str) -> Principal:
    return Principal(oid="u1", upn="u1@x.com", name="U", tenant_id="t", roles=frozenset(roles))


def test_view_omits_user_while_org_is_off():
    assert "user" not in settings_view(OrgSettings(auto_capture_enabled=False), UserSettings())
    assert settings_view(OrgSettings(), UserSettings(show_untracked_email=False))["user"] == {
        "showUntrackedEmail": False,
        "excluded": [],
    }


def test_exclusion_edit_normalizes_dedupes_and_removes():
    out = apply_exclusions(("a@x.com", "@y.com"), ["B@X.com", "b@x.com", " @Z.com"], ["@y.com"])
    assert out == ("a@x.com", "b@x.com", "@z.com")


def test_exclusion_edit_refuses_a_bad_entry_with_its_position():
    with pytest.raises(ValidationError) as err:
        apply_exclusions((), ["ok@x.com", "nope"], [])
    assert err.value.field == "add.1"
    assert "'nope'" in err.value.detail


def test_exclusion_list_is_capped():
    current = tuple(f"p{i}@x.com" for i in range(MAX_EXCLUSIONS))
    with pytest.raises(ValidationError):
        apply_exclusions(current, ["one-more@x.com"], [])


@pytest.mark.parametrize(
    ("org", "user", "roles", "reason"),
    [
        (OrgSettings(), UserSettings(), ("Sales.Person",), None),
        (OrgSettings(), UserSettings(), ("Sales.Manager",), None),
        (OrgSettings(auto_capture_enabled=False), UserSettings(), ("Sales.Person",), "ORG_DISABLED"),
        (OrgSettings(), UserSettings(show_untracked_email=False), ("Sales.Person",), "USER_DISABLED"),
        (OrgSettings(), UserSettings(), ("AutoCapture.Admin",), "NO_SALES_ROLE"),
        (OrgSettings(), UserSettings(), (), "NO_SALES_ROLE"),
    ],
)
def test_why_suggestions_are_off(org, user, roles, reason):
    assert inactive_reason(org, user, principal(*roles)) == reason
