"""The map page in a real browser: the ward drawn, layers listed, nothing fetched from outside."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from layers.demo import WARD_CODE

pytestmark = pytest.mark.browser


def test_map_draws_the_demo_ward_offline_and_switches_language(live_server, page, settings):
    settings.PORTAL_HOME_WARDS = [WARD_CODE]  # as `make run` sets it
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    # Each ward boundary is an SVG path Leaflet drew: the demo ward and the forest board's commune 30 km
    # south. The map opens on the home ward, which fills the view (over both it would be ~40 px wide).
    ward_paths = page.locator("path.ward-boundary")
    assert ward_paths.count() == 2
    boxes = [ward_paths.nth(i).bounding_box() for i in range(2)]
    assert any(b and b["width"] > 100 and b["height"] > 100 for b in boxes), boxes
    assert page.locator("path.khu-pho-boundary").count() >= 5
    assert page.locator("path.poi").count() >= 10
    assert page.locator("path.poi").first.is_visible()
    # Zoomed out to the city, the ward's offices, schools and clinics step aside for the clusters; back in, they return.
    for zoom, shown in ((13, False), (15, True)):
        page.evaluate(f"void window.portalMap.setZoom({zoom}, {{ animate: false }})")  # `void`: no map to send back
        page.wait_for_function(f"() => window.portalMap.getZoom() === {zoom}")
        assert page.locator("path.poi").first.is_visible() is shown, zoom
        assert page.get_by_label("Cơ quan, trường học, y tế").is_checked()  # the layer itself stays on
    control = page.locator(".leaflet-control-layers")
    assert "Ranh giới phường" in control.inner_text()
    assert "Khu phố" in control.inner_text()

    # Toggling a layer off in the switcher removes it from the map.
    page.get_by_label("Ranh giới phường").uncheck()
    assert page.locator("path.ward-boundary").count() == 0
    page.get_by_label("Ranh giới phường").check()

    # No basemap configured: every request stayed on the portal.
    host = urlparse(live_server.url).netloc
    outside = [u for u in page.requested_urls if urlparse(u).netloc not in (host, "")]
    assert not outside, outside
    assert not page.console_errors, page.console_errors

    page.click("#lang-en")
    page.wait_for_selector("#lang-vi")  # the switch reloads the same address: wait for the English page
    page.wait_for_selector("#map[data-loaded='true']")
    assert "Ward boundary" in page.locator(".leaflet-control-layers").inner_text()


def test_configured_basemap_is_requested(live_server, page, settings):
    settings.BASEMAP_URL = f"{live_server.url}/static/tiles-test/{{z}}/{{x}}/{{y}}.png"
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    assert any("/static/tiles-test/" in u for u in page.requested_urls)
    page.console_errors.clear()  # the test tiles do not exist; only the request matters
