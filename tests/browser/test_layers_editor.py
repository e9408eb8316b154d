"""A ward officer edits waste points and forest plots on the map in Chromium: draw, move, a 409 with both
versions, revert to an earlier version, soft delete and restore, and a crossing polygon refused."""

from __future__ import annotations

import pytest

from gisportal.models import Role
from layers.models import ForestPlot, WastePoint
from tests.browser.session import logged_in
from tests.factories import AdminUnitFactory, square, user_with_role
from tests.layers.world import waste_point

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def english(page, live_server):
    """These tests read the editor's status lines in English: the officer chose English on the page."""
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])


LON, LAT = 106.70, 10.78


@pytest.fixture
def ward(transactional_db):
    ward = AdminUnitFactory(boundary=square(LON, LAT, 0.004))
    officer = user_with_role("officer_layers", Role.WARD_OFFICER, wards=[ward])
    return ward, officer


def centre(page) -> tuple[float, float]:
    box = page.locator("#map").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_officer_edits_waste_points_with_history_conflict_revert_and_restore(ward, live_server, page):
    ward, officer = ward
    bin_ = waste_point(ward, lon=LON, lat=LAT, name="Thùng rác chợ", capacity=240)
    logged_in(page, officer, live_server.url)
    page.on("dialog", lambda d: d.accept())
    page.goto("/layers/edit/?layer=waste_points")
    page.wait_for_selector("#map[data-loaded='true']")
    page.wait_for_selector(".layer-feature")
    assert page.locator(".layer-feature").count() == 1

    # Place a new point: the marker tool, a click east of the existing one, the form built from the schema.
    page.click(".leaflet-pm-icon-marker")
    cx, cy = centre(page)
    page.mouse.click(cx + 80, cy + 40)
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    page.select_option("[name=kind]", value="toilet")
    page.fill("[name=name]", "Nhà vệ sinh công cộng mới")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    created = WastePoint.objects.get(name="Nhà vệ sinh công cộng mới")
    assert created.kind == "toilet" and created.ward_id == ward.pk and created.version == 1
    assert created.geom.x > LON and created.history.get().history_user == officer
    page.click("#cancel")

    # Move the first point in drag mode: saved at once through the API, version 2.
    page.click(".leaflet-pm-icon-drag")
    marker = page.locator(".layer-feature").first
    mb = marker.bounding_box()
    page.mouse.move(mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] - 2)
    page.mouse.down()
    page.mouse.move(mb["x"] + mb["width"] / 2 - 60, mb["y"] + mb["height"] - 2, steps=8)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('version').textContent === '2'")
    bin_.refresh_from_db()
    assert bin_.version == 2 and bin_.geom.x < LON
    page.click(".leaflet-pm-icon-drag")

    # Someone else saves after we opened the form: our save gets a 409 with both versions; we keep ours.
    page.locator(".layer-feature").first.click()
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    WastePoint.objects.filter(pk=bin_.pk).update(name="Thùng rác đổi tên", version=3)
    page.fill("[name=operator]", "Đội vệ sinh số 2")
    page.click("#save")
    page.wait_for_selector("#conflict:not([hidden])")
    assert "Thùng rác đổi tên" in page.inner_text("#conflict-rows")
    page.click("#keep-mine")
    page.wait_for_function("() => document.getElementById('version').textContent === '4'")
    bin_.refresh_from_db()
    assert bin_.operator == "Đội vệ sinh số 2" and bin_.version == 4

    # Revert to version 1: the original name and place come back as version 5.
    page.wait_for_function("() => document.querySelector('#history-list li')?.textContent.startsWith('v4')")
    page.click("#history-list button.revert[data-version='1']")
    page.wait_for_function("() => document.getElementById('version').textContent === '5'")
    bin_.refresh_from_db()
    assert (bin_.name, bin_.operator, bin_.version) == ("Thùng rác chợ", "", 5)
    assert abs(bin_.geom.x - LON) < 1e-6

    # Soft delete, then restore from the deleted list.
    page.click("#delete")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('restored')")
    bin_.refresh_from_db()
    assert bin_.is_deleted
    page.click("#show-deleted")
    page.click("#deleted-list button.restore")
    page.wait_for_function("() => document.getElementById('status').textContent === 'Restored.'")
    bin_.refresh_from_db()
    assert not bin_.is_deleted and bin_.version == 7
    # The browser logs the 409 it was meant to get; nothing else may fail.
    assert [e for e in page.console_errors if "409 (Conflict)" not in e] == []


def test_officer_draws_a_forest_plot_and_a_crossing_one_is_refused(ward, live_server, page):
    ward, officer = ward
    logged_in(page, officer, live_server.url)
    page.on("dialog", lambda d: d.accept())
    page.goto("/layers/edit/?layer=forest_plots")
    page.wait_for_selector("#map[data-loaded='true']")
    cx, cy = centre(page)

    page.click(".leaflet-pm-icon-polygon")
    for dx, dy in [(-60, -40), (60, -40), (60, 40), (-60, 40), (-60, -40)]:
        page.mouse.click(cx + dx, cy + dy)
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    page.fill("[name=code]", "CG-TK4-001")
    page.fill("[name=sub_zone]", "Tiểu khu 4")
    page.fill("[name=planting_year]", "1985")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    plot = ForestPlot.objects.get(code="CG-TK4-001")
    assert plot.planting_year == 1985 and plot.area_ha > 0 and plot.geom.num_points == 5
    page.click("#cancel")

    # A bow-tie crosses itself: the officer agrees to repair, but it repairs into two parts: refused.
    page.click(".leaflet-pm-icon-polygon")
    for dx, dy in [(-150, -120), (-90, -60), (-90, -120), (-150, -60), (-150, -120)]:
        page.mouse.click(cx + dx, cy + dy)
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    page.fill("[name=code]", "CG-TK4-002")
    page.fill("[name=sub_zone]", "Tiểu khu 4")
    page.click("#save")
    page.wait_for_selector("#status.error")
    assert "redraw" in page.inner_text("#status") or "vẽ lại" in page.inner_text("#status")
    assert ForestPlot.objects.count() == 1
