"""A land officer in Chromium: swipes between two years, reads the time strip, draws a parcel from VN-2000 corners."""

from __future__ import annotations

import datetime as dt

import pytest
import rasterio
from rasterio.io import MemoryFile

from imagery.models import Parcel
from layers.crs import WGS84, transformer
from tests.browser.session import logged_in
from tests.imagery.rasters import LAT, LON
from tests.imagery.test_tiles import BLOCK, make_acquisition

pytestmark = pytest.mark.browser


@pytest.fixture
def two_years(live_world, tmp_path, settings):
    settings.IMAGERY_ROOT = tmp_path / "imagery"
    before = make_acquisition(live_world, tmp_path, day=dt.date(2015, 2, 10), title="2015", srid=9210, seed=11)
    after = make_acquisition(live_world, tmp_path, day=dt.date(2022, 11, 3), title="2022", srid=9210, seed=22)
    return live_world, before, after


def colour_at(source: str, data, lon: float, lat: float):
    """The source's colour at a WGS 84 point, or None within 3 px of a block's edge (where pixels may blend)."""
    with rasterio.open(source) as ds:
        x, y = transformer(WGS84, ds.crs.to_epsg()).transform(lon, lat)
        row, col = ds.index(x, y)
    if not (0 <= row < data.shape[1] and 0 <= col < data.shape[2]):
        return None
    if min(row % BLOCK, col % BLOCK) < 3 or max(row % BLOCK, col % BLOCK) > BLOCK - 4:
        return None
    return [int(v) for v in data[:3, row, col]]


def screen_colour(page, x: int, y: int, element: str = "#map") -> list[int]:
    shot = page.locator(element).screenshot()
    with MemoryFile(shot) as mem, mem.open() as img:
        return [int(v) for v in img.read()[:3, y, x]]


def sample_points(page, box, source, data, dx: int, leaflet_map: str = "portalMap"):
    """A point `dx` px right of the map's centre (the image is ~220 px wide) whose colour is unambiguous."""
    # Several columns near dx: one may cross block edges all the way down.
    for ddx, dy in ((ddx, dy) for ddx in (0, 7, -7, 14, -14) for dy in range(-60, 60, 5)):
        x, y = int(box["width"] / 2) + dx + ddx, int(box["height"] / 2) + dy
        latlng = page.evaluate(
            f"(() => {{ const p = {leaflet_map}.containerPointToLatLng([{x}, {y}]); return [p.lng, p.lat]; }})()"
        )
        if colour_at(source, data, *latlng) is not None:
            return x, y, latlng
    raise AssertionError("no unambiguous pixel found")


