"""In Chromium at 1366×800: a ward's administrator defines a streetlight layer on the definition page, and a ward
officer draws its first lamp in the map editor, with the form built from the definition."""

from __future__ import annotations

import pytest

from gisportal.models import Role
from layers.themes.models import ThemeFeature, ThemeLayer
from tests.browser.session import logged_in
from tests.factories import AdminUnitFactory, square, user_with_role

pytestmark = pytest.mark.browser

LON, LAT = 106.70, 10.78


@pytest.fixture
def ward(transactional_db):
    ward = AdminUnitFactory(name="Phường Thử Nghiệm", boundary=square(LON, LAT, 0.004))
    admin = user_with_role("quantri_thu", Role.ADMIN)
    officer = user_with_role("canbo_thu", Role.WARD_OFFICER, wards=[ward])
    return ward, admin, officer


def test_administrator_defines_a_layer_and_an_officer_draws_its_first_feature(ward, live_server, page):
    ward, admin, officer = ward
    page.set_viewport_size({"width": 1366, "height": 800})
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    logged_in(page, admin, live_server.url)
    page.goto("/layers/themes/")
    page.wait_for_selector("#definition-form .field-row")

    page.fill("[name=name_vi]", "Đèn đường năng lượng mặt trời")
    page.fill("[name=name_en]", "Solar streetlights")
    page.fill("[name=slug]", "den_duong")
    page.select_option("[name=owner]", value=str(ward.pk))
    first = page.locator(".field-row").nth(0)
    first.locator("[name=f_name]").fill("code")
    first.locator("[name=f_title]").fill("Mã đèn")
    first.locator("[name=f_title_en]").fill("Lamp code")
    first.locator("[name=f_required]").check()
    first.locator("[name=f_public]").check()
    page.click("#add-field")
    second = page.locator(".field-row").nth(1)
    second.locator("[name=f_name]").fill("power")
    second.locator("[name=f_title]").fill("Nguồn điện")
    second.locator("[name=f_type]").select_option("choice")
    second.locator("[name=f_public]").check()
    second.locator("[name=f_choices]").fill("solar | Năng lượng mặt trời | Solar | #f59e0b\ngrid | Điện lưới | Grid")
    page.fill("[name=by]", "power")

    # A bad definition first: the same field name twice is refused with the server's message, nothing saved.
    page.click("#add-field")
    page.locator(".field-row").nth(2).locator("[name=f_name]").fill("code")
    page.locator(".field-row").nth(2).locator("[name=f_title]").fill("Mã khác")
    page.click("#save-definition")
    page.wait_for_selector("#def-status.error")
    assert "used twice" in page.inner_text("#def-status")
    assert not ThemeLayer.objects.exists()
    page.locator(".field-row").nth(2).locator(".remove-field").click()

    page.click("#save-definition")
    page.wait_for_selector("#def-status.ok")
    layer = ThemeLayer.objects.get(slug="den_duong")
    assert layer.owner_id == ward.pk and [f["name"] for f in layer.fields] == ["code", "power"]
    assert layer.fields[1]["choices"][1] == {"value": "grid", "label": "Điện lưới", "label_en": "Grid"}
    page.wait_for_selector("#theme-list li")
    assert "Đèn đường năng lượng mặt trời" in page.inner_text("#theme-list")
    assert page.get_attribute("#open-editor", "href") == "/layers/edit/?layer=den_duong"

    # The officer opens the new layer in the map editor, with no restart, and draws the first lamp.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    logged_in(page, officer, live_server.url)
    page.goto("/layers/edit/?layer=den_duong")
    page.wait_for_selector("#map[data-loaded='true']")
    page.click(".leaflet-pm-icon-marker")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 + 20)
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    page.fill("[name=code]", "DL-001")
    page.select_option("[name=power]", value="solar")
    page.click("#save")
    page.wait_for_selector("#status.ok")
    lamp = ThemeFeature.objects.get()
    assert lamp.values == {"code": "DL-001", "power": "solar"}
    assert (lamp.ward_id, lamp.version, lamp.layer_id) == (ward.pk, 1, layer.pk)
    assert lamp.history.get().history_user == officer
    # The browser logs the 400 of the refused definition, meant to happen; nothing else may fail.
    assert [e for e in page.console_errors if "400 (Bad Request)" not in e] == []


