"""House-number import through HTTP and the command: every file format and CRS, every rejection, all or nothing."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client, override_settings

from households.models import HouseImport, HouseNumber
from layers.crs import VN2000_TM3_105_45, VN2000_TM3_107_45, VN2000_UTM48N, WGS84, transformer
from tests.households.house_world import (
    alley_houses,
    gis_file,
    make_streets,
    ndc_houses,
    survey_csv,
    upload,
    vn2000,
    wgs84_csv,
    write_csv,
    xlsx,
    zip_shapefile,
)

VN2000 = [VN2000_TM3_105_45, VN2000_TM3_107_45, VN2000_UTM48N]


@pytest.fixture
def streets(world):
    return make_streets(world)


@pytest.fixture
def officer(world) -> Client:
    client = Client()
    client.force_login(world.users["ward_officer"])
    return client


@pytest.fixture
def admin(world) -> Client:
    client = Client()
    client.force_login(world.users["admin"])
    return client


def numbers(street) -> list[str]:
    return list(HouseNumber.objects.filter(street=street, status="active").values_list("number", flat=True))


def codes(response) -> set[str]:
    return set(response.json()["details"]["report"]["rejections"])


# --- formats and coordinate systems -------------------------------------------------------------------


def test_wgs84_csv_imports_with_canonical_address_khu_pho_and_history(world, streets, officer, tmp_path):
    houses = ndc_houses(1, 20) + alley_houses(5, 6)
    response = upload(officer, wgs84_csv(tmp_path / "so-nha.csv", houses))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["created"], data["rejected"]) == ("done", 26, 0)
    assert data["report"]["crs"] == {"4326": 26}
    h = HouseNumber.objects.get(street=streets["ndc_a"], number="5/3")
    assert (h.main, h.alleys, h.ward_id) == (5, ["3"], world.ward_a.pk)
    assert h.khu_pho_id == world.kp_a1.pk  # placed by its point, in one SQL statement
    assert h.address == "5/3 Nguyễn Đình Chiểu, Khu phố 1, Phường An Nhơn, Thành phố Hồ Chí Minh"
    assert h.source == "import" and h.house_import_id == data["id"] and h.version == 1
    assert h.history.count() == 1 and h.history.first().history_type == "+"
    assert h.history.first().history_user_id == world.users["ward_officer"].pk
    # Sorted as walked: 1, 2, 3, 4, 5, 5/1 … 5/6, 6 …
    walk = list(
        HouseNumber.objects.filter(street=streets["ndc_a"]).order_by("sort_key").values_list("number", flat=True)
    )
    assert walk[:8] == ["1", "2", "3", "4", "5", "5/1", "5/2", "5/3"]


@pytest.mark.parametrize("epsg", VN2000)
def test_vn2000_point_lands_within_a_metre_of_its_wgs84_twin(world, streets, officer, tmp_path, epsg):
    """The same houses in WGS 84, then as a VN-2000 survey (X northing, Y easting): nothing moves."""
    houses = ndc_houses(1, 12)
    assert upload(officer, wgs84_csv(tmp_path / "wgs84.csv", houses)).status_code == 201
    response = upload(officer, survey_csv(tmp_path / "vn2000.csv", houses, epsg), crs=str(epsg))
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, 12), data
    with connection.cursor() as cur:
        cur.execute(
            """SELECT max(ST_Distance(h.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography))
                 FROM households_housenumber h WHERE h.street_id = %s AND h.number = '1'""",
            [houses[0].lon, houses[0].lat, streets["ndc_a"].pk],
        )
        assert cur.fetchone()[0] < 1.0
    # PROJ used an EPSG datum transformation (a Helmert from the EPSG database, ~1 m), not a ballpark one.
    tr = transformer(epsg, WGS84)
    _h, e, n = vn2000(houses[:1], epsg)[0]
    tr.transform(e, n)
    operation = tr.get_last_used_operation()
    assert "VN-2000 to WGS 84" in operation.description and operation.accuracy <= 1.0


def test_vn2000_through_easting_northing_xlsx_and_the_address_column(world, streets, officer, tmp_path):
    houses = ndc_houses(1, 6)
    rows = [
        [f"{h.number} Đường Nguyễn Đình Chiểu, P. An Nhơn", round(e, 3), round(n, 3), "EPSG:9210"]
        for h, e, n in vn2000(houses, VN2000_TM3_105_45)
    ]
    path = xlsx(tmp_path / "so-nha.xlsx", ["Địa chỉ", "Easting", "Northing", "CRS"], rows)
    response = upload(officer, path)
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 6
    assert sorted(numbers(streets["ndc_a"]), key=int) == [h.number for h in houses]


@pytest.mark.parametrize("epsg", [WGS84, VN2000_TM3_105_45, VN2000_UTM48N])
def test_geopackage_with_its_own_crs(world, streets, officer, tmp_path, epsg):
    response = upload(officer, gis_file(tmp_path / "so-nha.gpkg", ndc_houses(1, 8), epsg, "GPKG"))
    assert response.status_code == 201, response.json()
    assert response.json()["report"]["crs"] == {str(epsg): 8}


def test_zipped_shapefile_with_prj(world, streets, officer, tmp_path):
    shp = gis_file(tmp_path / "so_nha.shp", ndc_houses(1, 8), VN2000_TM3_107_45, "ESRI Shapefile")
    response = upload(officer, zip_shapefile(shp))
    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 8


def test_command_imports_a_shapefile_and_dry_run_writes_nothing(world, streets, tmp_path):
    shp = gis_file(tmp_path / "so_nha.shp", ndc_houses(1, 10), VN2000_UTM48N, "ESRI Shapefile")
    out = io.StringIO()
    call_command(
        "import_house_numbers", str(shp), ward=world.ward_a.code, dry_run=True, stdout=out, stderr=io.StringIO()
    )
    assert "checked: 10 rows, 10 created" in out.getvalue()
    assert HouseNumber.objects.count() == 0
    call_command("import_house_numbers", str(shp), ward=world.ward_a.code, stdout=out, stderr=io.StringIO())
    assert HouseNumber.objects.count() == 10
    assert HouseImport.objects.filter(source="command", status="done").count() == 1


def test_reimport_moves_a_point_with_version_and_history(world, streets, officer, tmp_path):
    houses = ndc_houses(1, 6)
    upload(officer, wgs84_csv(tmp_path / "a.csv", houses))
    moved = [
        *houses[:5],
        houses[5].__class__(houses[5].number, houses[5].street, houses[5].lon + 0.00002, houses[5].lat),
    ]
    data = upload(officer, wgs84_csv(tmp_path / "b.csv", moved)).json()
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 1, 5)
    h = HouseNumber.objects.get(street=streets["ndc_a"], number="6")
    assert h.version == 2 and abs(h.geom.x - moved[5].lon) < 1e-7
    assert [r.history_type for r in h.history.order_by("history_id")] == ["+", "~"]


# --- rejections: a 4xx, nothing written ----------------------------------------------------------------


def assert_nothing_written(before: int = 0) -> None:
    assert HouseNumber.objects.count() == before


def test_csv_without_crs_is_refused(world, streets, officer, tmp_path):
    response = upload(officer, wgs84_csv(tmp_path / "no-crs.csv", ndc_houses(1, 3), crs_column=False))
    assert response.status_code == 400
    assert response.json()["error"] == "missing_crs"
    assert "crs" in response.json()["message"] and "crs" in response.json()["message_en"]
    assert_nothing_written()
    assert HouseImport.objects.get().status == "failed"


def test_shapefile_without_prj_is_refused_unless_crs_is_given(world, streets, officer, tmp_path):
    shp = gis_file(tmp_path / "no_prj.shp", ndc_houses(1, 4), None, "ESRI Shapefile")
    assert not shp.with_suffix(".prj").exists()
    response = upload(officer, zip_shapefile(shp))
    assert response.status_code == 400 and response.json()["error"] == "missing_crs"
    assert ".prj" in response.json()["message"]
    assert_nothing_written()
    assert upload(officer, zip_shapefile(shp), crs="4326").status_code == 201


def test_unsupported_crs_and_conflicting_crs(world, streets, officer, tmp_path):
    gpkg = gis_file(tmp_path / "mercator.gpkg", ndc_houses(1, 3), 3857, "GPKG")
    response = upload(officer, gpkg)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_crs"
    gpkg = gis_file(tmp_path / "tm3.gpkg", ndc_houses(1, 3), VN2000_TM3_105_45, "GPKG")
    response = upload(officer, gpkg, crs="5899")
    assert response.status_code == 400 and response.json()["error"] == "crs_conflict"
    assert_nothing_written()


# A VN-2000 TM .prj on a meridian no EPSG zone uses (106.1°): a CRS without an EPSG code.
LOCAL_PRJ = (
    'PROJCS["VN2000_local",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,'
    '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",106.1],'
    'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)


def test_a_prj_without_an_epsg_code_needs_the_crs_parameter(world, streets, officer, tmp_path):
    shp = gis_file(tmp_path / "local.shp", ndc_houses(1, 4), None, "ESRI Shapefile")
    shp.with_suffix(".prj").write_text(LOCAL_PRJ)
    response = upload(officer, zip_shapefile(shp))
    assert response.status_code == 400 and response.json()["error"] == "unknown_crs"
    assert "VN2000_local" in response.json()["message"]
    assert_nothing_written()


def test_swapped_survey_axes_are_explained(world, streets, officer, tmp_path):
    path = survey_csv(tmp_path / "swapped.csv", ndc_houses(1, 4), VN2000_TM3_105_45, swap=True)
    response = upload(officer, path, crs="9210")
    assert response.status_code == 400
    assert response.json()["error"] == "import_rejected"
    item = response.json()["details"]["report"]["rejections"]["swapped_axes"]["items"][0]
    assert "X là tọa độ hướng Bắc" in item["message"] and "X is the northing" in item["message_en"]
    assert_nothing_written()


def test_points_outside_vietnam_and_swapped_lat_lon(world, streets, officer, tmp_path):
    houses = ndc_houses(1, 3)
    rows = [[h.number, h.street, h.lat, h.lon, 4326] for h in houses]
    rows.append(["7", "Nguyễn Đình Chiểu", 48.85, 2.35, 4326])  # Paris
    rows.append(["9", "Nguyễn Đình Chiểu", 106.70, 10.78, 4326])  # lat and lon swapped
    response = upload(officer, write_csv(tmp_path / "far.csv", ["so_nha", "duong", "lat", "lon", "crs"], rows))
    assert response.status_code == 400
    assert codes(response) == {"outside_vietnam", "swapped_coordinates"}
    assert response.json()["details"]["rejected"] == 2
    assert_nothing_written()


def test_row_rejections_are_all_reported_and_nothing_is_written(world, streets, officer, tmp_path):
    good = ndc_houses(1, 4)
    rows = [[h.number, h.street, h.lat, h.lon, 4326] for h in good]
    rows += [
        ["<b>11</b>", "Nguyễn Đình Chiểu", 10.78008, 106.6928, 4326],  # HTML
        ["abc", "Nguyễn Đình Chiểu", 10.78008, 106.6929, 4326],  # not a number
        ["13", "Nguyễn Đình Chiu", 10.78008, 106.6930, 4326],  # misspelt street
        ["15", "Nguyễn Đình Chiểu", 10.78008, 106.7301, 4326],  # in ward B
        ["2", "Nguyễn Đình Chiểu", 10.77992, 106.7000, 4326],  # 2 again, elsewhere
        ["17", "Nguyễn Đình Chiểu", "", "", 4326],  # no coordinates
    ]
    path = write_csv(tmp_path / "bad.csv", ["so_nha", "duong", "lat", "lon", "crs"], rows)
    response = upload(officer, path)
    assert response.status_code == 400, response.json()
    report = response.json()["details"]["report"]
    assert set(report["rejections"]) == {
        "html_in_text",
        "unparseable",
        "unknown_street",
        "outside_ward",
        "duplicate",
        "bad_coordinates",
    }
    assert "Nguyễn Đình Chiểu" in report["rejections"]["unknown_street"]["items"][0]["message_en"]  # did you mean
    assert report["rejections"]["duplicate"]["count"] == 2  # both rows of number 2
    assert report["standardisation"]["duplicates"] == 2 and report["standardisation"]["outside_ward"] == 1
    assert_nothing_written()
    job = HouseImport.objects.get()
    assert job.status == "rejected" and job.rejected == 7 and job.created == 0


def test_identical_duplicate_is_a_warning_and_imported_once(world, streets, officer, tmp_path):
    houses = ndc_houses(1, 4)
    response = upload(officer, wgs84_csv(tmp_path / "dup.csv", [*houses, houses[2]]))
    assert response.status_code == 201
    assert response.json()["report"]["warnings"]["duplicate_identical"]["count"] == 1
    assert response.json()["created"] == 4


def test_xlsx_with_a_formula_is_refused(world, streets, officer, tmp_path):
    rows = [["1", "Nguyễn Đình Chiểu", 10.78008, "=106.69+0.0025", 4326]]
    response = upload(officer, xlsx(tmp_path / "f.xlsx", ["so_nha", "duong", "lat", "lon", "crs"], rows))
    assert response.status_code == 400 and response.json()["error"] == "xlsx_formula"
    assert_nothing_written()


def test_zip_bomb_is_refused_before_inflating(world, streets, officer, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("houses.csv", "w") as member:
            member.write(b"so_nha,duong,lat,lon,crs\n")
            for _ in range(64):
                member.write(b"\0" * 2**20)  # 64 MB of zeros: ~64 kB compressed
    response = upload(officer, bomb)
    assert response.status_code == 400 and response.json()["error"] == "zip_bomb"
    assert_nothing_written()


def test_a_utf16_csv_zipped_inside_a_folder_imports(world, streets, officer, tmp_path):
    # Excel's "Unicode Text" is UTF-16; Windows zips keep the folder the file was in.
    text = wgs84_csv(tmp_path / "so-nha.csv", ndc_houses(1, 8)).read_text(encoding="utf-8")
    archive = tmp_path / "so-nha.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Xuất dữ liệu/2025/so-nha.csv", text.encode("utf-16"))
        zf.writestr("__MACOSX/Xuất dữ liệu/2025/._so-nha.csv", b"\x00\x05\x16\x07")
    response = upload(officer, archive)
    assert response.status_code == 201, response.json()
    assert (response.json()["created"], response.json()["rejected"]) == (8, 0)


def test_a_zip_with_paths_outside_itself_is_refused(world, streets, officer, tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(wgs84_csv(tmp_path / "so-nha.csv", ndc_houses(1, 3)), "so-nha.csv")
        zf.writestr("../../so-nha.prj", b"GEOGCS")
    response = upload(officer, archive)
    assert response.status_code == 400 and response.json()["error"] == "unsafe_zip"
    assert response.json()["details"] == {"members": ["../../so-nha.prj"]}
    assert_nothing_written()


@override_settings(MAX_UPLOAD_MB=1)
def test_oversized_upload_is_413(world, streets, officer, tmp_path):
    big = write_csv(
        tmp_path / "big.csv", ["so_nha", "duong", "lat", "lon", "crs"], [["1", "x" * 100, 1, 1, 4326]] * 12_000
    )
    response = upload(officer, big)
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert_nothing_written()


def test_unsupported_format_and_missing_columns(world, streets, officer, tmp_path):
    path = tmp_path / "houses.txt"
    path.write_text("1 Nguyễn Đình Chiểu")
    response = upload(officer, path)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_format"
    path = write_csv(tmp_path / "cols.csv", ["so_nha", "duong", "crs"], [["1", "Nguyễn Đình Chiểu", 4326]])
    response = upload(officer, path)
    assert response.status_code == 400 and response.json()["error"] == "bad_header"


# --- who may import ------------------------------------------------------------------------------------


def test_only_ward_officers_of_the_ward_and_admins_import(world, streets, officer, admin, tmp_path):
    path = wgs84_csv(tmp_path / "a.csv", ndc_houses(1, 3))
    assert upload(Client(), path).status_code in (401, 403)
    for role in ("khu_pho_officer", "land_officer", "district_leader"):
        client = Client()
        client.force_login(world.users[role])
        assert upload(client, path).status_code == 403, role
    assert upload(officer, path, ward=str(world.ward_b.pk)).status_code == 403
    b_path = wgs84_csv(tmp_path / "b.csv", ndc_houses(1, 3, lon0=106.7225))
    response = upload(officer, b_path)  # the officer's own ward is the target: ward B points are refused
    assert response.status_code == 400 and codes(response) == {"outside_ward"}
    assert upload(admin, b_path).status_code == 201  # admins import anywhere; the point picks the ward
    assert HouseNumber.objects.filter(ward=world.ward_b).count() == 3


def test_job_list_and_detail_are_scoped(world, streets, officer, admin, tmp_path):
    job_id = upload(officer, wgs84_csv(tmp_path / "a.csv", ndc_houses(1, 3))).json()["id"]
    assert officer.get(f"/api/v1/house-imports/{job_id}/").json()["report"]["created"] == 3
    assert [j["id"] for j in officer.get("/api/v1/house-imports/").json()["results"]] == [job_id]
    anonymous = Client().get(f"/api/v1/house-imports/{job_id}/")
    assert anonymous.status_code in (401, 403)


# --- a big file goes to the worker ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_background_import_runs_in_the_celery_worker(live_world, celery_worker, tmp_path):
    make_streets(live_world)
    client = Client()
    client.force_login(live_world.users["ward_officer"])
    response = upload(client, wgs84_csv(tmp_path / "big.csv", ndc_houses(1, 40)), background="true")
    assert response.status_code == 202
    url = response.json()["url"]
    deadline = time.monotonic() + 60
    while (job := client.get(url).json())["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert job["created"] == 40 and job["report"]["rejected"] == 0
    assert HouseNumber.objects.filter(ward=live_world.ward_a).count() == 40


def test_a_queued_file_is_checked_before_it_is_queued(world, streets, officer, tmp_path):
    """No worker runs here: what a glance at the file refuses is answered at once, not by a failed job."""
    response = upload(officer, wgs84_csv(tmp_path / "no-crs.csv", ndc_houses(1, 3), crs_column=False), background="1")
    assert response.status_code == 400 and response.json()["error"] == "missing_crs"
    shp = gis_file(tmp_path / "no_prj.shp", ndc_houses(1, 4), None, "ESRI Shapefile")
    response = upload(officer, zip_shapefile(shp), background="1")
    assert response.status_code == 400 and ".prj" in response.json()["message"]
    gpkg = gis_file(tmp_path / "mercator.gpkg", ndc_houses(1, 3), 3857, "GPKG")
    response = upload(officer, gpkg, background="1")
    assert response.status_code == 400 and response.json()["error"] == "unsupported_crs"
    path = write_csv(tmp_path / "cols.csv", ["so_nha", "duong", "crs"], [["1", "Nguyễn Đình Chiểu", 4326]])
    assert upload(officer, path, background="1").json()["error"] == "bad_header"
    assert set(HouseImport.objects.values_list("status", flat=True)) == {"failed"}
    assert_nothing_written()


def test_command_reports_a_rejected_file(world, streets, tmp_path):
    path = wgs84_csv(tmp_path / "no-crs.csv", ndc_houses(1, 3), crs_column=False)
    with pytest.raises(CommandError, match="crs"):
        call_command("import_house_numbers", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    path = survey_csv(tmp_path / "swapped.csv", ndc_houses(1, 3), VN2000_TM3_105_45, swap=True)
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_house_numbers", str(path), crs=9210, stdout=io.StringIO(), stderr=io.StringIO())
    assert_nothing_written()
