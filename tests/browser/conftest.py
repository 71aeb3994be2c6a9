"""Headless Chromium (Debian's, never a downloaded one) against the real `make run` server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, sync_playwright

from devkit.local_server import ROOT, LocalStack
from tests.support.target_site import target_site

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-output" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root in a container has no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-background-networking",  # no update checks or other calls home during tests
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """The local stack's base URL: `python -m devserver` on a free port (as the e2e tests start
    it), or APP_URL if set (an already running `make run`, to iterate faster)."""
    if existing := os.environ.get("APP_URL"):
        yield existing.rstrip("/")
        return
    with LocalStack(None, "--no-prewarm") as stack:
        yield stack.url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "devserver.log").write_text(stack.output)  # what the server and functions printed


@pytest.fixture(scope="session")
def target_url() -> Iterator[str]:
    with target_site() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Debian's Chromium at {CHROMIUM}: `make browser` installs it with apt-get "
            "(as root); Playwright's own browser downloads are not used"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, app_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab that fails the test on a script error or a CSP violation, and leaves a screenshot
    of where it ended (pass or fail) in test-output/browser/<test name>.png."""
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(message.text)

    def on_page_error(error: Error) -> None:
        problems.append(f"{error.name}: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{request.node.name}.png", full_page=True)
    assert problems == [], "the page hit script errors or CSP violations"
