"""VSIC 2018 and VSIC 2025: the shipped official tables, the (version, code) key, and `import_industries`."""

from __future__ import annotations

import csv
import importlib
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from businesses import vsic
from businesses.models import Industry
from tests.factories import AdminUnitFactory, BusinessFactory, industry, offset_point

# Article 1 of Decision 27/2018/QĐ-TTg. Its level-4 figure (486) is not what the decision's table holds: see
# businesses/reference/SOURCE.md and test_every_level_5_code_hangs_under_a_level_4_code.
DECISION_27_2018 = {1: 21, 2: 88, 3: 242, 4: 486, 5: 734}
TABLE_2018 = {**DECISION_27_2018, 4: 464}
# Decision 36/2025/QĐ-TTg: its totals and its table agree.
DECISION_36_2025 = {1: 22, 2: 87, 3: 259, 4: 495, 5: 743}


@pytest.fixture(autouse=True)
def official_tables(db):
    """The tables the migration loads: a transactional test before this one on the same worker emptied the database
    (pytest-django flushes after each), so they are put back as a fresh database has them, inside this test."""
    vsic.ensure_reference()


def levels(version: str) -> Counter:
    rows = Industry.objects.filter(version=version).values_list("code", "level")
    return Counter(level for _code, level in rows)


def test_the_database_holds_both_official_tables(db):
    assert levels("VSIC2018") == TABLE_2018
    assert levels("VSIC2025") == DECISION_36_2025
    assert vsic.LEVEL_COUNTS == {"VSIC2018": TABLE_2018, "VSIC2025": DECISION_36_2025}
    for version, counts in vsic.LEVEL_COUNTS.items():
        assert Counter(row.level for row in vsic.table(version)) == counts
    assert len(vsic.SECTIONS_2018) == 21 and len(vsic.CODES_2018) == 464


def test_every_level_5_code_hangs_under_a_level_4_code():
    """Why the 2018 table has 464 level-4 codes and not the 486 of the decision's text: all 734 level-5 codes (the
    decision's own figure) sit under these 464, and each of the 464 has at least one, so none can be missing."""
    for version in vsic.FILES:
        rows = vsic.table(version)
        codes = {row.code for row in rows}
        assert len(codes) == len(rows)  # no code twice
        for row in rows:
            assert row.parent == ("" if row.level == 1 else vsic.parent_of(row.code, version))
            assert row.level == 1 or row.parent in codes
        parents = {row.parent for row in rows}
        assert all(row.code in parents for row in rows if row.level < 5)  # nothing ends above level 5


@pytest.mark.parametrize(
    ("version", "code", "section"),
    [
        ("VSIC2018", "5610", "I"),
        ("VSIC2018", "4711", "G"),
        ("VSIC2018", "0111", "A"),
        ("VSIC2018", "01110", "A"),
        ("VSIC2018", "45", "G"),
        ("VSIC2018", "6201", "J"),
        ("VSIC2018", "6810", "L"),
        ("VSIC2018", "9631", "S"),
        ("VSIC2018", "99000", "U"),
        ("VSIC2025", "5610", "I"),
        ("VSIC2025", "4711", "G"),
        ("VSIC2025", "0111", "A"),
        # 2025 split section J: telecommunications and computing (61–63) became K, and the letters after it moved.
        ("VSIC2025", "6110", "K"),
        ("VSIC2025", "6810", "M"),
        ("VSIC2025", "9621", "T"),
        ("VSIC2025", "99000", "V"),
    ],
)
def test_a_code_lies_in_the_section_whose_division_range_holds_it(db, version, code, section):
    assert Industry.objects.get(version=version, code=code).section == section
    assert vsic.section_of(code, version) == section


def test_every_section_follows_the_parent_chain(db):
    for version in vsic.FILES:
        rows = {
            code: (level, section)
            for code, level, section in Industry.objects.filter(version=version).values_list("code", "level", "section")
        }
        for code, (_level, section) in rows.items():
            top = code
            while rows[top][0] > 1:
                top = vsic.parent_of(top, version)
            assert section == top, (version, code)


def test_the_same_code_in_two_versions_is_two_rows(db):
    both = {i.version: i for i in Industry.objects.filter(code="4711")}
    assert set(both) == {"VSIC2018", "VSIC2025"} and both["VSIC2018"].pk != both["VSIC2025"].pk
    assert both["VSIC2018"].name.startswith("Bán lẻ lương thực") and both["VSIC2025"].name.startswith("Bán lẻ tổng hợp")
    # Laundry is 9620 in 2018 and 9610 in 2025, where 9610 was 2018's sauna and massage.
    assert industry("9620").name.startswith("Giặt là") and industry("9610", "VSIC2025").name.startswith("Giặt là")
    assert industry("9610").name.startswith("Dịch vụ tắm hơi")
    # Codes that only one version has.
    assert Industry.objects.filter(version="VSIC2018", code="4669").exists()
    assert not Industry.objects.filter(version="VSIC2025", code="4669").exists()
    assert not Industry.objects.filter(version="VSIC2018", code="9621").exists()


