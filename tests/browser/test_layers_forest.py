"""The forest change page in Chromium: plots coloured on the map, the tables, a window of dates, KML links."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.layers.world import forest_plot, survey

pytestmark = pytest.mark.browser


def test_change_between_surveys_on_the_map_and_in_the_tables(live_world, live_server, page):
    for i, (before, after) in enumerate([(120, 140), (150, 120), (100, 100)]):
        p = forest_plot(live_world.ward_a, f"CG-{i}", 106.696 + i * 0.0015, 10.778, sub_zone="Tiểu khu 4")
        survey(p, dt.date(2021, 11, 1), carbon_t_ha=before)
        survey(p, dt.date(2023, 11, 1), carbon_t_ha=after, condition="healthy" if after >= before else "degraded")
    page.goto("/layers/forest/")
    page.wait_for_selector("#map[data-loaded='true']")
    assert page.locator("path.forest-plot").count() == 3
    rows = page.locator("#plots tbody tr")
    assert rows.count() == 3
    # Vietnamese page, Vietnamese numbers: a decimal comma.
    assert [rows.nth(i).locator("td").nth(5).inner_text() for i in range(3)] == ["+20,0", "-30,0", "0,0"]
    assert "down" in rows.nth(1).locator("td").nth(5).get_attribute("class")
    zone = page.locator("#zones tbody tr").first
    assert zone.locator("td").nth(0).inner_text() == "Tiểu khu 4" and zone.locator("td").nth(2).inner_text() == "1"

    # A window that holds a single survey per plot: nothing to compare.
    page.fill("[name=from]", "2022-01-01")
    page.fill("[name=to]", "2022-12-31")
    page.click("#window button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#plots tbody tr').length === 0")
    assert "3" in page.inner_text("#status")  # 3 without two surveys
    page.select_option("[name=sub_zone]", value="Tiểu khu 4")
    assert "sub_zone" in page.get_attribute("#kml", "href") or page.get_attribute("#kml", "href").endswith(".kml")
    assert not page.console_errors, page.console_errors
