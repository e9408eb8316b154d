"""Playwright on Debian's Chromium (never `playwright install`)."""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the test itself only
# touches the database through fixtures, before the browser starts.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in the test thread while it is
# open, and a later test of another folder on the same worker that reaches async_to_sync (the ASGI fast path, the
# event hub) would fail on it. A browser starts in about a second.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "Debian's chromium is missing: run `make test`, which installs it"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.requested_urls = []
    page.on("request", lambda req: page.requested_urls.append(req.url))
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    yield page
    context.close()
