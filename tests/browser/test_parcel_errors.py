"""A land officer in Chromium on /land/parcels/: once the corners are wrong, changed or still being measured, no
parcel from earlier is left on the page to be saved; measures read in the page's language."""

from __future__ import annotations

import pytest

from imagery.models import Parcel
from layers.crs import VN2000_TM3_105_45, VN2000_TM3_107_45, WGS84, transformer
from tests.browser.session import logged_in
from tests.imagery.rasters import LAT, LON

pytestmark = pytest.mark.browser


def corner_rows(lon: float, lat: float) -> list[tuple[int, float, float]]:
    """A 20 × 30 m rectangle as a survey document lists it: point, X (northing), Y (easting), VN-2000."""
    e, n = transformer(WGS84, VN2000_TM3_105_45).transform(lon, lat)
    return [(1, n, e), (2, n, e + 20), (3, n - 30, e + 20), (4, n - 30, e)]


def as_text(rows) -> str:
    return "\n".join(f"{p}  {x:.3f}  {y:.3f}".replace(".", ",") for p, x, y in rows)


GOOD = as_text(corner_rows(LON + 0.0003, LAT - 0.0003))


def open_tool(page, world, live_server, language: str) -> None:
    logged_in(page, world.users["land_officer"], live_server.url, language=language)
    page.goto("/land/parcels/")
    page.wait_for_selector("#map[data-ready='true']")


def draw(page, text: str, srid: int = VN2000_TM3_105_45) -> None:
    page.select_option("#srid", str(srid))
    page.fill("#corners", text)
    page.click("#preview")


def draw_valid_and_fill(page) -> None:
    draw(page, GOOD)
    page.wait_for_selector("#result:not([hidden])")
    assert page.locator("path.parcel-shape").count() == 1 and page.is_enabled("#save")
    page.fill("[name=sheet_no]", "21")
    page.fill("[name=parcel_no]", "105")


def unexpected_console_errors(page) -> list[str]:
    """Console errors other than the browser's own note of a refused request (the 400s these tests cause)."""
    return [e for e in page.console_errors if "status of 400" not in e]


def save_posts(page) -> list[str]:
    return [u for u in page.requested_urls if u.endswith("/api/v1/parcels/")]


def assert_nothing_saveable(page) -> None:
    """No polygon, measures or edges of an earlier preview, the save button off, and a forced submit sends nothing."""
    assert page.locator("path.parcel-shape").count() == 0
    page.wait_for_function("() => !document.querySelector('.corner-label')")  # Leaflet fades them out in 200 ms
    assert not page.is_visible("#result")
    assert page.text_content("#area") == "" and page.text_content("#perimeter") == ""
    assert page.locator("#edges tr").count() == 0
    assert page.is_disabled("#save")
    before = len(save_posts(page))
    page.evaluate("document.getElementById('save-form').requestSubmit()")
    page.wait_for_timeout(300)
    assert len(save_posts(page)) == before
    assert not Parcel.objects.exists()


def test_a_broken_corner_leaves_no_earlier_parcel_to_save(live_world, live_server, page):
    open_tool(page, live_world, live_server, "vi")
    draw_valid_and_fill(page)
    # Vietnamese numbers: a decimal comma, as everywhere else on the Vietnamese site.
    assert page.text_content("#area") == "600,0 m²"
    assert page.text_content("#perimeter") == "100,00 m"
    assert page.eval_on_selector_all("#edges tr td:nth-child(2)", "els => els.map(e => e.textContent)") == [
        "20,00",
        "30,00",
        "20,00",
        "30,00",
    ]
    assert "TP.HCM" in page.text_content("#measure-crs")  # the plane named in Vietnamese, as the CRS list

    # The audit's case: a corner mistyped, then "Show on the map" again.
    x = GOOD.split()[1]
    draw(page, GOOD.replace(x, "11922a4,864", 1))
    page.wait_for_selector("#status.error")
    assert "'11922a4,864' không phải là số" in page.text_content("#status")
    assert_nothing_saveable(page)

    # Corners edited after a preview, without showing them again: the parcel drawn no longer matches them.
    draw(page, GOOD)
    page.wait_for_selector("path.parcel-shape")
    page.fill("#corners", GOOD.replace("603", "604", 1))
    assert_nothing_saveable(page)

    # While the new corners are being measured, the previous parcel is gone; an answer for corners changed since
    # it was asked is dropped.
    draw(page, GOOD)
    page.wait_for_selector("path.parcel-shape")
    held = []
    page.route("**/api/v1/parcels/preview", lambda route: held.append(route))
    page.click("#preview")
    while not held:
        page.wait_for_timeout(50)
    assert_nothing_saveable(page)
    page.fill("#corners", GOOD + "\n")
    held.pop().continue_()
    page.wait_for_timeout(500)
    assert_nothing_saveable(page)
    page.unroute("**/api/v1/parcels/preview")

    # Corners that match the drawing save the parcel they describe.
    page.click("#preview")
    page.wait_for_selector("#result:not([hidden])")
    page.click("#save")
    page.wait_for_selector("#exports:not([hidden])")
    assert Parcel.objects.get().area_m2 == pytest.approx(600.0, abs=0.01)
    assert not unexpected_console_errors(page), page.console_errors


OUTSIDE_WARDS = as_text(corner_rows(LON + 0.05, LAT))  # in the city, in none of its wards
OTHER_WARD = as_text(corner_rows(LON + 0.03, LAT))  # ward B: the officer works in ward A only
GOOD_ROWS = corner_rows(LON + 0.0003, LAT - 0.0003)
CROSSING = as_text([GOOD_ROWS[0], GOOD_ROWS[2], GOOD_ROWS[1], GOOD_ROWS[3]])


@pytest.mark.parametrize(
    ("corners", "srid", "says", "drawn"),
    [
        ("", VN2000_TM3_105_45, "No corners", False),
        ("   \n", VN2000_TM3_105_45, "No corners", False),
        (as_text(GOOD_ROWS[:2]), VN2000_TM3_105_45, "Need 3 to 200 distinct corners; got 2", False),
        (CROSSING, VN2000_TM3_105_45, "edges cross each other", False),
        (GOOD, VN2000_TM3_107_45, "in no ward of the portal", True),  # the wrong zone puts it in the sea
        (OUTSIDE_WARDS, VN2000_TM3_105_45, "in no ward of the portal", True),
        (OTHER_WARD, VN2000_TM3_105_45, "You may not save parcels in Phường Bình Lợi", True),
    ],
    ids=["empty", "blank", "two-corners", "crossing", "wrong-zone", "no-ward", "other-ward"],
)
def test_every_refusal_is_explained_and_leaves_nothing_to_save(
    live_world, live_server, page, corners, srid, says, drawn
):
    open_tool(page, live_world, live_server, "en")
    draw_valid_and_fill(page)
    assert page.text_content("#area") == "600.0 m²"  # English: a decimal point
    draw(page, corners, srid)
    page.wait_for_selector("#status.error")
    assert says in page.text_content("#status")
    if drawn:
        # The outline is shown where it lands (that is how a wrong zone is seen), but it cannot be saved.
        page.wait_for_selector("path.parcel-shape")
        assert page.is_disabled("#save")
        page.evaluate("document.getElementById('save-form').requestSubmit()")
        page.wait_for_timeout(300)
        assert not save_posts(page) and not Parcel.objects.exists()
    else:
        assert_nothing_saveable(page)
    assert not unexpected_console_errors(page), page.console_errors
