"""The timeline page in headless Chromium against the whole local stack (issue 10).

The story runs in file order on the shared session stack (demo data): Alice opens
Contoso and sees tracked and private items styled apart, tracks a suggestion and watches
"Tracking pending" turn into tracked without a reload (by mouse, then by keyboard only),
her teammate Bob sees the tracked item, and Carol (admin) turns the org flag off and
sees her suggestions disappear, then turns it back on. Each test that needs a tracked
item makes sure one exists, so a test also passes alone. Screenshots of every state go
to artifacts/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from localdev.demo import USERS
from tests.e2e.web_support import screenshot

pytestmark = pytest.mark.e2e

TRACK_TIMEOUT_MS = 30_000


def _user(key: str) -> dict[str, Any]:
    u = next(u for u in USERS if u.key == key)
    return {"user": u.upn, "roles": list(u.roles), "groups": list(u.groups)}


class StackApi:
    """Direct API calls for set-up and clean-up (the browser does the behaviour under test)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def headers(self, key: str) -> dict[str, str]:
        token = self.http.post("/dev/token", json=_user(key)).raise_for_status().json()["token"]
        return {"Authorization": f"Bearer {token}"}

    def timeline(self, key: str, entity_type: str, record_id: str) -> dict[str, Any]:
        resp = self.http.get(f"/api/timeline/{entity_type}/{record_id}", headers=self.headers(key))
        return dict(resp.raise_for_status().json())

    def ensure_tracked(self, key: str, entity_type: str, record_id: str) -> str:
        """The subject of a tracked item on the record, tracking a suggestion when none is."""
        items = self.timeline(key, entity_type, record_id)["items"]
        tracked = [i for i in items if i["state"] == "tracked"]
        if tracked:
            return str(tracked[0]["subject"])
        item = next(i for i in items if i["state"] == "untracked")
        body = {
            "itemId": item["id"],
            "kind": item["kind"],
            "regarding": {"entityType": entity_type, "id": record_id},
        }
        resp = self.http.post("/api/track", json=body, headers=self.headers(key)).raise_for_status().json()
        deadline = time.monotonic() + TRACK_TIMEOUT_MS / 1000
        while resp.get("state") == "pending" and time.monotonic() < deadline:
            time.sleep(0.5)
            resp = (
                self.http.get(f"/api/track/{resp['trackingId']}", headers=self.headers(key))
                .raise_for_status()
                .json()
            )
        assert resp["state"] == "tracked", resp
        return str(item["subject"])

    def set_org_flag(self, on: bool) -> None:
        self.http.put(
            "/api/settings/org", json={"autoCaptureEnabled": on}, headers=self.headers("carol")
        ).raise_for_status()


@pytest.fixture(scope="module")
def stack_api(stack: Any) -> Iterator[StackApi]:
    api = StackApi(stack.base_url)
    yield api
    api.http.close()


def sign_in(page: Page, key: str) -> None:
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.select_option("#user-select", _user(key)["user"])
    expect(page.locator("#identity-meta")).to_contain_text(_user(key)["user"])


def open_record(page: Page, entity_type: str, record_id: str, name: str) -> None:
    page.select_option("#record-preset", f"{entity_type}/{record_id}")
    expect(page.locator("#record-heading")).to_have_text(name)
    expect(page.locator("#timeline-loading")).to_be_hidden()


# Alice's records that have suggestions in the demo mailbox, in the order the tests use them
# (other test modules share the stack and may already have tracked some suggestions).
ALICE_RECORDS = (
    ("account", "a-contoso", "Contoso Ltd"),
    ("opportunity", "o-renewal", "Contoso renewal 2027"),
    ("account", "a-northwind", "Northwind Traders"),
    ("lead", "l-inbound", "Inbound: Fabrikam pilot"),
)


def open_record_with_a_suggestion(page: Page) -> None:
    for entity_type, record_id, name in ALICE_RECORDS:
        open_record(page, entity_type, record_id, name)
        if tiles(page, "untracked").count():
            return
    pytest.fail("no untracked suggestion left in Alice's demo records")


def tiles(page: Page, state: str) -> Any:
    return page.locator(f"#timeline-list .tile[data-state='{state}']")


def tile(page: Page, subject: str) -> Any:
    return page.locator("#timeline-list .tile").filter(
        has=page.get_by_role("heading", name=subject, exact=True)
    )


def border_style(locator: Any) -> str:
    return str(locator.locator(".tile__card").evaluate("el => getComputedStyle(el).borderTopStyle"))


def test_alice_sees_tracked_and_private_items_styled_apart(page, stack_api):
    tracked_subject = stack_api.ensure_tracked("alice", "account", "a-contoso")
    sign_in(page, "alice")
    open_record(page, "account", "a-contoso", "Contoso Ltd")

    tracked = tile(page, tracked_subject).and_(tiles(page, "tracked"))
    expect(tracked).to_have_count(1)
    expect(tracked.locator(".badge--tracked")).to_have_text("Tracked")
    expect(tracked.locator(".badge--incoming, .badge--outgoing")).to_have_count(1)
    expect(tracked.get_by_role("button", name="Track")).to_have_count(0)
    assert border_style(tracked) == "solid"

    private = tiles(page, "untracked").first
    expect(private.locator(".badge--private")).to_have_text("Private")
    expect(private.locator(".tile__why")).to_contain_text(" — ")  # "Jane Doe — primary contact"
    expect(private.get_by_role("button", name="Track")).to_be_visible()
    assert border_style(private) == "dotted"
    icon_colors = page.evaluate(
        """() => ['tracked', 'untracked'].map(s =>
            getComputedStyle(document.querySelector(`.tile[data-state=${s}] .tile__icon`)).color)"""
    )
    assert icon_colors[0] != icon_colors[1], "the tracked and private symbols must differ in colour"
    screenshot(page, "01-alice-contoso-tracked-and-private")