def test_an_officer_draws_a_line_in_a_line_layer_and_adds_a_photo(ward, live_server, page):
    """A layer of lines (drains, alleys lit at night) gets Geoman's line tool, the line is saved as drawn, and the
    photo field takes a photo from the phone's camera or files."""
    from layers.themes import services
    from tests.layers.reports.samples import jpeg

    ward, admin, officer = ward
    services.define(
        admin,
        {
            "slug": "cong_thoat_nuoc",
            "name_vi": "Cống thoát nước",
            "name_en": "Drains",
            "geometry_type": "LineString",
            "owner": ward.pk,
            "editor_roles": ["ward_officer"],
            "edit_scope": "ward",
            "style": {"color": "#0e7490", "symbol": "circle"},
            "minzoom": 12,
            "fields": [
                {"name": "ma", "title": "Mã cống", "title_en": "Drain code", "type": "text", "public": True},
                {"name": "anh", "title": "Ảnh", "title_en": "Photo", "type": "photo", "public": True},
            ],
        },
    )
    page.set_viewport_size({"width": 1366, "height": 800})
    logged_in(page, officer, live_server.url)
    page.goto("/layers/edit/?layer=cong_thoat_nuoc")
    page.wait_for_selector("#map[data-loaded='true']")
    assert page.locator(".leaflet-pm-icon-marker").count() == 0  # no point tool on a layer of lines
    assert page.locator(".leaflet-pm-icon-polygon").count() == 0
    page.click(".leaflet-pm-icon-polyline")
    box = page.locator("#map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, 0), (0, 30), (60, 10)):
        page.mouse.click(x + dx, y + dy)
    page.mouse.click(x + 60, y + 10)  # the last vertex again ends the line
    page.wait_for_selector("#feature-form[data-state=ready]:not([hidden])")
    page.fill("[name=ma]", "CTN-01")
    page.set_input_files(".photo-file", files=[{"name": "cong.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.wait_for_selector(".photo-preview:not([hidden])")
    assert page.input_value("[name=anh]").startswith("/api/v1/themes/cong_thoat_nuoc/photos/")
    assert page.evaluate("document.querySelector('.photo-preview').naturalWidth") == 400  # the photo is shown
    page.click("#save")
    page.wait_for_selector("#status.ok, #status.error")
    assert "ok" in page.get_attribute("#status", "class"), page.inner_text("#status")
    drain = ThemeFeature.objects.get()
    assert drain.geom.geom_type == "LineString" and drain.geom.num_points == 3
    assert drain.values["ma"] == "CTN-01" and drain.values["anh"].endswith(".jpg") and drain.ward_id == ward.pk
    assert page.console_errors == []


def test_an_officer_maps_a_files_columns_onto_the_fields_and_imports_it(ward, live_server, page, tmp_path):
    """A file whose columns the portal cannot match by name: the officer picks the field of each column on the
    form, checks again, and imports every row."""
    import geopandas as gpd
    from shapely.geometry import Point

    from layers.themes import services

    ward, admin, officer = ward
    services.define(
        admin,
        {
            "slug": "camera",
            "name_vi": "Camera an ninh",
            "name_en": "Cameras",
            "geometry_type": "Point",
            "owner": ward.pk,
            "editor_roles": ["ward_officer"],
            "edit_scope": "ward",
            "style": {"color": "#7c3aed", "symbol": "camera"},
            "minzoom": 12,
            "fields": [
                {"name": "ma", "title": "Mã camera", "title_en": "Camera code", "type": "text", "required": True},
            ],
        },
    )
    path = tmp_path / "camera.geojson"
    rows = [{"SO_HIEU": "CAM-1"}, {"SO_HIEU": "CAM-2"}]
    gpd.GeoDataFrame(rows, geometry=[Point(LON, LAT), Point(LON + 0.001, LAT)], crs=4326).to_file(path)

    page.set_viewport_size({"width": 1366, "height": 800})
    logged_in(page, officer, live_server.url)
    page.goto("/layers/edit/?layer=camera")
    page.wait_for_selector("#map[data-loaded='true']")
    page.set_input_files("#import-file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-mapping select[data-column=SO_HIEU]")
    assert page.locator("#import-status.error").count() == 1  # the required code is missing on every row
    page.select_option("#import-mapping select[data-column=SO_HIEU]", value="ma")
    page.click("#import-remap")
    page.wait_for_selector("#import-commit:not([hidden])")
    page.click("#import-commit")
    page.wait_for_selector("#import-status.ok")
    assert sorted(f.values["ma"] for f in ThemeFeature.objects.filter(layer__slug="camera")) == ["CAM-1", "CAM-2"]
