"""The portal's own basemap in a real browser: a citizen on a phone sees street names around the map's centre,
drawn from /tiles/basemap/… by protomaps-leaflet, and no request leaves the portal."""

from __future__ import annotations

import pytest

from households.models import Street

pytestmark = pytest.mark.browser


def test_a_citizen_on_a_phone_sees_street_names_and_nothing_leaves_the_portal(browser, live_server, demo_ward):
    streets = set(Street.objects.filter(ward=demo_ward).values_list("name", flat=True))
    centre = demo_ward.boundary.point_on_surface
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True
    )
    page = context.new_page()
    page.set_default_timeout(40_000)  # the first page of a fresh live server on a busy 2-core machine
    requested = []
    page.on("request", lambda req: requested.append(req.url))
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    try:
        with page.expect_response(lambda r: "/tiles/basemap/" in r.url and r.status == 200):
            page.goto("/businesses/")
            # Once the page has placed its map (on the home wards), or that would undo this view.
            page.wait_for_selector("#map[data-loaded='true']")
            page.evaluate(f"void portalMap.setView([{centre.y}, {centre.x}], 17, {{ animate: false }})")
        page.wait_for_function("() => portalMap.basemap && portalMap.basemap.drawnLabels.size > 0")
        page.wait_for_function(
            "(names) => [...portalMap.basemap.drawnLabels.keys()].some((n) => names.includes(n))", arg=sorted(streets)
        )
        drawn = set(page.evaluate("[...portalMap.basemap.drawnLabels.keys()]"))
        # The labels drawn are the ward's own street names (and its ward / khu phố names), on canvas tiles
        # of the basemap in the map's visible part.
        assert drawn & streets
        assert page.locator("#map canvas.leaflet-tile").count() > 0
        box = page.locator("#map").bounding_box()
        assert box["width"] >= 300 and box["height"] >= 300
        page.screenshot(path="/tmp/basemap_phone.png")
        outside = [u for u in requested if not u.startswith(live_server.url) and not u.startswith(("data:", "blob:"))]
        assert outside == []
        assert errors == []
    finally:
        context.close()
