"""The timeline page against a contract fake of the API (fast; no emulators).

These cover what the demo stack cannot easily produce: hostile text from the API stays
text, a mailbox notice is shown, ``from`` may be a plain string, a failed track job is
reported on its tile, settings errors name the bad entry, and the page works with no
external resource at all. The fake serves the page as the Function App does, security
headers included: every test also checks that the page runs without a single
Content-Security-Policy violation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web_support import FakeApi, entra_config, entra_overrides, fake_token, screenshot

pytestmark = pytest.mark.e2e

NOW = datetime.now(UTC)


def _at(hours: float) -> str:
    return (NOW - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _p(address: str, name: str = "") -> dict[str, str]:
    return {"address": address, "name": name}


def contoso_items() -> list[dict[str, Any]]:
    return [
        {
            "id": "graph-1",
            "kind": "email",
            "state": "untracked",
            "subject": "Renewal quote for 2027",
            "preview": "Hi Alice, attached is the signed quote for next year.",
            "from": _p("jane@contoso.com", "Jane Doe"),
            "to": [_p("alice@autocapture.dev", "Alice Kim")],
            "cc": [],
            "occurredAt": _at(2),
            "matchedBy": [
                {
                    "address": "jane@contoso.com",
                    "rule": "primaryContact",
                    "record": {"entityType": "contact", "id": "c-jane", "name": "Jane Doe"},
                }
            ],
            "owner": "alice@autocapture.dev",
        },
        {
            "id": "act-1",
            "kind": "email",
            "state": "tracked",
            "subject": "Signed contract",
            "preview": "Countersigned copy attached.",
            "from": _p("alice@autocapture.dev", "Alice Kim"),
            "to": [_p("jane@contoso.com", "Jane Doe"), _p("raj@contoso.com", "Raj Patel")],
            "cc": [_p("bob@autocapture.dev", "Bob Stone")],
            "occurredAt": _at(3),
            "direction": "outgoing",
            "attachments": [{"name": "contract.pdf", "size": 245_760, "contentType": "application/pdf"}],
        },
        {
            "id": "graph-2",
            "kind": "meeting",
            "state": "untracked",
            "subject": "Contoso QBR",
            "preview": "Agenda: Contoso QBR",
            "from": "alice@autocapture.dev",
            "to": ["jane@contoso.com", "raj@contoso.com"],
            "cc": [],
            "occurredAt": _at(-24),
            "matchedBy": [
                {"address": "jane@contoso.com", "rule": "primaryContact"},
                {"address": "raj@contoso.com", "rule": "accountContact"},
            ],
            "owner": "alice@autocapture.dev",
        },
        {
            "id": "graph-3",
            "kind": "email",
            "state": "untracked",
            "subject": '<img src=x onerror="window.__xss=1"> <b>bold</b>',
            "preview": "<script>window.__xss=2</script>",
            "from": _p("info@contoso.com", "<i>Contoso</i>"),
            "to": [],
            "cc": [],
            "occurredAt": _at(26),
            "matchedBy": [{"address": "info@contoso.com", "rule": "recordEmail"}],
            "owner": "alice@autocapture.dev",
        },
    ]


@pytest.fixture
def fake() -> Iterator[FakeApi]:
    api = FakeApi(
        records={"account:a-contoso": {"entityType": "account", "id": "a-contoso", "name": "Contoso Ltd"}},
        items={"account:a-contoso": contoso_items()},
    )
    api.start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def refused() -> list[str]:
    """Chromium's console reports of what the page's Content-Security-Policy refused."""
    return []


@pytest.fixture
def page(browser: Any, fake: FakeApi, refused: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda req: outside.append(req.url) if not req.url.startswith((fake.base_url, "data:")) else None,
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.add_init_script(CSP_LISTENER)
    yield page
    violations = page.evaluate("window.__cspViolations || []") if not page.is_closed() else []
    context.close()
    assert outside == [], f"the page loaded external resources: {outside}"
    assert errors == [], f"uncaught errors in the page: {errors}"
    assert violations == [] and refused == [], f"CSP violations: {violations} {refused}"


#: Records every Content-Security-Policy violation the document reports.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def open_contoso(page: Page, fake: FakeApi) -> None:
    page.goto(f"{fake.base_url}/")
    page.select_option("#record-preset", "account/a-contoso")
    expect(page.locator("#record-heading")).to_have_text("Contoso Ltd")


def tile(page: Page, subject: str) -> Any:
    return page.locator("#timeline-list .tile").filter(has=page.locator(".tile__subject", has_text=subject))


def test_text_from_the_api_is_rendered_as_text_never_as_markup(page, fake):
    open_contoso(page, fake)
    hostile = tile(page, "onerror")
    expect(hostile.locator(".tile__subject")).to_have_text('<img src=x onerror="window.__xss=1"> <b>bold</b>')
    assert page.locator("#timeline-list img, #timeline-list b, #timeline-list script").count() == 0
    hostile.get_by_role("button", name="Details").click()
    expect(hostile.locator(".tile__preview")).to_have_text("<script>window.__xss=2</script>")
    assert page.evaluate("window.__xss") is None


def test_tracked_and_private_items_look_different_and_explain_why_they_matched(page, fake):
    open_contoso(page, fake)
    tracked = tile(page, "Signed contract")
    private = tile(page, "Renewal quote for 2027")
    expect(tracked).to_have_attribute("data-state", "tracked")
    expect(tracked.locator(".badge--outgoing")).to_have_text("Outgoing")
    expect(tracked.locator(".badge--attachments")).to_have_text("1 attachment")
    expect(tracked.get_by_role("button", name="Track")).to_have_count(0)
    expect(private.locator(".badge--private")).to_have_text("Private")
    expect(private.locator(".tile__why")).to_contain_text("Jane Doe — primary contact")
    expect(private.get_by_role("button", name="Track")).to_be_visible()
    card_style = "el => getComputedStyle(el).borderTopStyle"
    assert tracked.locator(".tile__card").evaluate(card_style) == "solid"
    assert private.locator(".tile__card").evaluate(card_style) == "dotted"
    expect(page.locator("#record-summary")).to_have_text("1 tracked · 3 private suggestions")
    screenshot(page, "fake-timeline")


def test_a_plain_string_sender_is_shown(page, fake):
    open_contoso(page, fake)
    meeting = tile(page, "Contoso QBR")
    expect(meeting).to_have_attribute("data-kind", "meeting")
    expect(meeting.locator(".tile__meta")).to_contain_text("Organizer: alice@autocapture.dev")
    expect(meeting.locator(".tile__why")).to_contain_text("raj@contoso.com — account contact")  # no record


def test_tiles_expand_and_collapse_with_aria_expanded(page, fake):
    open_contoso(page, fake)
    tracked = tile(page, "Signed contract")
    toggle = tracked.get_by_role("button", name="Details")
    body = tracked.locator(".tile__body")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(body).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(body).to_contain_text("contract.pdf")
    expect(body).to_contain_text("240 KB")
    expect(body).to_contain_text("Bob Stone <bob@autocapture.dev>")
    toggle.click()
    expect(body).to_be_hidden()


def test_the_mailbox_notice_is_shown(page, fake):
    fake.notice = "Your mailbox could not be read (access denied); only tracked activities are shown."
    open_contoso(page, fake)
    expect(page.locator("#notice")).to_have_text(fake.notice)


def test_a_failed_track_job_is_reported_on_its_tile(page, fake):
    fake.fail_tracking = True
    open_contoso(page, fake)
    tile(page, "Renewal quote for 2027").get_by_role("button", name="Track").click()
    expect(tile(page, "Renewal quote for 2027").locator(".error")).to_contain_text(
        "Tracking failed: the mailbox item is gone", timeout=10_000
    )
    # a failed Track offers Retry (Track again)
    expect(tile(page, "Renewal quote for 2027").get_by_role("button", name="Retry")).to_be_enabled()


def test_track_turns_pending_then_tracked_without_reload(page, fake):
    fake.polls_to_finish = 3
    open_contoso(page, fake)
    page.evaluate("window.__sameDocument = true")
    tile(page, "Renewal quote for 2027").get_by_role("button", name="Track").click()
    pending = tile(page, "Renewal quote for 2027")
    expect(pending).to_have_attribute("data-state", "pending")
    expect(pending).to_contain_text("Tracking pending")
    expect(tile(page, "Renewal quote for 2027")).to_have_attribute("data-state", "tracked", timeout=10_000)
    expect(page.locator("#status")).to_have_text("Tracked: Renewal quote for 2027")
    assert page.evaluate("window.__sameDocument") is True


def test_a_bad_exclusion_entry_is_named_next_to_the_field(page, fake):
    page.goto(f"{fake.base_url}/")
    page.select_option("#user-select", "carol@autocapture.dev")
    expect(page.locator("#settings-org")).to_be_visible()
    field = page.locator("#org-exclusion-input")
    field.fill("not-an-address")
    field.press("Enter")
    expect(page.locator("#org-exclusion-error")).to_contain_text("'not-an-address'")
    expect(page.locator("#org-exclusion-input")).to_have_attribute("aria-invalid", "true")
    page.locator("#org-exclusion-input").fill("@rival.example")
    page.locator("#org-exclusion-input").press("Enter")
    expect(page.get_by_role("button", name="Remove @rival.example")).to_be_visible()
    page.get_by_role("button", name="Remove @rival.example").click()
    expect(page.get_by_role("button", name="Remove @rival.example")).to_have_count(0)


def test_the_org_and_personal_settings_follow_role_and_org_flag(page, fake):
    page.goto(f"{fake.base_url}/")
    expect(page.get_by_label("Show email not tracked in the Activities list")).to_be_checked()
    expect(page.locator("#settings-org")).to_be_hidden()
    fake.org["autoCaptureEnabled"] = False
    page.select_option("#user-select", "bob@autocapture.dev")
    expect(page.locator("#settings-org-off")).to_be_visible()
    expect(page.locator("#settings-personal")).to_be_hidden()


def test_narrow_screen_has_no_horizontal_scroll(browser, fake):
    context = browser.new_context(viewport={"width": 360, "height": 800}, device_scale_factor=2)
    page = context.new_page()
    open_contoso(page, fake)
    tile(page, "Signed contract").get_by_role("button", name="Details").click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide at a 360px viewport"
    screenshot(page, "fake-timeline-360px")
    context.close()


def test_local_mode_gets_dev_tokens_and_never_loads_msal(page, fake):
    open_contoso(page, fake)
    assert "POST /dev/token" in fake.requests
    assert not [r for r in fake.requests if "msal" in r]


def test_entra_mode_signs_in_with_msal_and_calls_the_api_with_its_token(page, fake):
    fake.page_config = entra_config()
    fake.overrides = entra_overrides(
        fake_token("carol@autocapture.dev", ["AutoCapture.Admin", "Sales.Person"])
    )
    page.goto(f"{fake.base_url}/#/account/a-contoso")
    sign_in = page.get_by_role("button", name="Sign in")
    expect(sign_in).to_be_visible()
    expect(page.locator("#user-select")).to_have_count(0)
    sign_in.click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".identity__name")).to_have_text("Carol Diaz")
    expect(page.locator("#record-heading")).to_have_text("Contoso Ltd")
    expect(page.locator("#settings-org")).to_be_visible()  # the admin role comes from the access token
    config = page.evaluate("window.__msalConfig")
    assert config["auth"]["clientId"] == "spa-client-id"
    assert page.evaluate("window.__tokenRequest.scopes") == ["api://spa-client-id/access_as_user"]
    assert "POST /dev/token" not in fake.requests


def test_the_content_security_policy_refuses_an_injected_inline_script(page, fake, refused):
    open_contoso(page, fake)
    page.evaluate(
        """() => {
        const s = document.createElement("script");
        s.textContent = "window.__inline = 1";
        document.body.append(s);
        document.body.insertAdjacentHTML("beforeend", '<img src="x" onerror="window.__inline = 2">');
    }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    assert page.evaluate("window.__inline") is None
    reported = page.evaluate("window.__cspViolations")
    assert any(v.startswith("script-src") for v in reported), reported
    for _ in range(50):  # Chromium's console reports of the two arrive a little later
        if len(refused) >= 2:
            break
        page.wait_for_timeout(100)
    assert any("inline" in text for text in refused), refused
    # These two were expected; the fixture checks that nothing else was refused.
    page.evaluate("window.__cspViolations = []")
    refused.clear()


