"""The Content-Security-Policy check of the walk of every page as every role (test_page_walk.py) can fail: an inline
script put into a page is refused and seen as a violation by the same listener."""

from __future__ import annotations

import pytest

from tests.browser.page_checks import LISTEN
from tests.browser.portal_pages import settle, track

pytestmark = pytest.mark.browser


def test_an_inline_script_is_refused_and_reported(live_world, page):
    """An inline script and an inline style put into a page are refused, and seen as violations."""
    page.add_init_script(LISTEN)
    track(page)
    page.goto("/login/")
    settle(page, "form")
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = 1";
                   document.body.append(s);
                   const d = document.createElement("div"); d.setAttribute("style", "color: red");
                   document.body.append(d); }"""
    )
    page.wait_for_function("() => window.__csp.length >= 2")
    assert page.evaluate("() => window.__ran") is None
    directives = {v["directive"] for v in page.evaluate("() => window.__csp")}
    assert {"script-src-elem", "style-src-attr"} <= directives
