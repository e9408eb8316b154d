"""The businesses vector-tile overlay in a real browser: tiles fetched, circles drawn, a popup of public fields."""

from __future__ import annotations

import random
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import Point

from tests.browser.session import logged_in
from tests.factories import BusinessFactory

pytestmark = pytest.mark.browser

PHO_HOA = (10.781, 106.695)  # the world's first business (lat, lon)
TILES_IDLE = """() => { let grid = null;
                       portalMap.eachLayer((layer) => { if (layer instanceof L.VectorGrid) grid = layer; });
                       return !!grid && !grid.isLoading(); }"""


def drawn_at(page, x: float, y: float) -> bool:
    """Whether the element under the page point is a circle of the businesses tile layer."""
    return page.evaluate(
        """([x, y]) => {
             const el = document.elementFromPoint(x, y);
             return !!el && el.tagName === "path" && !!el.closest(".tiles-businesses");
           }""",
        [x, y],
    )


def test_businesses_are_drawn_from_vector_tiles_with_a_public_popup(live_world, live_server, page):
    rng = random.Random(11)
    for i in range(40):  # a cluster's worth, ~500 m south of Phở Hòa
        BusinessFactory(
            ward=live_world.ward_a,
            khu_pho=live_world.kp_a1,
            signboard=f"Quán Gần {i}",
            geom=Point(106.695 + rng.uniform(-0.002, 0.002), 10.776 + rng.uniform(-0.002, 0.002), srid=4326),
        )

    # Uncaught exceptions are not console messages: VectorGrid's point clicks used to die silently.
    page_errors = []
    page.on("pageerror", lambda err: page_errors.append(str(err)))
    with page.expect_response(lambda r: "/tiles/businesses/" in r.url and r.status == 200):
        page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    assert "Hộ kinh doanh" in page.locator(".leaflet-control-layers").inner_text()
    # At the ward's zoom the tiles hold clusters, drawn as circles in the tile layer.
    assert page.evaluate("portalMap.getZoom()") < 16
    page.wait_for_function("() => document.querySelectorAll('.tiles-businesses path').length > 0")
    page.screenshot(path="/tmp/tiles_ward.png")

    # A click on a cluster zooms towards it.
    zoom = page.evaluate("portalMap.getZoom()")
    circle = page.locator(".tiles-businesses path").first.bounding_box()
    page.mouse.click(circle["x"] + circle["width"] / 2, circle["y"] + circle["height"] / 2)
    page.wait_for_function(f"() => portalMap.getZoom() > {zoom}")
    page.wait_for_function(TILES_IDLE)

    # Zoomed in on Phở Hòa the tiles hold the businesses themselves; its circle is where it should be.
    with page.expect_response(lambda r: "/tiles/businesses/17/" in r.url and r.status == 200):
        page.evaluate(f"void portalMap.setView([{PHO_HOA[0]}, {PHO_HOA[1]}], 17, {{animate: false}})")
    cx, cy = page.evaluate(
        f"(() => {{ const p = portalMap.latLngToContainerPoint([{PHO_HOA[0]}, {PHO_HOA[1]}]); return [p.x, p.y]; }})()"
    )
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + cx, box["y"] + cy
    page.wait_for_function(
        """([x, y]) => { const el = document.elementFromPoint(x, y);
                         return !!el && el.tagName === "path" && !!el.closest(".tiles-businesses"); }""",
        arg=[x, y],
    )
    assert drawn_at(page, x, y)

    page.mouse.click(x, y)
    popup = page.locator(".tile-popup-businesses")
    popup.wait_for()
    text = popup.inner_text()
    assert "Phở Hòa" in text and "Biển hiệu" in text and "Địa chỉ" in text
    # Its status in words, not the stored code.
    assert "Đang hoạt động" in text and "active" not in text, text
    # Public fields only, even though the map was drawn from the same tiles officers get.
    assert "Chủ Phở Một" not in page.content() and "0971000001" not in page.content()

    host = urlparse(live_server.url).netloc
    assert all(urlparse(u).netloc in (host, "") for u in page.requested_urls)
    assert not page.console_errors, page.console_errors
    assert not page_errors, page_errors


def test_a_leaders_map_redraws_a_layer_when_an_officer_saves_in_their_wards(live_world, live_server, page):
    from django.test import Client

    logged_in(page, live_world.users["district_leader"], live_server.url)
    page.goto("/?view=map")  # a leader's own / is their figures page
    page.wait_for_selector("#map[data-loaded='true']")
    # Close enough that each business is its own point: Phở Hòa and nothing else in view.
    page.evaluate(f"void portalMap.setView([{PHO_HOA[0]}, {PHO_HOA[1]}], 18, {{ animate: false }})")
    page.wait_for_function(TILES_IDLE)
    page.wait_for_function("() => document.querySelectorAll('.tiles-businesses path').length === 1")

    # An officer registers a business next door (through the API, as the editor does).
    officer = Client()
    officer.force_login(live_world.users["ward_officer"])
    new = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [PHO_HOA[1] + 0.0002, PHO_HOA[0]]},
        "properties": {
            "registration_no": "41A8LIVE001",
            "signboard": "Bánh Mì Mới",
            "owner_name": "Chủ Mới",
            "industry_code": "5610",
            "address_current": "12 Đường Thử, Phường An Nhơn",
            "registered_on": "2025-08-01",
        },
    }
    created = officer.post("/api/v1/businesses/", new, content_type="application/json")
    assert created.status_code == 201, created.json()

    # Without a reload, the leader's map fetches the businesses' tiles again and draws the new one.
    page.wait_for_function("() => document.getElementById('map').dataset.liveReloads === '1'", timeout=20_000)
    page.wait_for_function("() => document.querySelectorAll('.tiles-businesses path').length === 2")
    assert page.console_errors == []
