"""A ward officer places, moves, edits and deletes businesses on the map, in Chromium, and meets a 409."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point

from businesses.models import Business
from gisportal.models import Role
from tests.browser.session import logged_in
from tests.factories import AdminUnitFactory, BusinessFactory, industry, square, user_with_role

pytestmark = pytest.mark.browser

LON, LAT = 106.70, 10.78


@pytest.fixture
def ward_with_business(transactional_db):
    ward = AdminUnitFactory(boundary=square(LON, LAT, 0.004))
    officer = user_with_role("officer_editor", Role.WARD_OFFICER, wards=[ward])
    business = BusinessFactory(ward=ward, signboard="Phở Hòa", geom=Point(LON, LAT, srid=4326))
    return ward, officer, business


def test_officer_places_moves_edits_and_deletes(ward_with_business, live_server, page):
    ward, officer, business = ward_with_business
    logged_in(page, officer, live_server.url)
    page.on("dialog", lambda d: d.accept())
    page.goto("/businesses/edit/")
    page.wait_for_selector("#map[data-loaded='true']")
    page.wait_for_selector(".business-marker")
    assert page.locator(".business-marker").count() == 1

    # Place a new business: the marker tool, a click east of the existing one, the form.
    page.click(".leaflet-pm-icon-marker")
    box = page.locator("#map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(cx + 80, cy + 40)
    page.wait_for_selector("#business-form:not([hidden])")
    page.fill("[name=signboard]", "Cà phê Mới")
    page.fill("[name=registration_no]", "41A9990001")
    page.select_option("[name=industry]", value=str(industry("5630").pk))
    page.fill("[name=owner_name]", "Chủ Quán Mới")
    page.fill("[name=address_current]", "9 Đường Thử")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    created = Business.objects.get(registration_no="41A9990001")
    assert created.ward_id == ward.pk and created.industry.code == "5630" and created.version == 1
    assert created.geom.x > LON and created.geom.y < LAT  # east and south of the centre, where we clicked
    assert created.history.first().history_user == officer
    page.click("#cancel")

    # Move the first business by dragging its marker in drag mode: saved at once, version 2.
    page.click(".leaflet-pm-icon-drag")
    marker = page.locator(".business-marker").first
    mb = marker.bounding_box()
    page.mouse.move(mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] - 2)
    page.mouse.down()
    page.mouse.move(mb["x"] + mb["width"] / 2 - 60, mb["y"] + mb["height"] - 2, steps=8)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('2')")
    business.refresh_from_db()
    assert business.version == 2 and business.geom.x < LON
    page.click(".leaflet-pm-icon-drag")  # leave drag mode

    # Someone else saves after we opened the form: our save gets a 409 with both versions.
    page.locator(".business-marker").first.click()
    page.wait_for_selector("#business-form[data-state=ready]:not([hidden])")
    assert page.input_value("[name=version]") == "2"
    Business.objects.filter(pk=business.pk).update(signboard="Phở Hòa Đổi", version=3)
    page.fill("[name=owner_phone]", "0901234567")
    page.click("#save")
    page.wait_for_selector("#conflict:not([hidden])")
    assert "Phở Hòa Đổi" in page.inner_text("#conflict")
    business.refresh_from_db()
    assert business.owner_phone != "0901234567"  # nothing of ours was written
    page.click("#keep-mine")
    page.wait_for_selector("#conflict[hidden]", state="attached")
    business.refresh_from_db()
    assert business.version == 4 and business.owner_phone == "0901234567"
    # History: created (v1), moved (v2), ours (v4); the other save went around the API (no history row).
    page.wait_for_function("() => document.querySelectorAll('#history-list li').length === 3")
    assert page.locator("#history-list li").first.inner_text().startswith("v4")

    # Delete: soft, versioned.
    page.click("#delete")
    page.wait_for_function("() => document.querySelectorAll('.business-marker').length === 1")
    business.refresh_from_db()
    assert business.is_deleted and business.version == 5
    unexpected = [e for e in page.console_errors if "409 (Conflict)" not in e]  # the one the test provoked
    assert not unexpected, unexpected


def test_a_leader_gets_no_editing_tools(ward_with_business, live_server, page):
    leader = user_with_role("leader_view", Role.DISTRICT_LEADER)
    logged_in(page, leader, live_server.url)
    page.goto("/businesses/edit/")
    page.wait_for_selector(".business-marker")
    assert page.locator(".leaflet-pm-icon-marker").count() == 0
