"""A ward officer reads the house-number standardisation report on its page in Chromium: the counts of each
kind of problem, the listed numbers, and a click that puts one on the map."""

from __future__ import annotations

import pytest

from households.models import HouseNumber
from tests.browser.session import logged_in
from tests.households.house_world import House, make_streets, ndc_houses
from tests.households.test_geocode import file_houses

pytestmark = pytest.mark.browser


def test_officer_reads_the_ward_report_and_finds_a_number_on_the_map(live_world, live_server, page):
    streets = make_streets(live_world)
    houses = ndc_houses(1, 12)
    houses[10] = House("11", houses[10].street, houses[10].lon, houses[10].lat + 0.0011)  # 120 m off its street
    filed = file_houses(live_world, streets["ndc_a"], houses)
    HouseNumber.objects.filter(pk=filed["12"].pk).update(number="12??")  # typed in by hand

    logged_in(page, live_world.users["ward_officer"], live_server.url, language="en")
    page.goto("/")
    page.click("#nav-houses")
    page.wait_for_selector("#map[data-loaded='true']")
    assert "Phường An Nhơn: 12 house numbers checked." in page.inner_text("#report-status")
    counts = {
        row.get_attribute("data-kind"): row.locator("td").last.inner_text()
        for row in page.locator("#report-summary tr").all()
    }
    assert counts == {
        "duplicates": "0",
        "unparseable": "1",
        "outside_ward": "0",
        "far_from_street": "1",
        "out_of_sequence": "0",
    }
    assert page.inner_text("#report-unparseable li") == "12??, Nguyễn Đình Chiểu"

    # A click on the far number marks it on the map, where it stands.
    page.click("#report-far_from_street button")
    page.wait_for_selector("path.report-mark")
    lat, lon = page.evaluate("(() => { const c = portalReportMap.getCenter(); return [c.lat, c.lng]; })()")
    point = HouseNumber.objects.get(pk=filed["11"].pk).geom
    assert abs(lat - point.y) < 1e-4 and abs(lon - point.x) < 1e-4
    assert page.console_errors == []


def test_the_page_is_for_officers_and_leaders(live_world, live_server, page):
    logged_in(page, live_world.users["land_officer"], live_server.url)
    page.goto("/households/report/")
    page.wait_for_selector("#report-status.error")
    assert page.locator("#nav-houses").count() == 0
