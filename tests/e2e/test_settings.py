"""Settings on the local stack: roles, defaults, the org flag, the personal option, exclusions."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.config import LOCAL_ADDRESS_HASH_KEY
from shared.rules.erasure import loggable_entry
from tests.conftest import host_log
from tests.e2e.api import Caller, demo_caller

pytestmark = pytest.mark.e2e

ALICE = demo_caller("alice")  # Sales.Person, team t-east (owns Contoso)
CAROL = demo_caller("carol")  # AutoCapture.Admin + Sales.Person, team t-west (owns Fabrikam)
DAVE = demo_caller("dave")  # no role
CONTOSO = "/api/timeline/account/a-contoso"
FABRIKAM = "/api/timeline/account/a-fabrikam"


def untracked(api, caller: Caller, path: str) -> list[dict]:
    resp = api.get(path, caller)
    assert resp.status_code == 200, resp.text
    return [i for i in resp.json()["items"] if i["state"] == "untracked"]


@pytest.fixture
def clean_settings(api):
    """Every test starts and ends with default settings for the demo users and the org."""

    def reset() -> None:
        assert (
            api.put(
                "/api/settings/org",
                CAROL,
                json={"autoCaptureEnabled": True, "hideInternalOnly": False, "internalDomains": []},
            ).status_code
            == 200
        )
        org = api.get("/api/settings", CAROL).json()["org"]
        api.post("/api/settings/org/exclusions", CAROL, json={"remove": org["excluded"]})
        for caller in (ALICE, CAROL):
            api.put("/api/settings/user", caller, json={"showUntrackedEmail": True})
            user = api.get("/api/settings", caller).json()["user"]
            api.post("/api/settings/user/exclusions", caller, json={"remove": user["excluded"]})

    reset()
    yield
    reset()


def test_defaults_are_org_on_and_user_on(api, clean_settings):
    body = api.get("/api/settings", ALICE).json()
    assert body == {
        "org": {
            "autoCaptureEnabled": True,
            "excluded": [],
            "hideInternalOnly": False,
            "internalDomains": [],
            "retentionDays": None,
        },
        "user": {"showUntrackedEmail": True, "excluded": []},
    }


@pytest.mark.parametrize("caller", [ALICE, DAVE, demo_caller("bob")])
def test_only_admin_may_change_org_settings(api, clean_settings, caller):
    resp = api.put("/api/settings/org", caller, json={"autoCaptureEnabled": False})
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert api.post("/api/settings/org/exclusions", caller, json={"add": ["@x.com"]}).status_code == 403
    assert api.get("/api/settings", caller).json()["org"]["autoCaptureEnabled"] is True


def test_org_off_hides_user_option_and_all_suggestions_for_everyone(api, clean_settings):
    assert untracked(api, ALICE, CONTOSO) and untracked(api, CAROL, FABRIKAM)
    resp = api.put("/api/settings/org", CAROL, json={"autoCaptureEnabled": False})
    assert resp.status_code == 200
    assert "user" not in resp.json()
    assert "user" not in api.get("/api/settings", ALICE).json()
    conflict = api.put("/api/settings/user", ALICE, json={"showUntrackedEmail": False})
    assert conflict.status_code == 409
    assert "turned off for the organisation" in conflict.json()["detail"]
    for caller, path in ((ALICE, CONTOSO), (CAROL, FABRIKAM)):
        body = api.get(path, caller).json()
        assert [i for i in body["items"] if i["state"] != "tracked"] == []
        assert body["autoCapture"]["active"] is False
        assert "turned off for your organisation" in body["autoCapture"]["notice"]


def test_user_off_affects_only_that_user(api, clean_settings):
    resp = api.put("/api/settings/user", ALICE, json={"showUntrackedEmail": False})
    assert resp.status_code == 200
    assert resp.json()["user"]["showUntrackedEmail"] is False
    body = api.get(CONTOSO, ALICE).json()
    assert body["autoCapture"] == {
        "active": False,
        "notice": "You turned off 'Show email not tracked in the Activities list'.",
        "reason": "USER_DISABLED",
    }
    assert untracked(api, CAROL, FABRIKAM)
    assert api.get("/api/settings", CAROL).json()["user"]["showUntrackedEmail"] is True


def test_personal_exclusion_by_address_hides_items_with_that_participant(api, clean_settings):
    before = untracked(api, ALICE, CONTOSO)
    assert any(i["from"]["address"] == "jane@contoso.com" for i in before)
    resp = api.post("/api/settings/user/exclusions", ALICE, json={"add": ["Jane@Contoso.com "]})
    assert resp.status_code == 200
    assert resp.json()["user"]["excluded"] == ["jane@contoso.com"]
    after = untracked(api, ALICE, CONTOSO)
    everyone = lambda i: [i["from"]["address"]] + [p["address"] for p in i["to"] + i["cc"]]  # noqa: E731
    assert after and all("jane@contoso.com" not in everyone(i) for i in after)
    assert {i["subject"] for i in after} < {i["subject"] for i in before}


def test_org_exclusion_by_domain_hides_the_domain_for_everyone(api, clean_settings):
    assert api.post("/api/settings/org/exclusions", CAROL, json={"add": ["@contoso.com"]}).status_code == 200
    assert untracked(api, ALICE, CONTOSO) == []
    assert untracked(api, CAROL, FABRIKAM)  # other domains still suggested


def test_hide_internal_only_is_off_by_default_and_hides_org_only_mail(api, clean_settings):
    internal = "/api/timeline/account/a-northwind"
    resp = api.put(
        "/api/settings/org",
        CAROL,
        json={"hideInternalOnly": True, "internalDomains": ["autocapture.dev", "northwind.com"]},
    )
    assert resp.status_code == 200
    assert resp.json()["org"]["internalDomains"] == ["autocapture.dev", "northwind.com"]
    # Bob owns Northwind; with northwind.com declared internal, its mail is internal-only.
    bob = demo_caller("bob")
    assert untracked(api, bob, internal) == []


@pytest.mark.parametrize(
    ("path", "entry"),
    [
        ("/api/settings/user/exclusions", "not-an-address"),
        ("/api/settings/user/exclusions", "@"),
        ("/api/settings/user/exclusions", "a@b@c.com"),
        ("/api/settings/org/exclusions", "x" * 300 + "@x.com"),
    ],
)
def test_bad_exclusion_entries_are_refused_naming_the_entry(api, clean_settings, path, entry):
    caller = CAROL
    resp = api.post(path, caller, json={"add": ["ok@example.com", entry]})
    assert resp.status_code == 400
    problem = resp.json()
    assert problem["field"] == "add.1"
    if len(entry) < 254:
        assert entry in problem["detail"]
    scope = "org" if "/org/" in path else "user"
    assert api.get("/api/settings", caller).json()[scope]["excluded"] == []  # nothing half-applied


def test_concurrent_exclusion_updates_are_all_kept(api, clean_settings):
    entries = [f"person{i}@example.com" for i in range(12)]

    def add(entry: str) -> int:
        return api.post("/api/settings/org/exclusions", CAROL, json={"add": [entry]}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(add, entries))
    assert statuses == [200] * len(entries)
    assert sorted(api.get("/api/settings", CAROL).json()["org"]["excluded"]) == sorted(entries)


def test_every_change_is_an_audit_line_with_who_and_what_naming_addresses_only_hashed(
    api, stack, clean_settings
):
    api.put("/api/settings/user", ALICE, json={"showUntrackedEmail": False})
    api.post("/api/settings/org/exclusions", CAROL, json={"add": ["audit@example.com"]})
    lines = [json.loads(line) for line in host_log(stack).splitlines() if '"settings.changed"' in line]
    assert any(
        e["scope"] == "user"
        and e["setting"] == "show_untracked_email"
        and e["old"] is True
        and e["new"] is False
        and e["actor"]
        for e in lines
    )
    assert any(
        e["scope"] == "org"
        and e["setting"] == "excluded"
        and e["added"] == [loggable_entry(LOCAL_ADDRESS_HASH_KEY, "audit@example.com")]
        for e in lines
    )
    assert "audit@example.com" not in host_log(stack)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/settings/user", {"showUntrackedEmail": "yes"}),
        ("/api/settings/user", {"showUntrackedEmail": True, "extra": 1}),
        ("/api/settings/user", {}),
        ("/api/settings/org", {}),
        ("/api/settings/org", {"autoCaptureEnabled": 1}),
        ("/api/settings/org", {"internalDomains": ["not a domain"]}),
    ],
)
def test_malformed_settings_bodies_are_400_naming_the_field(api, clean_settings, path, body):
    resp = api.put(path, CAROL, json=body)
    assert resp.status_code == 400
    assert resp.json()["field"]
