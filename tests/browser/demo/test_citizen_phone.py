"""A citizen on a phone (390 × 844, touch): searches an address, scans 500 m and sees every business counted
and drawn, checks a signboard name; and the legend at 1366 × 800 lists the layers shown with their symbols."""

from __future__ import annotations

import pytest
from django.contrib.gis.db.models import Collect
from django.contrib.gis.db.models.functions import Distance

from businesses.models import Business
from gisportal.text import fold
from households.models import HouseNumber, Street
from layers.demo import WARD_CODE
from tests.browser.demo.search_marks import ring_on

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(demo_ward, settings):
    settings.PORTAL_HOME_WARDS = [WARD_CODE]  # as `make run` does: open on the ward, not on Cần Giờ too


def phone_page(browser, live_server, width: int = 390):
    context = browser.new_context(
        base_url=live_server.url, locale="vi-VN", viewport={**PHONE, "width": width}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    return page


def small_targets(page, selector: str) -> list[str]:
    """The visible controls matching `selector` smaller than 44 × 44 px (WCAG 2.5.5)."""
    return page.evaluate(
        """(sel) => [...document.querySelectorAll(sel)].filter((e) => e.offsetParent !== null).map((e) => {
             const r = e.getBoundingClientRect();
             const name = e.id || e.className || e.tagName;
             return r.width >= 44 && r.height >= 44 ? null : `${name} ${r.width}×${r.height}`;
           }).filter(Boolean)""",
        selector,
    )


def test_a_citizen_searches_scans_and_checks_a_name_on_a_phone(demo, live_server, browser):
    # A house in an alley amid the ward's businesses (the middle of the active ones).
    middle = Business.objects.filter(status="active", is_deleted=False).aggregate(c=Collect("geom"))["c"].centroid
    house = (
        HouseNumber.objects.filter(status="active", alleys__len=1)
        .annotate(d=Distance("geom", middle))
        .select_related("street")
        .order_by("d", "id")
        .first()
    )
    typed = f"{house.number.lower()} {' '.join(fold(house.street.name).split()[-2:])}"  # no accents, half the name
    page = phone_page(browser, live_server)
    page.goto("/businesses/")
    page.wait_for_selector("#map[data-loaded='true']")
    box = page.locator("#map").bounding_box()
    assert box["width"] >= 389 and box["height"] >= 700, box  # the map fills the screen under the top bar

    # Search: suggestions while typing, a tap flies to the house and scans around it (the sheet says what is there).
    page.locator("#address-search").type(typed, delay=20)
    option = page.locator("#search-suggestions li", has_text=house.address.split(",")[0]).first
    page.evaluate("portalMap.basemap.drawnLabels.clear()")  # from here on: the labels drawn around the house
    option.tap()
    page.wait_for_function("() => document.getElementById('map').dataset.searchResult")
    assert ring_on(page, house.geom.y, house.geom.x) < 3
    # The scan there is framed whole above the sheet: what is counted is what is seen.
    page.wait_for_selector("#scan-total")
    circle = page.locator("path.scan-circle").bounding_box()
    sheet_top = page.locator("#sheet").bounding_box()["y"]
    assert circle["y"] >= 40 and circle["y"] + circle["height"] <= sheet_top + 1, (circle, sheet_top)
    assert circle["x"] >= 0 and circle["x"] + circle["width"] <= PHONE["width"], circle
    # The street names around it, on the portal's basemap (basemap.js notes each label it draws on its canvas).
    streets = sorted(set(Street.objects.filter(ward_id=house.street.ward_id).values_list("name", flat=True)))
    page.wait_for_function(
        "(names) => [...portalMap.basemap.drawnLabels.keys()].some((n) => names.includes(n))", arg=streets
    )

    # Scan 500 m there: every business counted is drawn, and the count is the API's.
    page.locator("#radius").fill("500")
    page.locator("#radius").dispatch_event("change")
    page.wait_for_function("() => document.getElementById('map').dataset.scan === 'drawn'", timeout=60_000)
    total = int(page.inner_text("#scan-total"))
    scan_url = page.evaluate(
        "performance.getEntriesByType('resource').map((e) => e.name).filter((u) => u.includes('radius_m=500')).pop()"
    )
    api = page.request.get(scan_url).json()
    assert total == api["total"] > 200, (total, api["total"])  # more than one page: all of them, not a top 200
    assert page.locator("path.hit").count() == total
    assert page.locator("#map").get_attribute("data-drawn") == str(total)
    assert f"{total}" in page.inner_text("#scan-drawn")
    # Industries in words, and "showing N of M" where the chart is cut; facilities on the map, nearest first.
    chart = page.inner_text("#industry-chart")
    assert any(c["name"] in chart for c in api["by_industry"][:3])
    # Whole names, wrapped: cut to one line with an ellipsis, two VSIC codes read alike.
    clipped = page.locator("#industry-chart .bar-name").evaluate_all(
        "ns => ns.filter((n) => n.scrollWidth > n.clientWidth).map((n) => n.textContent)"
    )
    assert clipped == []
    if len(api["by_industry"]) > 8:
        assert f"8 / {len(api['by_industry'])}" in page.inner_text("#industry-shown").replace(" trên ", " / ").replace(
            " of ", " / "
        )
    distances = [float(d) for d in page.locator("#poi-list li").evaluate_all("ls => ls.map((l) => l.dataset.distance)")]
    assert distances == sorted(distances)  # nearest first, whatever their kind
    assert page.locator(".scan-poi").count() == len(distances)
    page.screenshot(path="/tmp/ux/phone-scan.png")

    # Check a name in the sheet's other tab.
    page.locator("#tab-name").tap()
    page.fill("#name-input", "PHO HOA")
    page.locator("#name-form button[type=submit]").tap()
    verdict = page.wait_for_selector("#verdict")
    assert "duplicate" in verdict.get_attribute("class")
    assert verdict.bounding_box()["y"] < PHONE["height"]
    page.screenshot(path="/tmp/ux/phone-name.png")

    small = small_targets(page, "#sheet button, #sheet input, #sheet select, .leaflet-control-zoom a, #address-search")
    assert not small, small
    assert not page.console_errors, page.console_errors


def test_at_360_px_the_map_is_usable_and_the_home_layer_list_is_folded(demo, live_server, browser):
    page = phone_page(browser, live_server, width=360)
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    box = page.locator("#map").bounding_box()
    assert box["width"] >= 359 and box["height"] >= 700
    assert page.locator(".leaflet-control-layers-expanded").count() == 0  # folded behind its button
    # Opened close enough for the basemap's streets (a ward at z14 was one blob of clusters on grey), with only
    # the layers that matter to a citizen on.
    assert page.evaluate("window.portalMap.getZoom()") >= 15
    shown = page.locator("#legend .legend-layer").evaluate_all("ss => ss.map((s) => s.dataset.layer)")
    assert "waste_points" not in shown and "businesses" in shown, shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out sideways
    small = small_targets(
        page, ".leaflet-control-zoom a, .leaflet-control-layers-toggle, #address-search, .legend-toggle"
    )
    assert not small, small
    page.screenshot(path="/tmp/ux/phone-home-360.png")
    # The legend, opened, folds again at a tap on the map.
    page.locator(".legend-toggle").tap()
    assert page.locator("#legend.open").count() == 1
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.3)
    page.wait_for_function("() => !document.querySelector('#legend.open')")
    page.goto("/businesses/")
    page.wait_for_selector("#map[data-loaded='true']")
    assert page.locator("#map").bounding_box()["width"] >= 359
    page.wait_for_selector("#address-search")  # the search box and the legend share the top of the map: side by side
    search, legend = page.locator("#address-search").bounding_box(), page.locator(".legend-toggle").bounding_box()
    assert search["x"] + search["width"] <= legend["x"], (search, legend)