def test_swipe_opacity_and_time_strip(two_years, live_server, page):
    world, (a, data_a, source_a), (b, data_b, source_b) = two_years
    logged_in(page, world.users["land_officer"], live_server.url)
    page.goto("/land/imagery/")
    page.wait_for_selector("#map[data-ready='true']")
    assert page.input_value("#left") == str(a.pk) and page.input_value("#right") == str(b.pk)
    # Native resolution, centred on the image: one screen pixel is one COG pixel.
    page.evaluate(f"void portalMap.setView([{LAT - 0.0006}, {LON + 0.0006}], {a.maxzoom}, {{animate: false}})")
    page.wait_for_function(
        "() => document.querySelectorAll('.acq-left img.leaflet-tile-loaded').length > 0"
        " && document.querySelectorAll('.acq-right img.leaflet-tile-loaded').length > 0"
    )
    page.wait_for_timeout(300)
    box = page.locator("#map").bounding_box()

    # The divider starts in the middle: the old photograph on the left, the new one on the right.
    lx, ly, left_ll = sample_points(page, box, source_a, data_a, -50)
    rx, ry, right_ll = sample_points(page, box, source_b, data_b, 50)
    assert abs(sum(screen_colour(page, lx, ly)) - sum(colour_at(source_a, data_a, *left_ll))) <= 6
    assert abs(sum(screen_colour(page, rx, ry)) - sum(colour_at(source_b, data_b, *right_ll))) <= 6

    # Drag the swipe handle to the right edge: the old photograph now shows at the right-hand point too.
    handle_y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, handle_y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.95, handle_y, steps=10)
    page.mouse.up()
    assert float(page.input_value(".leaflet-sbs-range")) > 0.85
    expected_a = colour_at(source_a, data_a, *right_ll)
    if expected_a is not None:
        assert abs(sum(screen_colour(page, rx, ry)) - sum(expected_a)) <= 6
    clip = page.evaluate("document.querySelector('.acq-left').style.clip")
    assert clip.startswith("rect(")
    assert page.locator("#strip").is_hidden(), "dragging the divider is not a click on the map"

    # The opacity slider fades the right-hand photograph.
    page.locator("#opacity").fill("0.3")
    assert page.evaluate("document.querySelector('.acq-right').style.opacity") == "0.3"

    # Swap the pair: the selects drive the swipe's layers.
    page.select_option("#left", str(b.pk))
    page.wait_for_function(f"() => document.getElementById('map').dataset.left === '{b.pk}'")

    # "When was it built?": a click shows the same place in both photographs, oldest first.
    page.mouse.click(box["x"] + box["width"] / 2 - 30, box["y"] + box["height"] / 2 - 30)
    page.wait_for_selector("#strip[data-loaded='true']")
    dates = page.eval_on_selector_all(".strip-item", "els => els.map(e => e.dataset.date)")
    assert dates == ["2015-02-10", "2022-11-03"]
    page.wait_for_function(
        "() => [...document.querySelectorAll('.strip-item img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    requested = " ".join(page.requested_urls)
    assert f"/imagery/{a.pk}/crop.png" in requested and f"/imagery/{b.pk}/crop.png" in requested
    assert f"/imagery/{a.pk}/tiles/" in requested and f"/imagery/{b.pk}/tiles/" in requested
    assert not page.console_errors, page.console_errors


# Both maps' views, and how far apart their centres are on screen (in px of the left map).
VIEWS = """() => {
  const a = portalMap, b = portalMapRight;
  const gap = a.latLngToContainerPoint(b.getCenter()).distanceTo(a.getSize().divideBy(2));
  return { zooms: [a.getZoom(), b.getZoom()], gap, centre: [a.getCenter().lat, a.getCenter().lng] };
}"""
# Within half a pixel: on a map of an odd height its middle falls between two pixels (679 px: 0.5 exactly).
LOCKED = f"() => {{ const v = ({VIEWS})(); return v.zooms[0] === v.zooms[1] && v.gap <= 0.5; }}"
LOADED = "(sel) => document.querySelectorAll(sel + ' img.leaflet-tile-loaded').length > 0"


def centre_shift_px(page, before: list[float]) -> float:
    return page.evaluate(
        f"() => portalMap.latLngToContainerPoint([{before[0]}, {before[1]}])"
        ".distanceTo(portalMap.getSize().divideBy(2))"
    )


def test_side_by_side_shows_two_years_on_two_locked_maps(two_years, live_server, page):
    world, (a, data_a, source_a), (b, data_b, source_b) = two_years
    logged_in(page, world.users["land_officer"], live_server.url)
    page.goto("/land/imagery/")
    page.wait_for_selector("#map[data-ready='true']")
    assert page.locator("#map-right").is_hidden()
    page.evaluate(f"void portalMap.setView([{LAT - 0.0006}, {LON + 0.0006}], {a.maxzoom}, {{animate: false}})")
    before = page.evaluate("[portalMap.getCenter().lat, portalMap.getCenter().lng]")

    # Side by side (the page is in Vietnamese): two maps of one size next to each other, the left epoch on the
    # left, the right on the right.
    page.get_by_text("Đặt cạnh nhau", exact=True).click()
    page.wait_for_function(LOADED, arg="#map .acq-left")
    page.wait_for_function(LOADED, arg="#map-right .acq-right")
    assert page.locator("#map .acq-right").count() == 0 and page.locator("#map-right .acq-left").count() == 0
    assert page.locator(".leaflet-sbs").count() == 0, "no swipe divider side by side"
    left_box, right_box = page.locator("#map").bounding_box(), page.locator("#map-right").bounding_box()
    assert abs(left_box["width"] - right_box["width"]) <= 1 and left_box["y"] == right_box["y"]
    assert right_box["x"] >= left_box["x"] + left_box["width"]
    # The view carried over: the same centre and zoom as in the swipe, on both maps.
    assert centre_shift_px(page, before) < 1.5
    assert page.evaluate(VIEWS)["zooms"] == [a.maxzoom, a.maxzoom]
    page.wait_for_function(LOCKED)
    page.wait_for_timeout(300)
    # The same spot (the same pixel of either map) in two years: each map shows its own photograph.
    lx, ly, left_ll = sample_points(page, left_box, source_a, data_a, 0)
    assert abs(sum(screen_colour(page, lx, ly)) - sum(colour_at(source_a, data_a, *left_ll))) <= 6
    rx, ry, right_ll = sample_points(page, right_box, source_b, data_b, 0, "portalMapRight")
    assert abs(sum(screen_colour(page, rx, ry, "#map-right")) - sum(colour_at(source_b, data_b, *right_ll))) <= 6
    requested = " ".join(page.requested_urls)
    assert f"/imagery/{a.pk}/tiles/" in requested and f"/imagery/{b.pk}/tiles/" in requested

    # Drag the right-hand map: the left one follows to the same centre.
    page.mouse.move(right_box["x"] + 200, right_box["y"] + 200)
    page.mouse.down()
    page.mouse.move(right_box["x"] + 120, right_box["y"] + 240, steps=8)
    page.mouse.up()
    page.wait_for_function(LOCKED)
    assert centre_shift_px(page, before) > 50, "the left map followed the drag of the right one"
    # Zoom with the left map's + button: the right map zooms with it, to the same centre.
    page.click("#map .leaflet-control-zoom-in")
    page.wait_for_function(f"() => portalMapRight.getZoom() === {a.maxzoom + 1}")
    page.wait_for_function(LOCKED)
    # And with the wheel over the right map: the left one follows.
    page.mouse.move(right_box["x"] + right_box["width"] / 2, right_box["y"] + right_box["height"] / 2)
    page.mouse.wheel(0, 300)
    page.wait_for_function(f"() => portalMap.getZoom() < {a.maxzoom + 1}")
    page.wait_for_function(LOCKED)
    # Once still, both stay still: no map keeps setting the other's view.
    page.wait_for_timeout(400)
    page.evaluate("window.moves = 0; portalMap.on('move', () => moves++); portalMapRight.on('move', () => moves++)")
    page.wait_for_timeout(600)
    assert page.evaluate("moves") == 0

    # The pointer over one map is a cross at the same place on the other.
    page.mouse.move(left_box["x"] + 150, left_box["y"] + 120)
    cross = page.locator("#map-right .mirror-cursor").bounding_box()
    assert abs(cross["x"] + cross["width"] / 2 - (right_box["x"] + 150)) <= 1.5
    assert abs(cross["y"] + cross["height"] / 2 - (right_box["y"] + 120)) <= 1.5
    page.mouse.move(right_box["x"] + 60, right_box["y"] + 90)
    cross = page.locator("#map .mirror-cursor").bounding_box()
    assert abs(cross["x"] + cross["width"] / 2 - (left_box["x"] + 60)) <= 1.5
    assert abs(cross["y"] + cross["height"] / 2 - (left_box["y"] + 90)) <= 1.5

    # Another year on the left, then back to the swipe: the chosen years and the view stay.
    page.select_option("#left", str(b.pk))
    page.wait_for_function(f"() => document.getElementById('map').dataset.left === '{b.pk}'")
    assert page.eval_on_selector("#map .acq-left img", "img => img.src").count(f"/imagery/{b.pk}/tiles/") == 1
    view = page.evaluate(VIEWS)
    page.get_by_text("Vuốt so sánh", exact=True).click()
    page.wait_for_selector(".leaflet-sbs-divider")
    assert page.locator("#map-right").is_hidden() and page.locator(".mirror-cursor").count() == 0
    assert page.input_value("#left") == str(b.pk) and page.input_value("#right") == str(b.pk)
    assert page.locator("#map .acq-right").count() == 1
    assert centre_shift_px(page, view["centre"]) < 1.5 and page.evaluate("portalMap.getZoom()") == view["zooms"][0]
    page.wait_for_function(LOADED, arg="#map .acq-right")
    assert not page.console_errors, page.console_errors


def test_side_by_side_on_a_phone_puts_one_year_above_the_other(two_years, live_server, page):
    world, (a, _, _), _after = two_years
    page.set_viewport_size({"width": 390, "height": 844})
    logged_in(page, world.users["land_officer"], live_server.url, language="en")
    page.goto("/land/imagery/")
    page.wait_for_selector("#map[data-ready='true']")
    assert page.locator("#map").bounding_box()["width"] == 390, "the map is on the screen, below the tools"
    page.get_by_text("Side by side", exact=True).click()
    page.evaluate(f"void portalMap.setView([{LAT - 0.0006}, {LON + 0.0006}], {a.maxzoom - 1}, {{animate: false}})")
    page.wait_for_function(LOADED, arg="#map .acq-left")
    page.wait_for_function(LOADED, arg="#map-right .acq-right")
    top, bottom = page.locator("#map").bounding_box(), page.locator("#map-right").bounding_box()
    assert top["width"] == bottom["width"] == 390 and abs(top["height"] - bottom["height"]) <= 1
    assert top["height"] > 150 and bottom["y"] >= top["y"] + top["height"]
    assert bottom["y"] + bottom["height"] <= 844
    # Each map says which year it shows (on a phone, "left" is the upper one).
    assert page.text_content("#map .epoch-tag").startswith("10/02/2015")
    assert page.text_content("#map-right .epoch-tag").startswith("03/11/2022")
    page.screenshot(path="/tmp/imagery_side_by_side_phone.png")
    page.get_by_text("Swipe", exact=True).click()
    page.wait_for_selector(".leaflet-sbs-divider")
    assert not page.console_errors, page.console_errors


def test_parcel_tool_draws_measures_and_saves_vn2000_corners(two_years, live_server, page):
    world, _before, _after = two_years
    e, n = transformer(WGS84, 9210).transform(LON + 0.0003, LAT - 0.0003)
    # As typed from a document: point, X (northing), Y (easting), decimal commas.
    rows = [(1, n, e), (2, n, e + 20), (3, n - 30, e + 20), (4, n - 30, e)]
    text = "\n".join(f"{p}  {x:.3f}  {y:.3f}".replace(".", ",") for p, x, y in rows)
    logged_in(page, world.users["land_officer"], live_server.url)
    page.goto("/land/parcels/")
    page.wait_for_selector("#map[data-ready='true']")
    assert page.input_value("#background") == str(_after[0].pk)  # the newest photograph underneath
    page.select_option("#srid", "9210")
    assert page.input_value("#order") == "xy"
    page.fill("#corners", text)
    page.click("#preview")
    page.wait_for_selector("#result:not([hidden])")
    assert page.text_content("#area") == "600,0 m²"  # a Vietnamese page: decimal comma
    assert page.text_content("#perimeter") == "100,00 m"
    assert page.eval_on_selector_all("#edges tr td:nth-child(2)", "els => els.map(e => e.textContent)") == [
        "20,00",
        "30,00",
        "20,00",
        "30,00",
    ]
    assert page.locator("path.parcel-shape").count() == 1
    page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")

    page.fill("[name=sheet_no]", "21")
    page.fill("[name=parcel_no]", "105")
    page.fill("[name=land_use]", "ODT")
    page.click("#save")
    page.wait_for_selector("#exports:not([hidden])")
    parcel = Parcel.objects.get(sheet_no="21", parcel_no="105")
    assert parcel.ward_id == world.ward_a.pk and parcel.source_srid == 9210
    assert parcel.area_m2 == pytest.approx(600.0, abs=0.01)
    assert page.get_attribute("#export-csv", "href") == f"/api/v1/parcels/{parcel.pk}/export.csv"
    exported = page.request.get(f"{live_server.url}/api/v1/parcels/{parcel.pk}/export.geojson").json()
    assert exported["features"][0]["properties"]["parcel_no"] == "105"

    assert not page.console_errors, page.console_errors

    # The documents' own mistake, swapped columns, is explained (a 400) rather than drawn somewhere in the sea.
    page.select_option("#order", "en")
    page.click("#preview")
    page.wait_for_selector("#status.error")
    assert "northing" in page.text_content("#status") or "bắc" in page.text_content("#status")
