"""The page's "Why don't I see an email?" panel in headless Chromium against the local stack
(demo data): Alice opens Contoso, opens the panel, and reads why "Old thread" (5 days old)
is not on the timeline, in words; an address that belongs to no rule is said to be unrelated."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from localdev.demo import USERS
from tests.e2e.web_support import screenshot

pytestmark = pytest.mark.e2e


def open_contoso_as_alice(page: Page) -> None:
    alice = next(u for u in USERS if u.key == "alice")
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.select_option("#user-select", alice.upn)
    page.select_option("#record-preset", "account/a-contoso")
    expect(page.locator("#record-heading")).to_have_text("Contoso Ltd")
    expect(page.locator("#timeline-loading")).to_be_hidden()


def test_the_explain_panel_shows_why_an_old_email_is_hidden_in_words(page):
    open_contoso_as_alice(page)
    expect(page.get_by_role("heading", name="Old thread")).to_have_count(0)  # not on the timeline

    toggle = page.get_by_role("button", name="Why don't I see an email?")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")

    hidden = page.locator("#explain .explain__hidden").filter(has_text="Old thread")
    expect(hidden).to_have_count(1)
    expect(hidden).to_have_attribute("data-reason", "OUTSIDE_WINDOW")
    expect(hidden.locator(".explain__reason")).to_have_text(
        "Too old: the timeline shows emails of the last 3 days and meetings 3 days either side"
    )
    expect(page.locator("#explain")).to_contain_text("jane@contoso.com — primary contact")
    screenshot(page, "explain-panel")

    page.fill("#explain-address", "noreply@unrelated.example")
    page.get_by_role("button", name="Explain", exact=True).click()
    expect(page.locator("#explain .explain__asked")).to_contain_text(
        "noreply@unrelated.example is not related to this record by any rule"
    )

    toggle.click()
    expect(page.locator("#explain")).to_be_hidden()


def test_why_it_matched_names_the_record_in_words(page):
    open_contoso_as_alice(page)
    why = page.locator("#timeline-list .tile[data-state='untracked'] .tile__why")
    expect(why.first).to_contain_text(" — ")
    expect(why.filter(has_text="primaryContact")).to_have_count(0)  # no internal rule ids
