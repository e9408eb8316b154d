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


def screen_colour(page, x: int, y: int) -> list[int]:
    shot = page.locator("#map").screenshot()
    with MemoryFile(shot) as mem, mem.open() as img:
        return [int(v) for v in img.read()[:3, y, x]]


def sample_points(page, box, source, data, dx: int):
    """A point `dx` px right of the map's centre (the image is ~220 px wide) whose colour is unambiguous."""
    # Several columns near dx: one may cross block edges all the way down.
    for ddx, dy in ((ddx, dy) for ddx in (0, 7, -7, 14, -14) for dy in range(-60, 60, 5)):
        x, y = int(box["width"] / 2) + dx + ddx, int(box["height"] / 2) + dy
        latlng = page.evaluate(
            f"(() => {{ const p = portalMap.containerPointToLatLng([{x}, {y}]); return [p.lng, p.lat]; }})()"
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
