"""The editors load what is in view, page after page, and say so when a view holds more than they draw: the business
editor no longer stops silently at the first 1,000 businesses."""

from __future__ import annotations

import random
import re

import pytest
from django.contrib.gis.geos import Point

from businesses.models import Business
from gisportal.models import Role
from tests.browser.session import logged_in
from tests.factories import AdminUnitFactory, BusinessFactory, industry, square, user_with_role

pytestmark = pytest.mark.browser

LON, LAT = 106.70, 10.78


@pytest.fixture
def dense_ward(transactional_db):
    """2,600 businesses within 300 m: more than the old first page (1,000) and than the editor draws (2,000)."""
    ward = AdminUnitFactory(boundary=square(LON, LAT, 0.004))
    officer = user_with_role("officer_dense", Role.WARD_OFFICER, wards=[ward])
    rng = random.Random(18)
    code = industry("5610")
    rows = [
        BusinessFactory.build(
            ward=ward,
            industry=code,
            section=code.section,
            registration_no=f"41D{i:07d}",
            geom=Point(LON + rng.uniform(-0.0027, 0.0027), LAT + rng.uniform(-0.0027, 0.0027), srid=4326),
        )
        for i in range(2600)
    ]
    Business.objects.bulk_create(rows, batch_size=1000)
    return officer


def test_business_editor_pages_through_the_view_and_says_showing_n_of_m(dense_ward, live_server, page):
    logged_in(page, dense_ward, live_server.url, language="vi")
    page.goto("/businesses/edit/")
    page.wait_for_selector("#map[data-loaded='true']", timeout=60_000)
    page.evaluate(f"void portalMap.setView([{LAT}, {LON}], 16, {{ animate: false }})")
    page.wait_for_function("() => document.querySelector('#map').dataset.total === '2600'", timeout=60_000)
    assert page.get_attribute("#map", "data-shown") == "2000"
    assert page.locator(".business-marker").count() == 2000
    assert page.inner_text("#view-count") == (
        "Đang hiện 2.000 trên 2.600 hộ kinh doanh trong khung nhìn: phóng to để xem hết."
    )

    # Zoomed in on a corner: every business there is drawn, the others dropped, and nothing is said to be cut.
    page.evaluate(f"void portalMap.setView([{LAT + 0.002}, {LON + 0.002}], 19, {{ animate: false }})")
    page.wait_for_function("() => Number(document.querySelector('#map').dataset.total) < 2000", timeout=60_000)
    total = int(page.get_attribute("#map", "data-total"))
    bounds = page.evaluate("portalMap.getBounds().toBBoxString()").split(",")
    west, south, east, north = map(float, bounds)
    inside = sum(
        1
        for g in Business.objects.filter(ward__isnull=False).values_list("geom", flat=True)
        if west <= g.x <= east and south <= g.y <= north
    )
    assert total == inside and int(page.get_attribute("#map", "data-shown")) == inside
    assert page.locator(".business-marker").count() == inside
    assert page.inner_text("#view-count") == f"{inside} hộ kinh doanh trong khung nhìn."
    assert page.console_errors == []


def test_officer_moves_an_imported_waste_point_and_sees_versions_1_and_2(transactional_db, live_server, page):
    """The issue's check: a point written in bulk (no history row, as the demo's), dragged once; its history
    shows version 1 (imported) and version 2 with only the position changed — in Vietnamese, dates dd/mm/yyyy."""
    from layers.models import WastePoint

    page.set_viewport_size({"width": 1366, "height": 800})
    ward = AdminUnitFactory(boundary=square(LON, LAT, 0.004))
    officer = user_with_role("officer_waste", Role.WARD_OFFICER, wards=[ward])
    (point,) = WastePoint.objects.bulk_create(
        [WastePoint(kind="bin", name="Thùng rác chợ", capacity=240, ward=ward, geom=Point(LON, LAT, srid=4326))]
    )
    logged_in(page, officer, live_server.url, language="vi")
    page.goto("/layers/edit/?layer=waste_points")
    page.wait_for_selector(".layer-feature")
    page.click(".leaflet-pm-icon-drag")
    mb = page.locator(".layer-feature").first.bounding_box()
    page.mouse.move(mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] - 2)
    page.mouse.down()
    page.mouse.move(mb["x"] + mb["width"] / 2 - 60, mb["y"] + mb["height"] - 2, steps=8)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('version').textContent === '2'")
    page.wait_for_function("() => document.querySelectorAll('#history-list li').length === 2")
    v2, v1 = (li.inner_text() for li in page.locator("#history-list li").all())
    assert v2.startswith("v2 · ") and v2.split(" · ")[2] == "officer_waste" and v2.endswith(" · vị trí")
    assert re.match(r"v2 · \d{2}/\d{2}/\d{4} \d{2}:\d{2} · ", v2)
    assert v1.startswith("v1 · — · — · nhập từ dữ liệu gốc: ") and "Tên" in v1 and "Sức chứa" in v1
    point.refresh_from_db()
    assert point.version == 2 and point.geom.x < LON
    assert page.console_errors == []