def test_the_page_lists_the_demo_users_and_records_from_the_local_directory(page, fake):
    fake.users = fake.users[:2]
    fake.records["contact:c-jane"] = {"entityType": "contact", "id": "c-jane", "name": "Jane Doe"}
    page.goto(f"{fake.base_url}/")
    expect(page.locator("#user-select option")).to_have_text(
        ["Alice Kim (Sales.Person)", "Bob Stone (Sales.Manager)"]
    )
    expect(page.locator("#record-preset optgroup")).to_have_count(2)
    expect(page.locator("#record-preset option[value='contact/c-jane']")).to_have_text("Jane Doe (c-jane)")
    assert "GET /dev/directory" in fake.requests


def test_entra_mode_opens_the_record_named_by_query_parameters(page, fake):
    fake.page_config = entra_config()
    fake.overrides = entra_overrides(fake_token("carol@autocapture.dev", ["Sales.Person"]))
    page.goto(f"{fake.base_url}/?entityType=account&id=a-contoso")
    page.evaluate("sessionStorage.setItem('stub.signedIn', '1')")
    page.reload()
    expect(page.locator("#record-heading")).to_have_text("Contoso Ltd")
    expect(page.locator("#record-preset")).to_be_hidden()
    assert "GET /dev/directory" not in fake.requests
