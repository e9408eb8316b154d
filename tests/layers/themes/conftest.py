"""The browser fixtures (Chromium through Playwright) for this folder's browser test."""

from tests.browser.conftest import browser, page  # noqa: F401
