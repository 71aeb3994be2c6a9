"""The web page as a person uses it, in headless Chromium against the `make run` server."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS
from tests.support.target_site import TITLE

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def shorten(page: Page, app_url: str, url: str, *, alias: str = "") -> None:
    page.goto(f"{app_url}/")
    page.get_by_label("Long URL").fill(url)
    page.get_by_label("Alias").fill(alias)
    page.get_by_role("button", name="Shorten").click()


def short_url_of(page: Page, app_url: str) -> str:
    link = page.locator("#short-url")
    expect(link).to_have_text(re.compile(rf"^{re.escape(app_url)}/[A-Za-z0-9_-]+$"))
    return link.inner_text()


def test_shorten_open_the_short_link_and_see_one_click(page: Page, app_url: str, target_url: str) -> None:
    shorten(page, app_url, f"{target_url}/landing?from=browser-test")

    short_url = short_url_of(page, app_url)
    expect(page.locator("#long-url")).to_have_text(f"{target_url}/landing?from=browser-test")
    expect(page.locator("#clicks")).to_have_text("0")
    page.wait_for_function(
        "() => { const qr = document.getElementById('qr'); return qr.complete && qr.naturalWidth > 0; }"
    )

    visitor = page.context.new_page()
    visitor.goto(short_url)
    expect(visitor).to_have_url(f"{target_url}/landing?from=browser-test")
    expect(visitor).to_have_title(TITLE)
    visitor.screenshot(path=SCREENSHOTS / "short_link_landed_on_target.png")
    visitor.close()

    page.get_by_role("button", name="Refresh the click count").click()
    expect(page.locator("#clicks")).to_have_text("1")


def test_a_bad_url_is_explained_next_to_the_url_field(page: Page, app_url: str) -> None:
    shorten(page, app_url, "ftp://example.com/file.txt")

    url_field = page.get_by_label("Long URL")
    expect(page.locator("#url-error")).to_have_text("url must start with http:// or https://")
    expect(url_field).to_have_accessible_description("url must start with http:// or https://")
    expect(url_field).to_have_attribute("aria-invalid", "true")
    expect(url_field).to_be_focused()
    expect(page.locator("#form-error")).to_be_empty()
    expect(page.locator("#result")).to_be_hidden()


def test_a_failed_attempt_does_not_leave_the_previous_link_on_screen(page: Page, app_url: str, target_url: str) -> None:
    shorten(page, app_url, f"{target_url}/first-attempt")
    short_url_of(page, app_url)

    page.get_by_label("Long URL").fill("ftp://example.com/second-attempt")
    page.get_by_role("button", name="Shorten").click()

    expect(page.locator("#url-error")).to_have_text("url must start with http:// or https://")
    expect(page.locator("#result")).to_be_hidden()


def test_a_taken_alias_is_explained_next_to_the_alias_field(page: Page, app_url: str, target_url: str) -> None:
    alias = f"taken-{secrets.token_hex(4)}"
    shorten(page, app_url, f"{target_url}/first", alias=alias)
    expect(page.locator("#short-url")).to_have_text(f"{app_url}/{alias}")

    shorten(page, app_url, f"{target_url}/second", alias=alias)

    expect(page.get_by_label("Alias")).to_have_accessible_description(re.compile(f"alias '{alias}' is already taken"))
    expect(page.locator("#url-error")).to_be_empty()


def test_copy_button_puts_the_short_url_on_the_clipboard(page: Page, app_url: str, target_url: str) -> None:
    shorten(page, app_url, f"{target_url}/copied")
    short_url = short_url_of(page, app_url)

    page.get_by_role("button", name="Copy").click()

    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == short_url


def test_copy_falls_back_to_selecting_the_link_without_the_async_clipboard(
    page: Page, app_url: str, target_url: str
) -> None:
    # As on plain http from a LAN address, where browsers hide navigator.clipboard.
    page.add_init_script("Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined })")
    shorten(page, app_url, f"{target_url}/fallback")
    short_url = short_url_of(page, app_url)

    page.get_by_role("button", name="Copy").click()

    expect(page.locator("#copy-status")).to_have_text(re.compile(r"^(Copied to the clipboard\.|Press Ctrl\+C)"))
    assert page.evaluate("window.getSelection().toString()") == short_url


def test_the_page_works_from_the_keyboard_alone(page: Page, app_url: str, target_url: str) -> None:
    page.goto(f"{app_url}/")

    page.keyboard.press("Tab")
    expect(page.get_by_label("Long URL")).to_be_focused()
    page.keyboard.type(f"{target_url}/keyboard")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Alias")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Expires after")).to_be_focused()
    page.keyboard.type("7")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Your short link")).to_be_focused()
    expect(page.locator("#expires")).to_have_text(re.compile(r"^Expires on "))
    page.keyboard.press("Tab")
    expect(page.locator("#short-url")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Copy")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#copy-status")).to_have_text("Copied to the clipboard.")


def test_the_page_fits_a_phone_width_screen(page: Page, app_url: str, target_url: str) -> None:
    page.set_viewport_size({"width": 360, "height": 740})

    shorten(page, app_url, f"{target_url}/{'a-rather-long-path-segment/' * 12}")

    short_url_of(page, app_url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for field in ("Long URL", "Alias", "Expires after"):
        box = page.get_by_label(field).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