def test_track_shows_pending_then_tracked_without_reload(page):
    sign_in(page, "alice")
    open_record_with_a_suggestion(page)
    page.evaluate("window.__sameDocument = true")
    suggestion = tiles(page, "untracked").first
    subject = suggestion.locator(".tile__subject").inner_text()
    tracked_before = tiles(page, "tracked").count()

    suggestion.get_by_role("button", name="Track").click()
    pending = tile(page, subject)
    expect(pending).to_have_attribute("data-state", "pending")
    expect(pending.locator(".pending-note")).to_have_text("Tracking pending")
    assert border_style(pending) == "dashed"
    screenshot(page, "02-alice-tracking-pending")

    expect(tile(page, subject)).to_have_attribute("data-state", "tracked", timeout=TRACK_TIMEOUT_MS)
    expect(tiles(page, "tracked")).to_have_count(tracked_before + 1)
    expect(page.locator("#status")).to_have_text(f"Tracked: {subject}")
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    screenshot(page, "03-alice-tracked")


def test_keyboard_only_tab_to_track_and_press_enter(page):
    sign_in(page, "alice")
    open_record_with_a_suggestion(page)
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('btn--track')"):
            break
    else:
        pytest.fail("the Track button cannot be reached with Tab")
    focused = page.locator(":focus")
    outline = focused.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused Track button has no visible focus indicator"
    subject = page.evaluate(
        "document.activeElement.closest('.tile').querySelector('.tile__subject').textContent"
    )
    screenshot(page, "04-keyboard-focus-on-track", full_page=False)

    page.keyboard.press("Enter")
    expect(tile(page, subject)).to_have_attribute("data-state", "pending")
    expect(tile(page, subject)).to_have_attribute("data-state", "tracked", timeout=TRACK_TIMEOUT_MS)
    # focus stays on the page (not lost to <body>) so keyboard users can go on
    assert page.evaluate("document.activeElement !== document.body")


def see_alices_tracked_item_and_no_suggestion(page: Page, stack_api: StackApi, key: str) -> None:
    """``key`` opens Contoso: Alice's tracked item is there, no suggestion is."""
    tracked_subject = stack_api.ensure_tracked("alice", "account", "a-contoso")
    sign_in(page, key)
    open_record(page, "account", "a-contoso", "Contoso Ltd")
    expect(tile(page, tracked_subject).and_(tiles(page, "tracked"))).to_have_count(1)
    expect(tiles(page, "untracked")).to_have_count(0)


def test_a_teammate_sees_the_tracked_item(page, stack_api):
    # Bob's own mailbox holds nothing for Contoso, and Alice's suggestions are private to her.
    see_alices_tracked_item_and_no_suggestion(page, stack_api, "bob")
    expect(tiles(page, "pending")).to_have_count(0)
    screenshot(page, "05-bob-sees-tracked")


def test_a_user_without_a_sales_role_sees_tracked_items_but_no_suggestions(page, stack_api):
    see_alices_tracked_item_and_no_suggestion(page, stack_api, "dave")


def test_admin_turning_the_org_flag_off_hides_suggestions(page, stack_api):
    sign_in(page, "carol")
    open_record(page, "account", "a-fabrikam", "Fabrikam Inc")
    org_flag = page.get_by_label("Auto capture: suggest email and meetings from users' mailboxes")
    personal = page.get_by_label("Show email not tracked in the Activities list")
    expect(org_flag).to_be_checked()
    expect(personal).to_be_visible()
    expect(tiles(page, "untracked").first).to_be_visible()
    screenshot(page, "06-carol-org-on")
    try:
        org_flag.uncheck()
        expect(tiles(page, "untracked")).to_have_count(0)
        expect(personal).to_be_hidden()
        expect(page.locator("#settings-org-off")).to_be_visible()
        expect(org_flag).not_to_be_checked()
        screenshot(page, "07-carol-org-off-no-suggestions")

        org_flag.check()
        expect(tiles(page, "untracked").first).to_be_visible()
        expect(personal).to_be_visible()
    finally:
        stack_api.set_org_flag(True)


def test_the_page_fits_a_360px_screen(browser, stack):
    context = browser.new_context(viewport={"width": 360, "height": 780}, base_url=stack.base_url)
    page = context.new_page()
    try:
        sign_in(page, "alice")
        open_record(page, "account", "a-contoso", "Contoso Ltd")
        expect(page.locator("#timeline-list .tile").first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the page is {width}px wide at a 360px viewport"
        screenshot(page, "08-alice-360px")
    finally:
        context.close()
