"""Playwright on Debian's Chromium (never `playwright install`)."""

from __future__ import annotations

import os
import time

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
    # The page's requests still in flight when the test ends (a map's tiles after a save) are still running their
    # queries in the live server when the transactional tests' flush truncates every table; the two took their
    # locks in opposite orders and PostgreSQL broke the deadlock by failing the flush, which failed the next test
    # too. Each is waited for (not an event stream, which never ends), up to a few seconds.
    in_flight: set = set()
    page.on("request", lambda req: req.resource_type != "eventsource" and in_flight.add(req))
    page.on("requestfinished", lambda req: in_flight.discard(req))
    page.on("requestfailed", lambda req: in_flight.discard(req))
    yield page
    deadline = time.monotonic() + 5
    while in_flight and time.monotonic() < deadline and not page.is_closed():
        page.wait_for_timeout(50)
    context.close()
