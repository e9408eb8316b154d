"""The business sync is all or nothing: every rejected row is named in one 400 and nothing is written; bad
headers, formulas, zip bombs, oversized and foreign files are refused before any row.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from businesses.models import SyncRun
from tests.businesses.sync_files import (
    HEADER,
    csv_bytes,
    make_rows,
    post_file,
    snapshot,
    write_tmp,
    xlsx_bytes,
)

# --- rejections: all or nothing ---------------------------------------------------------------------


def _break(rows: list[dict], reason: str) -> str:
    """Spoil row index 3 (file row 5) for one reason; returns the field the report must name."""
    r = rows[3]
    if reason == "missing_field":
        r["owner_name"] = ""
        return "owner_name"
    if reason == "unknown_industry":
        r["industry_code"] = "9999"
        return "industry_code"
    if reason == "outside_wards":
        r["lat"], r["lon"] = "10.7800000", "106.8000000"  # in Vietnam and in the city, in no ward
        return "lat,lon"
    if reason == "bad_date":
        r["registered_on"] = "31/02/2024"
        return "registered_on"
    if reason == "duplicate_in_file":
        r["registration_no"] = rows[1]["registration_no"]
        return "registration_no"
    if reason == "bad_status":
        r["status"] = "đang bay"
        return "status"
    if reason == "bad_coordinates":
        r["lat"], r["lon"] = r["lon"], r["lat"]  # swapped
        return "lat,lon"
    if reason == "html_in_text":
        r["signboard"] = "<script>alert(1)</script>Phở"
        return "signboard"
    raise AssertionError(reason)


REASONS = [
    "missing_field",
    "unknown_industry",
    "outside_wards",
    "bad_date",
    "duplicate_in_file",
    "bad_status",
    "bad_coordinates",
    "html_in_text",
]


@pytest.mark.parametrize("reason", REASONS)
def test_each_rejection_is_a_400_naming_the_row_and_nothing_is_written(world, admin, reason):
    rows = make_rows(10)
    assert post_file(admin, csv_bytes(rows[:6])).status_code == 200
    before, runs = snapshot(), SyncRun.objects.count()
    rows[0]["signboard"] = "Đổi tên nhưng không được ghi"  # a good change that must not land either
    field = _break(rows, reason)
    response = post_file(admin, csv_bytes(rows))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "sync_rejected" and body["message"] and body["message_en"]
    report = body["details"]
    assert report["committed"] is False and report["rejected"] == 1
    assert report["created"] == report["updated"] == 0
    [item] = report["report"]["rejections"]
    assert (item["row"], item["reason"], item["field"]) == (5, reason, field)
    assert item["registration_no"] == rows[3]["registration_no"]
    assert item["message"] and item["message_en"]
    assert snapshot() == before
    assert SyncRun.objects.count() == runs + 1
    assert SyncRun.objects.first().committed is False


def test_every_bad_row_is_reported_at_once(world, admin):
    rows = make_rows(8)
    rows[1]["industry_code"] = ""
    rows[4]["registered_on"] = "2024-13-01"
    rows[6]["licences"] = "karaoke"
    rows[6]["owner_name"] = "Chủ <img src=x onerror=alert(1)>"
    body = post_file(admin, csv_bytes(rows)).json()
    got = [(i["row"], i["reason"]) for i in body["details"]["report"]["rejections"]]
    assert got == [(3, "missing_field"), (6, "bad_date"), (8, "html_in_text"), (8, "bad_licence")]
    assert body["details"]["rejected"] == 3
    # A private value is never echoed into the (less private) report.
    assert "onerror" not in str(body)


def test_a_bad_header_is_one_clear_error_before_any_row(world, admin):
    header = ["registration_no", "signboard", "ten_la", *HEADER[3:8], *HEADER[9:]]  # owner_name, address gone
    response = post_file(admin, csv_bytes(make_rows(3), header))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "bad_header"
    assert body["details"]["unknown_columns"] == ["ten_la"]
    assert body["details"]["missing_columns"] == ["owner_name", "address_current"]


def test_xlsx_with_a_formula_is_refused(world, admin):
    rows = make_rows(4)
    before = snapshot()
    response = post_file(admin, xlsx_bytes(rows, formula_cell="B3"), "hkd.xlsx")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "xlsx_formula" and body["details"] == {"cell": "B3"}
    assert snapshot() == before


def test_a_zip_bomb_xlsx_is_refused_before_it_is_inflated(world, admin):
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes(make_rows(3))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data += b" " * (40 * 2**20)  # trailing whitespace: still valid XML, 40 MB from ~40 kB
            bomb.writestr(info.filename, data)
    assert len(out.getvalue()) < 200_000
    response = post_file(admin, out.getvalue(), "hkd.xlsx")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "zip_bomb" and body["details"]["members_over_ratio"] == ["xl/worksheets/sheet1.xml"]


def test_an_upload_over_the_limit_is_refused(world, admin, tmp_path):
    content = csv_bytes(make_rows(6000))
    assert len(content) > 2**20
    before = snapshot()
    with override_settings(MAX_UPLOAD_MB=1):
        response = post_file(admin, content)
        assert response.status_code == 413
        assert response.json()["error"] == "too_large"
        # The command reads files from disk, under the same limit.
        with pytest.raises(CommandError, match="too large"):
            call_command("import_businesses", write_tmp(tmp_path, content, "big.csv"), stdout=io.StringIO())
    assert snapshot() == before


def test_other_formats_and_empty_files_are_refused(world, admin):
    assert post_file(admin, b"PK\x03\x04 not really", "hkd.xlsx").json()["error"] == "bad_xlsx"
    assert post_file(admin, b"\xd0\xcf\x11\xe0", "hkd.xls").json()["error"] == "unsupported_format"
    assert post_file(admin, csv_bytes([])).json()["error"] == "empty_file"
    latin = csv_bytes(make_rows(2)).replace("Phường".encode(), "Ph\xf6\xf6ng".encode("latin-1"))
    assert post_file(admin, latin).json()["error"] == "bad_encoding"
