"""What the ward officer sees after Lưu in the map editors (an audit's findings): each refused field's message
under that field in the page's language, the status line in view beside the buttons, the 409 panel in words and
in view, no version from a save that changes nothing, Xóa once a new feature exists, waste points by kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point

from businesses.models import Business
from gisportal.models import Role
from layers.models import WastePoint
from tests.browser.session import logged_in
from tests.factories import AdminUnitFactory, BusinessFactory, industry, offset_point, square, user_with_role
from tests.layers.world import waste_point

pytestmark = pytest.mark.browser

LON, LAT = 106.70, 10.78
# Where the panel's status line and the conflict panel must be: inside the visible part of the side panel.
IN_PANEL = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  const p = document.getElementById('editor-panel').getBoundingClientRect();
  return r.height > 0 && r.top >= p.top - 1 && r.top < Math.min(p.bottom, window.innerHeight) - 20;
}"""
# The whole of it, to its last button: the 409 panel's decision is made with the buttons at its foot.
WHOLE_IN_PANEL = """(sel) => {
  const r = document.querySelector(sel).getBoundingClientRect();
  const p = document.getElementById('editor-panel').getBoundingClientRect();
  return r.height > 0 && r.top >= p.top - 1 && r.bottom <= Math.min(p.bottom, window.innerHeight) + 1;
}"""


@pytest.fixture
def ward(transactional_db):
    ward = AdminUnitFactory(boundary=square(LON, LAT, 0.004))
    officer = user_with_role("officer_feedback", Role.WARD_OFFICER, wards=[ward])
    return ward, officer


def open_business(page):
    page.wait_for_selector(".business-marker")
    page.locator(".business-marker").first.click()
    page.wait_for_selector("#business-form[data-state=ready]:not([hidden])")


def field_error(page, name: str) -> str:
    return page.inner_text(f"label:has([name={name}]) .field-error")


def test_business_refusal_names_each_field_under_it_and_the_status_is_in_view(ward, live_server, page):
    ward, officer = ward
    business = BusinessFactory(ward=ward, signboard="Phở Hòa", geom=Point(LON, LAT, srid=4326))
    page.set_viewport_size({"width": 1366, "height": 640})
    logged_in(page, officer, live_server.url, language="vi")
    page.goto("/businesses/edit/")
    open_business(page)
    page.fill("[name=signboard]", "   ")
    page.fill("[name=registered_on]", "31/02/2024")
    page.click("#save")
    page.wait_for_selector("#status.error")
    assert field_error(page, "signboard") == "Không được để trống (hoặc chỉ có dấu cách)."
    assert "nn/tt/nnnn" in field_error(page, "registered_on")
    status = page.inner_text("#status")
    assert "Tên biển hiệu" in status and "Ngày đăng ký" in status and "signboard" not in status
    assert status != "Dữ liệu không hợp lệ."
    assert page.evaluate(IN_PANEL, "#status"), "the status line is out of view after Lưu"
    assert page.get_attribute("[name=signboard]", "aria-invalid") == "true"
    business.refresh_from_db()
    assert business.version == 1

    # Put right, saved: the marks go, the status says so where the officer is looking.
    page.fill("[name=signboard]", "Phở Hòa Mới")
    page.fill("[name=registered_on]", "28/02/2024")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    assert page.locator(".field-error").count() == 0
    assert page.evaluate(IN_PANEL, "#status")
    business.refresh_from_db()
    assert (business.signboard, business.registered_on, business.version) == ("Phở Hòa Mới", dt.date(2024, 2, 28), 2)


