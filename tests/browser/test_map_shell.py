"""The map page in a real browser: the ward drawn, layers listed, nothing fetched from outside."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from gisportal.demo import DemoContext, run

pytestmark = pytest.mark.browser


def test_map_draws_the_demo_ward_offline_and_switches_language(transactional_db, live_server, page):
    run(DemoContext(password="pw-demo-1", log=lambda _m: None))
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    # The ward boundary is an SVG path Leaflet drew, with a real extent on screen.
    ward_path = page.locator("path.ward-boundary")
    assert ward_path.count() == 1
    box = ward_path.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    assert page.locator("path.khu-pho-boundary").count() >= 5
    assert page.locator("path.poi").count() >= 10
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
    page.wait_for_selector("#map[data-loaded='true']")
    assert "Ward boundary" in page.locator(".leaflet-control-layers").inner_text()


def test_configured_basemap_is_requested(transactional_db, live_server, page, settings):
    settings.BASEMAP_URL = f"{live_server.url}/static/tiles-test/{{z}}/{{x}}/{{y}}.png"
    run(DemoContext(password="pw-demo-1", log=lambda _m: None))
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    assert any("/static/tiles-test/" in u for u in page.requested_urls)
    page.console_errors.clear()  # the test tiles do not exist; only the request matters