def test_ensure_reference_is_idempotent_and_puts_official_names_back(db):
    assert vsic.ensure_reference() == 0
    Industry.objects.filter(version="VSIC2018", code="5610").update(name="Quán ăn")
    gone = Industry.objects.filter(version="VSIC2025", code__startswith="011").delete()[0]
    assert gone > 10 and vsic.ensure_reference() == gone  # 011, 0111, 01110, 0112, … only what was missing
    assert industry("5610").name == "Quán ăn"  # a plain call leaves names alone
    assert vsic.ensure_reference(update=True) == 0
    assert industry("5610").name == "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động"
    assert levels("VSIC2025") == DECISION_36_2025


def test_the_migration_completes_a_database_that_had_the_first_reference_set(db):
    """Before 0008 a database held 21 sections and 26 level-4 codes of VSIC 2018, some with unofficial wording."""
    from django.apps import apps

    load = importlib.import_module("businesses.migrations.0008_vsic_full").load
    first_set = {*vsic.SECTIONS_2018, "4711", "4752", "5610"}
    Industry.objects.exclude(version="VSIC2018", code__in=first_set).delete()
    isic = Industry.objects.create(version="VSIC2018", code="9602", level=4, name="Cắt tóc", section="S")
    salon = BusinessFactory(industry=isic, section="S", ward=AdminUnitFactory())
    Industry.objects.filter(version="VSIC2018", code="4752").update(name="Bán lẻ đồ ngũ kim, sơn, kính")
    Industry.objects.filter(version="VSIC2018", code="I").update(name="Dịch vụ lưu trú và ăn uống")
    load(apps, None)
    load(apps, None)  # and again: nothing changes
    assert levels("VSIC2018") == TABLE_2018 and levels("VSIC2025") == DECISION_36_2025
    assert industry("4752").name.startswith("Bán lẻ đồ ngũ kim, sơn, kính, vật liệu")
    assert industry("I").name == "DỊCH VỤ LƯU TRÚ VÀ ĂN UỐNG"
    assert not Industry.objects.filter(version="VSIC2018", code="9602").exists()  # ISIC's code, not VSIC's
    salon.refresh_from_db()
    assert salon.industry.code == "9631"


# --- import_industries --------------------------------------------------------------------------------------------


def write_csv(path: Path, rows: list[dict], delimiter: str = ",") -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def official_rows(version: str) -> list[dict]:
    return [{"code": r.code, "level": r.level, "name": r.name} for r in vsic.table(version)]