@pytest.mark.parametrize(("language", "nothing"), [("vi", "Không có thay đổi nào để lưu."), ("en", "Nothing to save.")])
def test_business_save_with_nothing_changed_makes_no_version_and_says_so(ward, live_server, page, language, nothing):
    ward, officer = ward
    # A position with more decimals than Leaflet's toGeoJSON() keeps (6), and a field the form shows as empty.
    lon, lat = LON + 0.0000123456, LAT - 0.0000098765
    business = BusinessFactory(ward=ward, signboard="Phở Hòa", geom=Point(lon, lat, srid=4326), owner_phone="")
    logged_in(page, officer, live_server.url, language=language)
    page.goto("/businesses/edit/")
    open_business(page)
    page.click("#save")
    page.wait_for_function("(text) => document.getElementById('status').textContent === text", arg=nothing)
    assert page.evaluate(IN_PANEL, "#status")
    page.wait_for_timeout(300)  # a request sent anyway would have answered by now
    business.refresh_from_db()
    assert business.version == 1 and business.history.count() <= 1

    # A real change: version 2, the point the officer did not move kept to the last decimal.
    page.fill("[name=owner_phone]", "0901234567")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('2')")
    business.refresh_from_db()
    assert (business.owner_phone, business.version) == ("0901234567", 2)
    assert (business.geom.x, business.geom.y) == (lon, lat)


def test_business_conflict_panel_speaks_in_labels_and_words_and_comes_into_view(ward, live_server, page):
    ward, officer = ward
    business = BusinessFactory(
        ward=ward,
        signboard="Phở Hòa",
        geom=Point(LON, LAT, srid=4326),
        address_legacy="12 Đường Cũ",
        licences=["alcohol_retail"],
    )
    page.set_viewport_size({"width": 1366, "height": 800})
    logged_in(page, officer, live_server.url, language="vi")
    page.goto("/businesses/edit/")
    open_business(page)
    # Another officer saves first: a new name, industry, status, date, and the point 25 m east.
    Business.objects.filter(pk=business.pk).update(
        signboard="Phở Hòa Đổi",
        industry=industry("5630"),
        status="suspended",
        registered_on=dt.date(2021, 3, 4),
        geom=offset_point(LON, LAT, 25, 0),
        version=2,
    )
    page.fill("[name=owner_phone]", "0901234567")
    page.click("#save")
    page.wait_for_selector("#conflict:not([hidden])")
    assert page.evaluate(WHOLE_IN_PANEL, "#conflict"), "the conflict panel is below the fold"
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [td.inner_text() for td in tr.locator("td").all()] for tr in page.locator("#conflict-rows tr").all()
        )
    }
    assert rows["Tên biển hiệu"] == ["Phở Hòa", "Phở Hòa Đổi"]
    assert rows["Ngành nghề chính"][0].startswith("5610 — ") and rows["Ngành nghề chính"][1].startswith("5630 — ")
    assert rows["Tình trạng"] == ["Đang hoạt động", "Tạm ngừng kinh doanh"]
    assert rows["Ngày đăng ký"] == ["01/01/2020", "04/03/2021"]
    assert rows["Vị trí"] == ["không dời", "dời 25 m"]
    text = page.inner_text("#conflict")
    for raw in ("signboard", "registration_no", "owner_name", "geom", "active", "suspended", "2021-03-04"):
        assert raw not in text, raw

    # Keep mine: the history names every field in words, the ones the form does not show too.
    page.click("#keep-mine")
    page.wait_for_selector("#conflict[hidden]", state="attached")
    page.wait_for_function("() => document.querySelectorAll('#history-list li').length === 2")
    history = page.inner_text("#history-list")
    assert "Địa chỉ cũ" in history and "Giấy phép" in history and "Phường" in history
    for code in ("address_legacy", "ward", "khu_pho", "section", "licences"):
        assert code not in history, code


def place_new_point(page, url: str, form: str) -> None:
    """On an editor's map, the marker tool and a click in the map's middle: the new feature's form, ready."""
    page.on("dialog", lambda d: d.accept())  # the delete that follows asks first
    page.goto(url)
    page.wait_for_selector("#map[data-loaded='true']")
    page.click(".leaflet-pm-icon-marker")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector(f"{form}[data-state=ready]:not([hidden])")


