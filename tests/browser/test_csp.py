"""The Content-Security-Policy holds on every page: each page the portal has, as every role that sees it, is walked in
Chromium and any `securitypolicyviolation` (a refused inline script or style, an outside host) fails the test.

The listener is installed before any page script runs (Playwright's init scripts are not subject to the page's
CSP), so a violation while the page starts up is caught too.
"""

from __future__ import annotations

import pytest

from tests.browser.portal_pages import PAGES, ROLES, fill_world, settle, track
from tests.browser.session import logged_in
from tests.layers.reports.samples import file

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push({
  directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample,
}));
"""

# Pages portal_pages.PAGES leaves out (they have no map or are reached from another page), with their ready element.
MORE_PAGES = [
    ("/leader/dashboard/", "body"),
    ("/layers/themes/", "body"),
    ("/reports/", "body"),
    ("/reports/new/", "body"),
    ("/reports/queue/", "body"),
    ("/account/tokens/", "body"),
    ("/api/docs/", "body"),
    ("/no-such-page/", "body"),  # the portal's own 404 page
]
ADMIN_PAGES = [
    ("/admin/", "body"),
    ("/admin/auth/user/", "body"),
    ("/admin/auth/user/add/", "body"),
    ("/admin/gisportal/auditentry/", "body"),
]


def violations_on(page, url: str, ready: str) -> list[dict]:
    page.goto(url)
    settle(page, ready)
    found = page.evaluate("() => window.__csp")
    found += [{"console": text} for text in page.console_errors if "Content Security Policy" in text]
    page.console_errors.clear()
    return found


def test_an_inline_script_is_refused_and_reported(live_world, page):
    """The walk below can fail: an inline script put into a page is refused and seen as a violation."""
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


@pytest.mark.parametrize("role", ROLES)
def test_no_page_violates_the_policy(live_world, live_server, page, role):
    fill_world(live_world)
    code = file().json()["code"]  # a citizen's report, so its public page and printable sheet exist
    pages = PAGES + MORE_PAGES + [(f"/reports/{code}/", "body"), (f"/reports/{code}/print/", "body")]
    if role == "admin":  # Django's admin pages too (its own templates), as a staff administrator sees them
        pages += ADMIN_PAGES
        root = live_world.users["admin"]
        root.is_staff = root.is_superuser = True
        root.save()
    if role != "anonymous":
        logged_in(page, live_world.users[role], live_server.url, language="vi")
    page.add_init_script(LISTEN)
    track(page)
    found = {url: bad for url, ready in pages if (bad := violations_on(page, url, ready))}
    assert found == {}, f"CSP violations as {role}: {found}"
