"""A citizen checks a name and scans a radius on the public page, in Chromium."""

from __future__ import annotations

import pytest

from layers.demo import WARD_CODE
from layers.models import AdminUnit

pytestmark = pytest.mark.browser


def test_name_check_and_radius_scan(live_server, page, settings):
    settings.PORTAL_HOME_WARDS = [WARD_CODE]  # as `make run` does: open on the ward, not on Cần Giờ too
    page.goto("/businesses/")
    page.wait_for_selector("#map[data-loaded='true']")
    # The name is checked in the portal's own ward unless the citizen picks another.
    chosen = page.eval_on_selector("#ward-select", "s => s.options[s.selectedIndex].text")
    assert chosen == AdminUnit.objects.get(code=WARD_CODE, valid_to__isnull=True).name

    page.fill("#name-input", "PHO HOA")
    page.click("#name-form button[type=submit]")
    verdict = page.wait_for_selector("#verdict")
    assert "duplicate" in verdict.get_attribute("class")
    assert "Phở Hòa" in page.inner_text("#name-result")
    # Each match says in words whether it is the same name: no similarity percentage to misread.
    kinds = page.locator("#name-result .match-kind").all_inner_texts()
    assert "trùng tên" in kinds and set(kinds) <= {"trùng tên", "gần giống"}, kinds
    assert "%" not in page.inner_text("#name-result")

    page.fill("#name-input", "Xưởng Gốm Bát Tràng Độc Nhất")
    page.click("#name-form button[type=submit]")
    page.wait_for_selector("#verdict.free")
    assert "null" not in page.inner_text("#name-result")  # fewer than ten matches: no "shown of" line, nothing

    # Click the middle of the map, widen the circle, read the counts.
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#scan-total")
    small = int(page.inner_text("#scan-total"))
    assert page.locator("path.scan-circle").count() == 1
    page.locator("#radius").fill("800")
    page.locator("#radius").dispatch_event("change")
    page.wait_for_function(f"() => Number(document.getElementById('scan-total').textContent) > {small}")
    assert page.locator("#industry-chart li").count() >= 5
    assert page.locator("#poi-list li").count() >= 5
    # The counts come first; the page of businesses follows them onto the map.
    page.wait_for_function("() => document.getElementById('map').dataset.scan === 'drawn'")
    assert page.locator("path.hit").count() > 0
    assert not page.console_errors, page.console_errors
