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
    assert ring_on(page, house.geom.y, house.geom.x) < 3
    # The businesses page scans around the place found, its circle framed whole.
    page.wait_for_selector("#scan-total")
    circle, pane = page.locator("path.scan-circle").bounding_box(), page.locator("#map").bounding_box()
    assert pane["y"] <= circle["y"] and circle["y"] + circle["height"] <= pane["y"] + pane["height"], (circle, pane)

    page.evaluate("delete document.getElementById('map').dataset.searchResult")
    box.fill("")
    box.type("zzqx wvvk", delay=15)
    page.wait_for_function("() => document.getElementById('search-status').textContent.length > 0")
    assert page.locator("#search-suggestions li").count() == 0
    assert not page.evaluate("document.getElementById('map').dataset.searchResult")
    assert not page.console_errors, page.console_errors


def test_a_missing_number_says_which_it_shows_and_a_street_alone_finds_the_street(demo, live_server, page):
    house = HouseNumber.objects.filter(status="active", alleys=[]).select_related("street").order_by("pk").first()
    street = house.street
    taken = set(HouseNumber.objects.filter(street=street).values_list("number", flat=True))
    missing = next(str(n) for n in range(9001, 9999, 2) if str(n) not in taken)
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    box = page.locator("#address-search")
    box.fill(f"{missing} {street.name}")
    box.press("Enter")  # before any suggestion: the geocoder's nearest number on the same side
    page.wait_for_function("() => document.getElementById('map').dataset.searchResult")
    shown = page.evaluate("document.getElementById('map').dataset.searchResult")
    said = page.inner_text("#search-status")
    assert said.startswith(f"Không có số {missing} trên đường này") and not shown.startswith(missing), (said, shown)
    nearest = said.rsplit(" ", 1)[-1]
    assert shown.startswith(f"{nearest} ") and int(nearest) % 2 == int(missing) % 2

    # The street's name alone: Enter takes the first suggestion, the street.
    page.evaluate("delete document.getElementById('map').dataset.searchResult")
    box.fill("")
    box.type(fold(street.name), delay=15)
    page.locator("#search-suggestions li").first.wait_for()
    box.press("Enter")
    page.wait_for_function("() => document.getElementById('map').dataset.searchResult")
    assert page.evaluate("document.getElementById('map').dataset.searchResult").startswith(street.name)
    assert page.inner_text("#search-status") == ""
    assert not page.console_errors, page.console_errors
