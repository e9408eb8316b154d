"""`manage.py load_units_2025`: a generated table and polygon file in, today's units and their predecessors out.

The world (tests/layers/units_world.py): Bàn Cờ and Xuân Hòa share the split Phường 4 of Quận 3; Vườn Lài
took Phường 2 of Quận 10 whole. The committed reference table is checked as the VSIC tables are.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command
from django.test import Client

from layers import demo as layers_demo
from layers.models import AdminUnit
from layers.units.units2025 import REFERENCE_FILE, check, check_reference, read_table
from tests.layers import units_world as uw


def load(tmp_path, rows=None, polygons=None, boundaries=True) -> str:
    table = uw.write_table(tmp_path / "units.csv", rows)
    args = ["--table", str(table)]
    if boundaries:
        args += ["--boundaries", str(uw.write_boundaries(tmp_path / "wards.gpkg", polygons))]
    out = io.StringIO()
    call_command("load_units_2025", *args, stdout=out)
    return out.getvalue()


def today(code: str) -> AdminUnit:
    return AdminUnit.objects.get(level="ward", code=code, valid_to__isnull=True)


def former(code: str) -> AdminUnit:
    return AdminUnit.objects.get(level="ward", code=code, valid_to__isnull=False)


def covers(unit: AdminUnit, col: float, row: float = 0.5) -> bool:
    return unit.boundary.covers(Point(*uw.point(col, row), srid=4326))


def snapshot() -> list[tuple]:
    units = AdminUnit.objects.order_by("level", "code", "valid_from")
    rows = list(units.values_list("level", "code", "valid_from", "valid_to", "name", "version", "approximate"))
    links = list(AdminUnit.successors.through.objects.order_by("id").values_list("from_adminunit", "to_adminunit"))
    return rows + links


def test_the_table_and_the_polygons_load_with_split_wards_marked_approximate(db, tmp_path):
    out = load(tmp_path)
    ban_co, xuan_hoa, vuon_lai = today("27154"), today("27139"), today("27190")
    assert (ban_co.name, ban_co.kind, ban_co.area_km2, ban_co.valid_from) == (
        "Phường Bàn Cờ",
        "phuong",
        0.76,
        dt.date(2025, 7, 1),
    )
    # Whole predecessors dissolve exactly; a split one is cut between its successors: approximate.
    assert ban_co.approximate and xuan_hoa.approximate and not vuon_lai.approximate
    assert covers(ban_co, 0.5) and covers(ban_co, 1.5) and covers(ban_co, 2.2) and not covers(ban_co, 2.8)
    assert covers(xuan_hoa, 2.8) and covers(xuan_hoa, 3.5) and not covers(xuan_hoa, 2.2)
    assert covers(xuan_hoa, 4.5)  # 'Ward 8', in no table, went to the only unit it touches in its district
    assert covers(vuon_lai, 0.5, 1.5) and not covers(vuon_lai, 0.5, 0.5)
    # The split ward leads to both; `successor` keeps the first for the code that reads one.
    p4 = former("27148")
    assert set(p4.successors.values_list("code", flat=True)) == {"27154", "27139"}
    assert p4.successor == ban_co and p4.valid_to == dt.date(2025, 6, 30) and p4.parent.name == "Quận 3"
    assert former("27139").successor == xuan_hoa  # written by name and district in the table
    assert former("27139").name == "Phường Võ Thị Sáu"  # today's Xuân Hòa has its code: both rows kept
    assert AdminUnit.objects.filter(level="district", valid_to=dt.date(2025, 6, 30)).count() == 2
    # One line per unit in the report, and the orphan's placement as a note.
    assert "27154 Phường Bàn Cờ" in out and "approximate" in out and "dissolved" in out
    assert "27121 (Ward 8)" in out and "joined to 27139" in out


def test_loading_twice_changes_nothing(db, tmp_path):
    load(tmp_path)
    first = snapshot()
    out = load(tmp_path)
    assert snapshot() == first
    assert "created" not in out and "updated" not in out


def test_the_api_flags_approximate_boundaries_and_lists_every_successor(db, tmp_path):
    load(tmp_path)
    features = Client().get("/api/v1/admin-units/", {"level": "ward"}).json()["features"]
    flags = {f["properties"]["code"]: f["properties"]["approximate"] for f in features}
    assert flags == {"27154": True, "27139": True, "27190": False}
    body = Client().get(f"/api/v1/admin-units/{former('27148').pk}/").json()
    assert sorted(body["properties"]["successors"]) == sorted([today("27154").pk, today("27139").pk])


def test_without_polygons_units_load_with_an_empty_boundary(db, tmp_path):
    out = load(tmp_path, boundaries=False)
    assert today("27154").boundary.empty and not today("27154").approximate
    assert "none" in out and former("27148").successors.count() == 2


def _rows_with(change) -> list[dict]:
    rows = uw.table_rows()
    change(rows)
    return rows


def _duplicate(rows):
    rows.append(dict(rows[-1], name="Phường Khác"))  # line 12 repeats line 11's code


def _nowhere(rows):
    rows[7]["predecessors"] += ";27999"  # line 9: Bàn Cờ


def _two_named(rows):
    rows[9]["predecessors"] = "Phường 2"  # line 11: Vườn Lài; Phường 2 of Quận 3 or of Quận 10?


BAD_TABLES = [
    (_duplicate, "Line 12: code 27190 repeats line 11"),
    (_nowhere, "Line 9: predecessor code 27999 exists nowhere"),
    (_two_named, "Line 11: name 'Phường 2' matches 2 units (Quận 10, Quận 3)"),
]


@pytest.mark.parametrize(("change", "message"), BAD_TABLES)
def test_each_bad_table_line_is_reported_and_nothing_is_loaded(db, tmp_path, change, message):
    err = io.StringIO()
    table = uw.write_table(tmp_path / "units.csv", _rows_with(change))
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("load_units_2025", "--table", str(table), stderr=err)
    assert message in err.getvalue()
    assert AdminUnit.objects.count() == 0


BAD_POLYGONS = [
    ([*uw.POLYGONS, ("99999", "Ward 99", "770", (9, 9))], "Feature 7: code 99999 (Ward 99) matches no unit"),
    ([*uw.POLYGONS, ("27157", "Ward 2", "770", (1, 0))], "Feature 7: code 27157 repeats feature 2"),
    ([("1", "A", "770", (0, 0))], "no code of the file matches the table"),
]


@pytest.mark.parametrize(("polygons", "message"), BAD_POLYGONS)
def test_a_polygon_file_whose_codes_do_not_match_loads_nothing(db, tmp_path, polygons, message):
    err = io.StringIO()
    table = uw.write_table(tmp_path / "units.csv")
    shp = uw.write_boundaries(tmp_path / "wards.gpkg", polygons)
    with pytest.raises(CommandError):
        call_command("load_units_2025", "--table", str(table), "--boundaries", str(shp), stderr=err)
    assert message in err.getvalue()
    assert AdminUnit.objects.count() == 0


# --- the committed reference table ---------------------------------------------------------------------


def test_the_reference_table_has_the_resolutions_168_units():
    assert check_reference() == []
    table, _problems = check(read_table(REFERENCE_FILE)[0])
    assert len(table.current) == 168
    assert {r.province for r in table.current} == {"79", "74", "77"}
    assert len(table.former_districts) == 39 and len(table.former_wards) == 447
    assert sum(1 for r in table.former_wards.values() if r.province == "79") == 273


def test_the_demo_ward_has_its_real_code_and_predecessors():
    table, _problems = check(read_table(REFERENCE_FILE)[0])
    ban_co = next(r for r in table.current if r.name == layers_demo.WARD_NAME)
    assert ban_co.code == layers_demo.WARD_CODE == "27154"
    named = {(c, table.former_wards[c].name) for c in ban_co.predecessors}
    assert named == set(layers_demo.OLD_WARDS)
    assert {table.former_districts[table.former_wards[c].parent].name for c in ban_co.predecessors} == {"Quận 3"}
    assert next(r for r in table.current if r.name == "Phường Sài Gòn").code == "26740"  # the code it had


def test_the_demo_ward_keeps_its_boundary_among_the_real_units(db):
    from gisportal.demo import DemoContext, run

    run(DemoContext(password="pw-demo-1", log=lambda _msg: None), ["layers.demo.seed_admin_units"])
    demo_ward = today(layers_demo.WARD_CODE)
    boundary = demo_ward.boundary.wkt
    out = io.StringIO()
    call_command("load_units_2025", stdout=out)
    demo_ward.refresh_from_db()
    assert demo_ward.boundary.wkt == boundary and demo_ward.area_km2 == 0.99
    assert "kept" in out.getvalue()
    # Its five pre-merger wards are the real ones now: Phường 4 leads to Bàn Cờ and Xuân Hòa.
    p4 = former("27148")
    assert {u.name for u in p4.successors.all()} == {"Phường Bàn Cờ", "Phường Xuân Hòa"}
    assert AdminUnit.objects.filter(level="ward", valid_to__isnull=True).count() == 168


def test_a_unit_made_only_of_a_split_ward_gets_what_its_neighbour_does_not_need(db, tmp_path):
    # Xuân Hòa here has no whole predecessor (as Tân Sơn has only part of Phường 15, Tân Bình): Bàn Cờ takes the
    # cells of Phường 4 nearest to it until its official 0.76 km² are reached, Xuân Hòa the rest.
    def only_split(rows):
        rows[:] = [r for r in rows if r["code"] != "27139" or r["period"] == "current"]
        next(r for r in rows if r["code"] == "27139")["predecessors"] = "Phường 4 (Quận 3)"

    polygons = [p for p in uw.POLYGONS if p[0] not in ("27139", "27121")]
    load(tmp_path, rows=_rows_with(only_split), polygons=polygons)
    ban_co, xuan_hoa = today("27154"), today("27139")
    assert covers(ban_co, 2.2) and not covers(ban_co, 2.8)
    assert covers(xuan_hoa, 2.8) and not covers(xuan_hoa, 2.2)
    assert ban_co.approximate and xuan_hoa.approximate
    assert not ban_co.boundary.overlaps(xuan_hoa.boundary)


# --- imports: an old ward in a file leads to today's unit, a split one decided by the point -----------------


def test_the_house_number_import_maps_old_wards_to_todays_units_by_the_point(db, tmp_path):
    from gisportal.models import Role
    from households.models import HouseNumber
    from tests.factories import user_with_role
    from tests.households.house_world import upload, write_csv
    from tests.households.test_old_names import NDC, add_street

    load(tmp_path)
    ban_co, xuan_hoa = today("27154"), today("27139")
    add_street(ban_co, 0.1, 2.4, [2])
    add_street(xuan_hoa, 2.6, 3.9, [100])
    admin = Client()
    admin.force_login(user_with_role("quantri", Role.ADMIN))
    header = ["Số nhà", "Đường", "Phường", "Vĩ độ", "Kinh độ", "EPSG"]

    def row(number: str, ward: str, col: float) -> list:
        lon, lat = uw.point(col, 0.5)
        return [number, NDC, ward, lat, lon, 4326]

    # Phường 4 of Quận 3 went to both: each house goes where its point lies; a whole predecessor (Phường 2, by
    # name or by its code 27157) and the split one's code lead to Bàn Cờ.
    rows = [
        row("3", "Phường 4, Quận 3", 1.0),
        row("111", "Phường 4, Quận 3", 3.0),
        row("5", "P.2, Q.3", 1.2),
        row("7", "27157", 1.4),
        row("113", "27148", 3.2),
    ]
    response = upload(admin, write_csv(tmp_path / "houses.csv", header, rows))
    assert response.status_code == 201, response.json()
    placed = dict(HouseNumber.objects.filter(number__in=["3", "111", "5", "7", "113"]).values_list("number", "ward"))
    assert placed == {"3": ban_co.pk, "111": xuan_hoa.pk, "5": ban_co.pk, "7": ban_co.pk, "113": xuan_hoa.pk}
    # An old ward that did not become the unit the point lies in is reported, and nothing is written.
    response = upload(admin, write_csv(tmp_path / "wrong.csv", header, [row("9", "Phường 2, Quận 3", 3.4)]))
    assert response.status_code == 400, response.json()
    report = response.json()["details"]["report"]
    assert set(report["rejections"]) == {"outside_ward"}
    assert not HouseNumber.objects.filter(number="9").exists()


def test_the_gis_import_checks_a_ward_column_of_old_names_against_the_geometry(db, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gisportal.models import Role
    from layers.models import WastePoint
    from tests.factories import user_with_role

    load(tmp_path)
    ban_co, xuan_hoa = today("27154"), today("27139")
    admin = Client()
    admin.force_login(user_with_role("quantri", Role.ADMIN))

    def upload(rows: list[tuple[str, str, float]]):
        lines = ["Loại;Tên;Phường;Kinh độ;Vĩ độ"]
        for name, ward, col in rows:
            lon, lat = uw.point(col, 0.5)
            lines.append(f"bin;{name};{ward};{lon};{lat}")
        data = "\n".join(lines).encode()
        return admin.post("/api/v1/layers/waste_points/imports", {"file": SimpleUploadedFile("bins.csv", data)})

    # The split Phường 4 of Quận 3 is decided by the point; Phường 2 (whole) by name or old code leads to Bàn Cờ.
    response = upload([("A", "Phường 4, Quận 3", 1.0), ("B", "Phường 4, Quận 3", 3.0), ("C", "27157", 1.2)])
    assert response.status_code == 201, response.json()
    report = response.json()
    assert report["problems"] == [] and report["ward_column"] == "Phường" and "Phường" not in report["ignored_columns"]
    done = admin.post(f"/api/v1/layers/waste_points/imports/{report['id']}/commit")
    assert done.status_code == 200, done.json()
    assert dict(WastePoint.objects.values_list("name", "ward")) == {"A": ban_co.pk, "B": xuan_hoa.pk, "C": ban_co.pk}
    # A ward that did not become the unit the point lies in, and one that exists nowhere: reported by row.
    report = upload([("D", "Phường 2, Quận 3", 3.0), ("E", "Phường Không Có", 1.0), ("F", "Bàn Cờ", 1.0)]).json()
    assert [(p["row"], p["error"]) for p in report["problems"]] == [(1, "outside_ward"), (2, "unknown_ward_name")]
    assert "Phường Xuân Hòa" in report["problems"][0]["message"] and report["problems"][0]["message"].startswith("Cột")
    assert admin.post(f"/api/v1/layers/waste_points/imports/{report['id']}/commit").status_code == 400
    assert not WastePoint.objects.filter(name__in=["D", "E", "F"]).exists()
