"""A tracked mail opened in headless Chromium against the whole local stack: script in the
body, the subject and an attachment's name never runs; the body is in a sandboxed frame,
remote images wait for the user, the inline image comes from the stored file, and a file
downloads byte-identical."""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.web_support import screenshot
from tests.integration.track_support import PNG, TrackWorld, aid_of, file_attachment

pytestmark = pytest.mark.e2e

PAYLOAD = "window.top.__pwned = (window.top.__pwned || 0) + 1"
FILE_NAME = f'<img src=x onerror="{PAYLOAD}"><script>{PAYLOAD}</script>.txt'


@pytest.fixture
def mail_world(stack: Any, api: Any) -> Iterator[TrackWorld]:
    """An isolated account and mailbox user (set up off the browser's event loop)."""
    world = TrackWorld(stack, api)
    worker = threading.Thread(target=lambda: asyncio.run(world.create_account()))
    worker.start()
    worker.join(60)
    yield world
    world.close()


def _with_user(page: Page, user: Any) -> None:
    """The local directory, plus this test's own mailbox user (so the page can sign in as it)."""

    def handle(route: Route) -> None:
        body = json.loads(route.fetch().text())
        body["users"].append(
            {
                "userPrincipalName": user.upn,
                "displayName": "Content tester",
                "roles": list(user.caller.roles),
                "groups": list(user.caller.groups),
            }
        )
        route.fulfill(json=body)

    page.route("**/dev/directory", handle)


def test_script_in_body_subject_and_file_names_does_not_run_and_files_download(page, mail_world):
    world = mail_world
    msg = world.message(world.tracker, 1)
    msg["subject"] = f'<img src=x onerror="{PAYLOAD}">Deal <script>{PAYLOAD}</script>'
    msg["body"] = {
        "contentType": "html",
        "content": (
            f'<p onmouseover="{PAYLOAD}">Hello <b>team</b></p><script>{PAYLOAD}</script>'
            f'<img src="x" onerror="{PAYLOAD}"><img id="logo" src="cid:logo@acme" alt="logo">'
            '<img id="remote" src="https://images.example/pixel.png" alt="remote">'
            f'<a href="javascript:{PAYLOAD}">click</a><iframe src="javascript:{PAYLOAD}"></iframe>'
        ),
    }
    msg["hasAttachments"] = True
    msg["attachments"] = [
        file_attachment("AAMkweb1", "logo.png", PNG, "image/png", isInline=True, contentId="logo@acme"),
        file_attachment("AAMkweb2", FILE_NAME, b"plain text file\n", "text/plain"),
    ]
    world.publish(world.tracker)
    resp = world.track(world.tracker, msg)
    assert resp.status_code == 202, resp.text
    assert world.wait_for(world.tracker, resp.json()["trackingId"], timeout=60)["state"] == "tracked"
    remote_requests: list[str] = []
    page.on("request", lambda r: remote_requests.append(r.url) if "images.example" in r.url else None)
    page.route("https://images.example/**", lambda route: route.fulfill(body=PNG, content_type="image/png"))

    _with_user(page, world.tracker)
    page.goto(f"/#/{world.account.entity_type}/{world.account.id}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.select_option("#user-select", world.tracker.upn)
    tile = page.locator(f"#timeline-list .tile[data-item-id='{aid_of(msg)}']")
    expect(tile).to_be_visible(timeout=20_000)
    expect(tile.locator(".tile__subject")).to_have_text(msg["subject"])  # shown as text
    tile.get_by_role("button", name="Details").click()

    frame_el = tile.locator("iframe.mail__frame")
    expect(frame_el).to_have_attribute("sandbox", "")
    frame = frame_el.content_frame
    expect(frame.locator("b")).to_have_text("team")
    logo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    expect(frame.locator("img[alt=logo]")).to_have_attribute("src", logo)
    assert frame.locator("img[alt=logo]").evaluate("img => img.naturalWidth") == 1
    assert frame.locator("script, iframe").count() == 0
    assert frame.locator("img[alt=remote]").get_attribute("src") == ""
    expect(tile.locator(".mail__files")).to_contain_text(FILE_NAME)  # the name as text
    frame.locator("p").first.hover()
    screenshot(page, "mail-details")
    assert page.evaluate("window.__pwned") is None
    assert remote_requests == []

    tile.get_by_role("button", name="Show remote images").click()
    expect(tile.locator("iframe.mail__frame").content_frame.locator("img[alt=remote]")).to_have_attribute(
        "src", "https://images.example/pixel.png"
    )

    with page.expect_download() as download:
        tile.locator(".mail__files li", has_text=FILE_NAME).get_by_role("button", name="Download").click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes() == b"plain text file\n"
    assert page.evaluate("window.__pwned") is None
