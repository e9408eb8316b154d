"""Address search on the maps, in Chromium at 1366 × 800: suggestions as one types (no accents, deep alleys),
the keyboard, an old ward name, and what the search shows where it lands."""

from __future__ import annotations

import pytest

from gisportal.text import fold
from households.models import HouseNumber
from layers.demo import WARD_CODE
from layers.models import AdminUnit
from tests.browser.demo.search_marks import metres, ring_on

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(demo_ward, settings):
    settings.PORTAL_HOME_WARDS = [WARD_CODE]


def view(page) -> tuple[float, float, int]:
    return tuple(page.evaluate("(m => [m.getCenter().lat, m.getCenter().lng, m.getZoom()])(window.portalMap)"))


def deepest_house() -> HouseNumber:
    houses = HouseNumber.objects.filter(status="active").exclude(alleys=[]).select_related("street")
    return max(houses, key=lambda h: (len(h.alleys), -h.pk))


def test_suggestions_without_accents_and_the_keyboard_fly_to_a_deep_alley(demo, live_server, page):
    page.set_viewport_size({"width": 1366, "height": 800})
    house = deepest_house()
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    typed = f"{house.number.lower()} {fold(house.street.name)}"
    page.locator("#address-search").type(typed, delay=15)
    first = page.locator("#search-suggestions li").first
    first.wait_for()
    assert first.inner_text() == house.address
    page.keyboard.press("ArrowDown")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('map').dataset.searchResult")
    lat, lon, zoom = view(page)
    assert metres(lat, lon, house.geom.y, house.geom.x) < 60 and zoom >= 18  # the popup pans a little
    assert ring_on(page, house.geom.y, house.geom.x) < 3
    assert page.locator("path.search-hit").count() == 1
    popup = page.locator(".search-result-popup")
    assert house.number in popup.locator(".search-popup-number").inner_text()
    assert popup.locator(".search-here li").count() >= 1  # what is there, or that nothing is
    assert not page.console_errors, page.console_errors


def test_an_old_ward_name_and_a_typo_still_find_the_house_and_nonsense_says_so(demo, live_server, page):
    old = AdminUnit.objects.filter(level="ward", successor__code=WARD_CODE).select_related("parent").first()
    house = HouseNumber.objects.filter(status="active", alleys=[]).select_related("street").order_by("pk").first()
    page.goto("/businesses/")  # the search is on every citizen's map
    page.wait_for_selector("#map[data-loaded='true']")
    box = page.locator("#address-search")
    box.fill(f"{house.number} {house.street.name}, {old.name}, {old.parent.name}")
    box.press("Enter")  # no suggestion picked: the geocoder's best place
    page.wait_for_function("() => document.getElementById('map').dataset.searchResult")
    lat, lon, _zoom = view(page)
    assert metres(lat, lon, house.geom.y, house.geom.x) < 60
    assert ring_on(page, house.geom.y, house.geom.x) < 3
    # The businesses page scans around the place found.
    page.wait_for_selector("#scan-total")

    page.evaluate("delete document.getElementById('map').dataset.searchResult")
    box.fill("")
    box.type("zzqx wvvk", delay=15)
    page.wait_for_function("() => document.getElementById('search-status').textContent.length > 0")
    assert page.locator("#search-suggestions li").count() == 0
    assert not page.evaluate("document.getElementById('map').dataset.searchResult")
    assert not page.console_errors, page.console_errors
