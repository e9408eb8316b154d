"""Every page the portal has, as every role, walked once in Chromium; each page it loads is checked three ways:

- the Content-Security-Policy holds: any `securitypolicyviolation` (a refused inline script or style, an outside
  host) fails the walk. The listener is installed before any page script runs (Playwright's init scripts are not
  subject to the page's CSP), so a violation while the page starts up is caught too. test_csp.py shows it can fail;
- on the pages of portal_pages.PAGES, axe-core (from npm, copied by scripts/vendor_assets.sh) finds no serious or
  critical violation;
- on the same pages, the Vietnamese page shows no English word of the portal's own strings (the English words are
  listed by page_checks.english_phrases; test_language.py shows the list is the portal's own). Chromium is an
  en-US browser, as on most officers' machines: the portal is Vietnamese unless the visitor chose English.

One walk per role, not one per check: the three checks used to walk the same pages three times.
"""

from __future__ import annotations

import pytest

from tests.browser.page_checks import (
    ADMIN_PAGES,
    AXE,
    LISTEN,
    MORE_PAGES,
    axe_violations,
    csp_violations,
    english_on,
    english_phrases,
    visible_text,
)
from tests.browser.portal_pages import PAGES, ROLES, fill_world, settle, track
from tests.browser.session import logged_in
from tests.layers.reports.samples import file

pytestmark = pytest.mark.browser


def language_problems(page, url: str, phrases: set[str]) -> list[str]:
    if url.startswith("/layers/edit/"):
        # The form of a feature: its labels and choices are what officers read most.
        if page.locator(".layer-feature").count():
            page.locator(".layer-feature").first.click()
            page.wait_for_selector("#feature-form:not([hidden])")
    words = english_on(visible_text(page), phrases)
    if page.locator("input[type=date]").count():
        words.append("<input type=date> (shown in the browser's format, mm/dd/yyyy)")
    return words


@pytest.mark.parametrize("role", ROLES)
def test_every_page_keeps_the_policy_passes_axe_and_speaks_vietnamese(live_world, live_server, page, role):
    assert AXE.exists(), "axe-core is missing: scripts/vendor_assets.sh copies it from node_modules"
    fill_world(live_world)
    phrases, _ = english_phrases()
    code = file().json()["code"]  # a citizen's report, so its public page and printable sheet exist
    checked = [url for url, _ in PAGES]
    pages = PAGES + [(url, ready) for url, ready in MORE_PAGES if url not in checked]
    pages += [(f"/reports/{code}/", "body"), (f"/reports/{code}/print/", "body")]
    if role == "admin":  # Django's admin pages too (its own templates), as a staff administrator sees them
        pages += ADMIN_PAGES
        root = live_world.users["admin"]
        root.is_staff = root.is_superuser = True
        root.save()
    if role != "anonymous":
        logged_in(page, live_world.users[role], live_server.url, language="vi")
    page.add_init_script(LISTEN)
    track(page)
    csp, axe, english = {}, {}, {}
    for url, ready in pages:
        page.console_errors.clear()
        page.goto(url)
        settle(page, ready)
        if bad := csp_violations(page):
            csp[url] = bad
        if url not in checked:
            continue
        if bad := axe_violations(page):
            axe[url] = bad
        if words := language_problems(page, url, phrases):
            english[url] = words
    assert csp == {}, f"CSP violations as {role}: {csp}"
    assert axe == {}, f"axe-core as {role}: {axe}"
    assert english == {}, f"English on Vietnamese pages as {role}: {english}"
