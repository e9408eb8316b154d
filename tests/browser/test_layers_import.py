"""A ward officer imports a GIS file on the layers editor page in Chromium: the check lists the bad row and
imports nothing; the corrected file, big enough to go to the real Celery worker, is imported whole and its
points appear on the map."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gisportal.models import Role
from layers.models import WastePoint
from tests.browser.session import logged_in
from tests.factories import AdminUnitFactory, square, user_with_role

pytestmark = pytest.mark.browser

LON, LAT = 106.70, 10.78


@pytest.fixture
def officer(transactional_db):
    ward = AdminUnitFactory(boundary=square(LON, LAT, 0.004))
    return ward, user_with_role("officer_import", Role.WARD_OFFICER, wards=[ward])


def bins_file(tmp_path, kinds: list[str]) -> str:
    points = [shapely.Point(LON - 0.0006 + 0.0003 * i, LAT + 0.0002 * (i % 2)) for i in range(len(kinds))]
    names = [f"Thùng rác {i}" for i in range(1, len(kinds) + 1)]
    gdf = gpd.GeoDataFrame({"kind": kinds, "name": names, "capacity": [240.0] * len(kinds)}, geometry=points, crs=4326)
    path = tmp_path / "thung-rac.geojson"
    path.write_text(gdf.to_json(), encoding="utf-8")
    return str(path)


def test_officer_checks_a_file_sees_the_bad_row_then_imports_the_corrected_one(
    officer, live_server, page, tmp_path, settings, celery_worker
):
    ward, user = officer
    settings.GIS_IMPORT_INLINE_ROWS = 3  # the corrected file (4 rows) goes through the worker
    settings.SPOOL_DIR = celery_worker.spool_dir
    logged_in(page, user, live_server.url, language="en")
    page.goto("/layers/edit/?layer=waste_points")
    page.wait_for_selector("#map[data-loaded='true']")

    # A file whose third row is of no known kind: the check names that row, and there is nothing to import.
    page.set_input_files("#import-file", bins_file(tmp_path, ["bin", "bin", "volcano"]))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-status.error")
    assert "3 rows: 2 ready, 1 with problems" in page.inner_text("#import-status")
    problems = page.locator("#import-problems li")
    assert problems.count() == 1 and problems.first.inner_text().startswith("Row 3:")
    assert page.locator("#import-preview tr.problem").count() == 1
    assert page.locator("#import-commit").is_hidden()
    assert not WastePoint.objects.exists()

    # The corrected file, one row longer: checked and then written by the worker, all four rows.
    page.set_input_files("#import-file", bins_file(tmp_path, ["bin", "bin", "toilet", "bin"]))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-status.ok")
    assert "4 rows: 4 ready, 0 with problems" in page.inner_text("#import-status")
    assert page.inner_text("#import-commit") == "Import all 4 rows"
    page.click("#import-commit")
    page.wait_for_function("() => document.getElementById('import-status').textContent.includes('4 features imported')")
    assert WastePoint.objects.filter(ward=ward).count() == 4
    assert WastePoint.objects.filter(kind="toilet").count() == 1
    page.wait_for_function("() => document.querySelectorAll('.layer-feature').length === 4")
    assert all(p.history.get().history_user == user for p in WastePoint.objects.all())
    assert page.console_errors == []
