"""Officers on a phone (390 × 844, touch), in Vietnamese: every map page they work on shows its map across the
screen above its tools, the statistics page shows its results, and no page is wider than the screen.

Side by side, as on a desktop, the tools' 26rem panel left the map 0 px wide on a phone (and the business
editor then asked for a bounding box with west = east, a 400).
"""

from __future__ import annotations

import pytest

from tests.browser.portal_pages import fill_world, settle, track
from tests.browser.session import logged_in
from tests.browser.test_reports_phone import PHONE, phone

pytestmark = pytest.mark.browser

PAGES = {
    "ward_officer": [
        "/businesses/edit/",
        "/layers/edit/?layer=waste_points",
        "/households/report/",
        "/businesses/stats/",
    ],
    "land_officer": ["/land/parcels/", "/land/detection/", "/layers/forest/", "/land/imagery/"],
    "district_leader": ["/leader/dashboard/", "/businesses/stats/"],
}

MEASURE = """() => {
  const box = (sel) => { const e = document.querySelector(sel); if (!e) return null;
                         const r = e.getBoundingClientRect(); return [r.width, r.height]; };
  return { map: box('.leaflet-container') || box('.compare-maps'),
           results: box('.stats-main'), scroll: document.documentElement.scrollWidth, width: innerWidth };
}"""


def test_every_officers_pages_fit_a_phone_with_the_map_across_it(live_world, live_server, browser):
    fill_world(live_world)  # one world for the three roles: each test world costs a build and a flush
    problems = {}
    for role, urls in PAGES.items():
        page = phone(browser, live_server)
        logged_in(page, live_world.users[role], live_server.url, language="vi")
        track(page)
        for url in urls:
            page.console_errors.clear()
            page.goto(url)
            settle(page, "body")
            if wrong := _misfits(page, url):
                problems[f"{role} {url}"] = wrong
        page.context.close()
    assert problems == {}, problems


def _misfits(page, url: str) -> list[str]:
    seen = page.evaluate(MEASURE)
    wrong = []
    # Against the phone's own width: a mobile browser widens its layout viewport (innerWidth) to a page that
    # overflows, and zooms out.
    if max(seen["scroll"], seen["width"]) > PHONE["width"] + 1:
        wrong.append(f"page {seen['scroll']} px wide on a {PHONE['width']} px screen")
    if url.startswith("/businesses/stats/"):
        if seen["results"] is None or seen["results"][0] < 0.9 * PHONE["width"]:
            wrong.append(f"results {seen['results']}")
    elif seen["map"] is None or seen["map"][0] < 0.9 * PHONE["width"] or seen["map"][1] < 300:
        wrong.append(f"map {seen['map']}")
    if url == "/businesses/edit/":  # at a street's scale: at z17 a dense ward was a carpet of pins
        page.wait_for_selector("#map[data-loaded='true']")
        if (zoom := page.evaluate("window.portalMap.getZoom()")) < 18:
            wrong.append(f"opens at z{zoom}")
    if page.console_errors:
        wrong.append(f"console: {page.console_errors}")
    return wrong
