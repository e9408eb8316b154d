"""One language at a time: the list of English words the walk of every page as every role looks for
(test_page_walk.py) is the portal's own, dates and numbers follow vi-VN, and the language switch keeps the page's
state (its query, hash and an open form's values).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.page_checks import english_phrases
from tests.browser.portal_pages import fill_world, settle
from tests.browser.session import logged_in

pytestmark = pytest.mark.browser


def test_the_english_list_is_the_portals_own():
    phrases, _ = english_phrases()
    assert {"source kind", "fee status", "contact phone", "healthy", "log out"} <= phrases
    assert "api" not in phrases


def test_numbers_and_dates_follow_the_page_language(live_world, live_server, page):
    fill_world(live_world)
    logged_in(page, live_world.users["ward_officer"], live_server.url, language="vi")
    page.goto("/businesses/")
    settle(page, "#map")
    formatted = page.evaluate(
        """async () => {
            const f = await import('/static/frontend/js/i18n_format.js');
            return [f.formatNumber(1200), f.formatNumber(1123.5), f.formatDate('2026-12-04'),
                    f.formatDateTime('2026-12-04T09:05:00+07:00'), f.parseDate('04/12/2026')];
        }"""
    )
    assert formatted[0] == "1.200" and formatted[1] == "1.123,5"
    assert formatted[2] == "04/12/2026" and formatted[3].startswith("04/12/2026") and formatted[4] == "2026-12-04"


def test_the_language_switch_keeps_the_query_hash_and_form(live_world, live_server, page):
    fill_world(live_world)
    logged_in(page, live_world.users["ward_officer"], live_server.url, language="vi")
    page.goto("/businesses/?ward=1#map=17/10.78/106.70")
    settle(page, "#map")
    name = page.locator("input[type=text], input[type=search]").first
    name.fill("Phở Hòa Bình")
    page.click("#lang-en")
    page.wait_for_selector("#lang-vi")
    assert page.url.endswith("/businesses/?ward=1#map=17/10.78/106.70")
    assert page.evaluate("document.documentElement.lang") == "en"
    # The address box is added by a module that loads after the first tiles: its value comes back when it appears.
    expect(page.locator("input[type=text], input[type=search]").first).to_have_value("Phở Hòa Bình")
