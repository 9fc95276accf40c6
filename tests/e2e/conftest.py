"""Fixtures of the e2e tier: the timeline tests' world (one per session), one headless
Chromium per browser test module and a page on the local stack per browser test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.e2e.timeline_world import (
    World,
    world_for,
)
from tests.e2e.web_support import launch_browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, stack: Any) -> Iterator[Page]:
    """A fresh browser context on the local stack; fails the test on an uncaught page error.
    (test_web_rendering.py has its own, on the contract fake.)"""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=stack.base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="session")
def world(stack, api) -> World:
    """The timeline tests' records and mailboxes, loaded into the stack once per session."""
    return world_for(stack, api)


@pytest.fixture
def dup_a_tracked(world: World) -> str:
    """``dup-a`` tracked by the seller on the ``dup`` contact (done once; the activity id)."""
    return world.ensure_tracked("dup-a")