def test_a_new_business_can_be_deleted_from_the_form_at_once(ward, live_server, page):
    ward, officer = ward
    code = industry("5630")  # in the reference table before the page lists the industries
    logged_in(page, officer, live_server.url, language="vi")
    place_new_point(page, "/businesses/edit/", "#business-form")
    assert page.is_hidden("#delete")
    page.fill("[name=signboard]", "Thêm nhầm")
    page.fill("[name=registration_no]", "41A9990002")
    page.select_option("[name=industry]", value=str(code.pk))
    page.fill("[name=owner_name]", "Chủ Quán")
    page.fill("[name=address_current]", "9 Đường Thử")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    assert page.is_visible("#delete")
    page.click("#delete")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('khôi phục')")
    assert Business.objects.get(registration_no="41A9990002").is_deleted


def test_waste_point_editor_names_fields_keeps_versions_and_draws_kinds(ward, live_server, page):
    ward, officer = ward
    # A position with more decimals than Leaflet's toGeoJSON() keeps (6).
    lon, lat = LON + 0.0000123456, LAT - 0.0000098765
    point = waste_point(ward, lon=lon, lat=lat, name="Thùng rác chợ", capacity=240)
    waste_point(ward, lon=LON + 0.0005, lat=LAT, kind="toilet", name="Nhà vệ sinh")
    page.set_viewport_size({"width": 1366, "height": 800})
    logged_in(page, officer, live_server.url, language="en")
    page.goto("/layers/edit/?layer=waste_points")
    page.wait_for_selector("#map[data-loaded='true']")
    page.wait_for_function("() => document.querySelectorAll('.layer-feature').length === 2")
    # Each kind drawn as the public map draws it: a green circle for the bin, a blue square for the toilet.
    fills = page.eval_on_selector_all(".layer-feature path", "els => els.map((e) => e.getAttribute('fill')).sort()")
    assert fills == ["#0369a1", "#15803d"]

    page.click(".layer-feature:has(path[fill='#15803d'])")
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    # Save with nothing changed: no request makes a version.
    page.click("#save")
    page.wait_for_function("() => document.getElementById('status').textContent === 'Nothing to save.'")
    assert page.evaluate(IN_PANEL, "#status")
    api = page.request.get(f"/api/v1/layers/waste_points/features/{point.pk}/").json()
    assert api["properties"]["version"] == 1
    point.refresh_from_db()
    assert point.version == 1

    # Both fields refused: each says so under itself, named by its title in the status, in English.
    page.select_option("[name=kind]", value="")
    page.fill("[name=name]", "")
    page.fill("[name=last_inspected]", "31/02/2024")
    page.click("#save")
    page.wait_for_selector("#status.error")
    assert field_error(page, "kind") == "Nothing chosen."
    assert field_error(page, "name").startswith("May not be empty")
    assert field_error(page, "last_inspected") == "Not a real date, or not written as dd/mm/yyyy."
    status = page.inner_text("#status")
    assert "Kind" in status and "Last inspected" in status and "last_inspected" not in status
    assert page.evaluate(IN_PANEL, "#status"), "the status line is out of view after Save"

    # A real change: saved as version 2, the position the officer did not move kept to the last decimal.
    page.select_option("[name=kind]", value="bin")
    page.fill("[name=name]", "Thùng rác chợ mới")
    page.fill("[name=last_inspected]", "")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    point.refresh_from_db()
    assert (point.name, point.version) == ("Thùng rác chợ mới", 2)
    assert (point.geom.x, point.geom.y) == (lon, lat)


def test_a_new_waste_point_can_be_deleted_from_the_form_at_once(ward, live_server, page):
    ward, officer = ward
    logged_in(page, officer, live_server.url, language="en")
    place_new_point(page, "/layers/edit/?layer=waste_points", "#feature-form")
    assert page.is_hidden("#delete")
    page.select_option("[name=kind]", value="bin")
    page.fill("[name=name]", "Thêm nhầm")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    assert page.is_visible("#delete")
    page.click("#delete")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('restored')")
    assert WastePoint.objects.get(name="Thêm nhầm").is_deleted
    assert page.console_errors == []