def test_the_legend_lists_the_layers_shown_with_their_symbols(demo, live_server, page):
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto("/")
    page.wait_for_selector("#map[data-loaded='true']")
    shown = page.locator("#legend .legend-layer").evaluate_all("ss => ss.map((s) => s.dataset.layer)")
    assert shown == ["ward", "khu_pho", "pois", "businesses", "waste_points"], shown  # the dense and far ones off
    legend = page.inner_text("#legend")
    for label in ("Thùng rác công cộng", "Nhà vệ sinh công cộng", "Trạm trung chuyển rác", "Điểm nóng đổ rác"):
        assert label in legend  # each waste kind named (the page is in Vietnamese, the portal's language)
    assert page.locator("#legend li svg").count() >= 20
    # The layer list and the legend share the right side without covering each other; no layer is listed twice
    # (the outlines and facilities the map draws itself are not listed again from the tile catalogue).
    layers, box = page.locator(".leaflet-control-layers").bounding_box(), page.locator("#legend").bounding_box()
    assert layers["y"] + layers["height"] <= box["y"], (layers, box)
    names = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert len(names) == len(set(names)) and not {"Khu phố, ấp", "Cơ sở công cộng"} & {n.strip() for n in names}, names
    # Leaflet's own buttons speak the page's language too.
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Phóng to"
    # Each waste kind its own symbol on the map, drawn from the tiles, once the map is close enough.
    page.evaluate("void window.portalMap.setZoom(16, { animate: false })")
    page.wait_for_function("() => document.querySelectorAll('.tiles-waste_points image').length > 0")
    hrefs = page.locator(".tiles-waste_points image").evaluate_all(
        "is => [...new Set(is.map((i) => i.getAttribute('href')))]"
    )
    assert len(hrefs) >= 3, len(hrefs)
    # The legend follows the layer switcher.
    page.get_by_label("Số nhà", exact=True).check()
    page.wait_for_function("() => !!document.querySelector('#legend [data-layer=house_numbers]')")
    page.get_by_label("Điểm rác và vệ sinh công cộng").uncheck()
    page.wait_for_function("() => !document.querySelector('#legend [data-layer=waste_points]')")
    # Cluster circles are not cut at the edge of their tile's <svg>.
    page.evaluate("void window.portalMap.setZoom(14, { animate: false })")
    page.wait_for_function("() => document.querySelectorAll('.tiles-businesses path').length > 0")
    assert page.evaluate("getComputedStyle(document.querySelector('.tiles-businesses svg')).overflow") == "visible"
    # A clicked feature is marked until its popup closes.
    page.locator(".leaflet-marker-icon .poi").first.click(force=True)
    page.wait_for_selector("path.selected-feature")
    page.screenshot(path="/tmp/ux/desktop-legend.png")
    assert not page.console_errors, page.console_errors