def write_decision_xlsx(path: Path, version: str, renamed: dict[str, str] | None = None) -> Path:
    """The decision's layout: a title, then Cấp 1 … Cấp 5 and Tên ngành; digits typed as numbers (0111 → 111)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["HỆ THỐNG NGÀNH KINH TẾ VIỆT NAM"])
    sheet.append(["Cấp 1", "Cấp 2", "Cấp 3", "Cấp 4", "Cấp 5", "Tên ngành"])
    for row in vsic.table(version):
        cells: list[object] = [None] * 5
        cells[row.level - 1] = row.code if row.level == 1 else int(row.code)
        sheet.append([*cells, (renamed or {}).get(row.code, row.name)])
    book.save(path)
    return path


def assert_official(version: str) -> None:
    stored = set(Industry.objects.filter(version=version).values_list("code", "level", "name", "section"))
    assert stored == {(r.code, r.level, r.name, r.section) for r in vsic.table(version)}


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_industries", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_csv_creates_then_reports_unchanged_then_updated(db, tmp_path):
    Industry.objects.filter(version="VSIC2025").delete()
    # Sorted by code, as a spreadsheet sorts it: the sections come after the codes under them.
    rows = sorted(official_rows("VSIC2025"), key=lambda r: r["code"])
    path = write_csv(tmp_path / "vsic2025.csv", rows, delimiter=";")
    out = run(str(path), "--version", "VSIC2025")
    assert "created:      1606" in out and "updated:     0" in out
    assert_official("VSIC2025")
    assert Industry.objects.get(version="VSIC2025", code="6110").section == "K"

    out = run(str(path), "--version", "VSIC2025")
    assert "created:      0" in out and "updated:     0" in out and "unchanged:  1606" in out

    rows = official_rows("VSIC2025")
    for row in rows:
        if row["code"] == "5610":
            row["name"] = "Nhà hàng  và dịch vụ ăn uống"  # the double space is cleaned
    out = run(str(write_csv(path, rows)), "--version", "VSIC2025")
    assert "updated:     1" in out and "unchanged:  1605" in out
    assert industry("5610", "VSIC2025").name == "Nhà hàng và dịch vụ ăn uống"
    assert industry("5610").name == "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động"  # VSIC 2018 untouched


def test_import_xlsx_in_the_decisions_layout(db, tmp_path):
    Industry.objects.filter(version="VSIC2025").delete()
    path = write_decision_xlsx(tmp_path / "pl1.xlsx", "VSIC2025")
    report = vsic.import_table(path, "VSIC2025")
    assert (report.created, report.updated, report.unchanged) == (1606, 0, 0)
    assert_official("VSIC2025")
    assert industry("0111", "VSIC2025").name == "Trồng lúa" and industry("0111", "VSIC2025").section == "A"
    report = vsic.import_table(path, "VSIC2025")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1606)
    path = write_decision_xlsx(tmp_path / "pl1.xlsx", "VSIC2025", renamed={"01110": "Trồng lúa nước"})
    out = run(str(path), "--version", "VSIC2025")
    assert "created:      0" in out and "updated:     1" in out and "unchanged:  1605" in out
    assert industry("01110", "VSIC2025").name == "Trồng lúa nước"


def test_a_partial_file_may_lean_on_codes_already_stored(db, tmp_path):
    name = industry("56101").name
    path = write_csv(tmp_path / "l5.csv", [{"code": "56101", "name": name}, {"code": "56109", "name": "Khác"}])
    report = vsic.import_table(path, "VSIC2018")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert industry("56109").name == "Khác" and industry("56109").section == "I"


BAD = [
    {"code": "", "level": "", "name": "Không có mã"},  # row 2
    {"code": "011", "level": "4", "name": "Cấp sai"},  # row 3: three digits is level 3
    {"code": "99999", "level": "5", "name": "Cha không có"},  # row 4: no 9999 anywhere
    {"code": "Z1", "level": "", "name": "Mã sai dạng"},  # row 5
    {"code": "0111", "level": "4", "name": "Trồng lúa"},  # row 6: fine
    {"code": "0111", "level": "4", "name": "Trồng lúa lần hai"},  # row 7: duplicate of row 6
    {"code": "01190", "level": "5", "name": "Mới, hợp lệ"},  # row 8: fine, but nothing may be written
    {"code": "0112", "level": "4", "name": ""},  # row 9
]


def test_each_bad_row_is_reported_and_nothing_is_written(db, tmp_path):
    before = list(Industry.objects.order_by("pk").values_list("pk", "version", "code", "name", "section"))
    path = write_csv(tmp_path / "bad.csv", BAD)
    with pytest.raises(vsic.ImportRejected) as caught:
        vsic.import_table(path, "VSIC2025")
    errors = {e.row: (e.code, e.reason_en) for e in caught.value.report.errors}
    assert errors == {
        2: ("", "missing code."),
        3: ("011", "level 4 does not match the code's length (3 characters is level 3)."),
        4: ("99999", "parent 9999 is neither in the file nor in VSIC2025."),
        5: ("Z1", "one letter (level 1) or 2–5 digits."),
        7: ("0111", "duplicate, already on row 6."),
        9: ("0112", "missing name."),
    }
    assert all(e.reason for e in caught.value.report.errors)  # and in Vietnamese

    err = StringIO()
    with pytest.raises(CommandError, match="6 bad row"):
        call_command("import_industries", str(path), "--version", "VSIC2025", stdout=StringIO(), stderr=err)
    assert "Dòng / row 4 [99999]: không có ngành cha 9999" in err.getvalue()
    assert list(Industry.objects.order_by("pk").values_list("pk", "version", "code", "name", "section")) == before


def test_the_command_refuses_unknown_versions_and_headerless_files(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("import_industries", str(tmp_path / "none.csv"), "--version", "VSIC2025")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="No header row"):
        call_command("import_industries", str(tmp_path / "x.csv"), "--version", "VSIC2025")
    with pytest.raises(CommandError):
        call_command("import_industries", str(tmp_path / "x.csv"), "--version", "VSIC1993")


# --- the radius scan's industry filter with a version --------------------------------------------------------------

LON, LAT = 106.70, 10.78


def scan(**params):
    return Client().get("/api/v1/businesses/radius", {"lat": LAT, "lon": LON, "radius_m": 300, **params})


def test_the_radius_filter_takes_a_version(world):
    BusinessFactory(ward=world.ward_a, industry=industry("4711"), geom=offset_point(LON, LAT, 50, 0))
    BusinessFactory(ward=world.ward_a, industry=industry("4711", "VSIC2025"), geom=offset_point(LON, LAT, 80, 0))
    BusinessFactory(ward=world.ward_a, industry=industry("9621", "VSIC2025"), geom=offset_point(LON, LAT, 120, 0))

    old = scan(industry="4711").json()  # VSIC 2018 unless told otherwise
    assert old["total"] == 1 and old["by_industry"][0]["name"] == industry("4711").name
    new = scan(industry="4711", vsic="VSIC2025").json()
    assert new["total"] == 1 and new["by_industry"][0]["name"] == industry("4711", "VSIC2025").name
    assert [round(b["distance_m"]) for b in new["results"]] == [80]
    hair = scan(industry="9621", vsic="VSIC2025").json()
    assert hair["total"] == 1 and hair["by_industry"][0]["section"] == "T"
    # 9621 is not a VSIC 2018 code.
    response = scan(industry="9621")
    assert response.status_code == 400 and response.json()["error"] == "unknown_industry"
