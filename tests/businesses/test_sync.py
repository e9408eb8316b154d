"""The business sync, through HTTP and `manage.py import_businesses`: all or nothing, every rejection reported.

Files are built here from a seeded generator; points fall in the world's khu phố (tests/conftest.py):
ward A (khu phố A1, A2) around 106.70 E, ward B (khu phố B1) around 106.73 E, all at 10.78 N.
"""

from __future__ import annotations

import base64
import copy
import csv
import datetime as dt
import io
import random
import re
import unicodedata
import zipfile

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from businesses.models import Business, SyncRun
from tests.factories import UserFactory

SYNC = reverse("business-sync")
MISSING = reverse("business-sync-missing")
RUNS = reverse("business-sync-runs")

HEADER = [
    "registration_no",
    "signboard",
    "owner_name",
    "owner_phone",
    "industry_code",
    "industry_version",
    "other_industry_codes",
    "address_legacy",
    "address_current",
    "street_block",
    "status",
    "registered_on",
    "status_changed_on",
    "licences",
    "lat",
    "lon",
]
VI_HEADER = {
    "registration_no": "Số GCN",
    "signboard": "Tên biển hiệu",
    "owner_name": "Chủ hộ",
    "owner_phone": "Điện thoại",
    "industry_code": "Mã ngành",
    "address_current": "Địa chỉ",
    "street_block": "Ô phố",
    "status": "Trạng thái",
    "registered_on": "Ngày đăng ký",
    "lat": "Vĩ độ",
    "lon": "Kinh độ",
}
KHU_PHO = {"A1": (106.695, 10.78), "A2": (106.705, 10.78), "B1": (106.73, 10.78)}
WORDS = ["Phở", "Cơm tấm", "Cà phê", "Tạp hóa", "Tiệm tóc", "Bánh mì"]
NAMES = ["Hòa", "Lan", "Minh", "Phúc", "Thảo", "Tâm"]
CODES = {"Phở": "5610", "Cơm tấm": "5610", "Cà phê": "5630", "Tạp hóa": "4711", "Tiệm tóc": "9631", "Bánh mì": "5610"}


def make_rows(n: int, seed: int = 7, prefix: str = "41S") -> list[dict]:
    """n valid rows (string values, as a CSV carries them), the same for the same seed."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        lon0, lat0 = KHU_PHO[rng.choice(list(KHU_PHO))]
        word = rng.choice(WORDS)
        code = CODES[word]
        registered = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        rows.append(
            {
                "registration_no": f"{prefix}{i:07d}",
                "signboard": f"{word} {rng.choice(NAMES)} {i}",
                "owner_name": f"Nguyễn Văn Chủ {i}",
                "owner_phone": f"09{rng.randrange(10**7, 10**8)}",
                "industry_code": code,
                "industry_version": "VSIC2018",
                "other_industry_codes": "4711;5630" if code == "5610" and rng.random() < 0.4 else "",
                "address_legacy": f"{rng.randrange(1, 600)} Đường Số 3, Phường 2, Quận 3",
                "address_current": f"{rng.randrange(1, 600)} Đường Số {rng.randrange(1, 20)}, Phường An Nhơn",
                "street_block": f"Ô {rng.randrange(1, 30):02d}",
                "status": "active",
                "registered_on": registered.isoformat(),
                "status_changed_on": "",
                "licences": "alcohol_retail;tobacco_retail" if code == "4711" else "",
                "lat": f"{lat0 + rng.uniform(-0.003, 0.003):.7f}",
                "lon": f"{lon0 + rng.uniform(-0.003, 0.003):.7f}",
            }
        )
    return rows


def csv_bytes(
    rows: list[dict], header: list[str] | None = None, delimiter: str = ",", bom: bool = False, columns=HEADER
) -> bytes:
    """A CSV of these columns of the rows, under `header` (the column names by default)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or columns)
    for r in rows:
        writer.writerow([r.get(h, "") for h in columns])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict], header: list[str] | None = None, formula_cell: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for r in rows:
        ws.append([r.get(h) for h in HEADER])
    if formula_cell:
        ws[formula_cell] = "=A2&B2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def client_as(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post_file(client: Client, content: bytes, name: str = "hkd.csv", headers: dict | None = None, **fields):
    return client.post(SYNC, {"file": SimpleUploadedFile(name, content), **fields}, headers=headers)


def snapshot() -> list[tuple]:
    """Every business as it is stored, to show that a refused sync wrote nothing."""
    return list(Business.objects.order_by("id").values_list("registration_no", "signboard", "version", "geom"))


@pytest.fixture
def admin(world) -> Client:
    return client_as(world.users["admin"])


# --- upsert ------------------------------------------------------------------------------------------


def test_first_sync_creates_and_an_identical_one_changes_nothing(world, admin):
    rows = make_rows(30)
    before = Business.objects.count()
    response = post_file(admin, csv_bytes(rows))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["rejected"]) == (30, 0, 0, 0)
    assert body["committed"] is True and body["report"]["rejections"] == []
    assert Business.objects.count() == before + 30

    first = Business.objects.get(registration_no=rows[0]["registration_no"])
    assert first.signboard == rows[0]["signboard"] and first.version == 1
    assert first.section == first.industry.section and first.industry.code == rows[0]["industry_code"]
    assert first.ward.level == "ward" and first.khu_pho.parent_id == first.ward_id
    assert first.khu_pho.boundary.covers(first.geom)
    grocer = next(r for r in rows if r["industry_code"] == "4711")
    assert Business.objects.get(registration_no=grocer["registration_no"]).licences == [
        "alcohol_retail",
        "tobacco_retail",
    ]
    with_others = next(r for r in rows if r["other_industry_codes"])
    others = Business.objects.get(registration_no=with_others["registration_no"]).other_industries
    assert sorted(others.values_list("code", flat=True)) == ["4711", "5630"]
    assert first.history.count() == 1 and first.history.first().history_user == world.users["admin"]

    # The same file again, coordinates written with more digits (the same point within a millimetre).
    again = copy.deepcopy(rows)
    for r in again:
        r["lat"] = f"{float(r['lat']) + 3e-10:.10f}"
    second = post_file(admin, csv_bytes(again)).json()
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 30)
    synced = Business.objects.filter(registration_no__in=[r["registration_no"] for r in rows])
    assert set(synced.values_list("version", flat=True)) == {1}
    assert Business.history.filter(registration_no__in=[r["registration_no"] for r in rows]).count() == 30


def test_a_changed_signboard_is_updated_with_a_new_version_and_history(world, admin):
    rows = make_rows(12)
    assert post_file(admin, csv_bytes(rows)).status_code == 200
    old_signboard = rows[4]["signboard"]
    rows[4]["signboard"] = "Phở Hòa Mới"
    rows[7]["other_industry_codes"] = "4722"
    body = post_file(admin, csv_bytes(rows)).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 2, 10)
    assert {u["registration_no"]: u["fields"] for u in body["report"]["updated"]} == {
        rows[4]["registration_no"]: ["signboard"],
        rows[7]["registration_no"]: ["other_industries"],
    }
    changed = Business.objects.get(registration_no=rows[4]["registration_no"])
    assert changed.signboard == "Phở Hòa Mới" and changed.version == 2
    history = list(changed.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[0].signboard == old_signboard and history[1].signboard == "Phở Hòa Mới"
    assert history[1].version == 2 and history[1].history_user == world.users["admin"]
    other = Business.objects.get(registration_no=rows[7]["registration_no"])
    assert list(other.other_industries.values_list("code", flat=True)) == ["4722"] and other.version == 2


def test_json_rows_and_vietnamese_csv_are_accepted(world, admin):
    rows = make_rows(6, seed=3)
    rows[0].update(industry_version="VSIC 2025", industry_code="4711", other_industry_codes="")
    response = admin.post(SYNC, {"full": False, "rows": rows}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 6
    vsic2025 = Business.objects.get(registration_no=rows[0]["registration_no"]).industry
    assert (vsic2025.version, vsic2025.code, vsic2025.section) == ("VSIC2025", "4711", "G")

    # The Vietnamese export: ';', a BOM, Vietnamese headers and words, dd/mm/yyyy, decomposed accents.
    vi_rows = make_rows(5, seed=4, prefix="41V")
    for r in vi_rows:
        r["signboard"] = unicodedata.normalize("NFD", r["signboard"])
        r["status"] = "Tạm ngừng"
        r["registered_on"] = dt.date.fromisoformat(r["registered_on"]).strftime("%d/%m/%Y")
        r["lat"] = r["lat"].replace(".", ",")
        r["lon"] = r["lon"].replace(".", ",")
    header = [VI_HEADER.get(h, h) for h in HEADER]
    response = post_file(admin, csv_bytes(vi_rows, header, delimiter=";", bom=True))
    assert response.status_code == 200, response.content
    stored = Business.objects.get(registration_no=vi_rows[0]["registration_no"])
    assert stored.signboard == unicodedata.normalize("NFC", vi_rows[0]["signboard"])
    assert stored.status == Business.Status.SUSPENDED
    assert stored.registered_on.strftime("%d/%m/%Y") == vi_rows[0]["registered_on"]


def test_xlsx_with_vietnamese_headers_and_real_dates(world, admin):
    rows = make_rows(8, seed=5, prefix="41X")
    for r in rows:
        r["registered_on"] = dt.date.fromisoformat(r["registered_on"])  # a date cell, not text
        r["lat"], r["lon"] = float(r["lat"]), float(r["lon"])
        r["industry_code"] = int(r["industry_code"])  # typed as a number in Excel
    header = [VI_HEADER.get(h, h) for h in HEADER]
    response = post_file(admin, xlsx_bytes(rows, header), "hkd.xlsx")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 8
    stored = Business.objects.get(registration_no=rows[2]["registration_no"])
    assert stored.registered_on == rows[2]["registered_on"] and stored.industry.code == str(rows[2]["industry_code"])


def test_a_named_khu_pho_is_used_and_an_unknown_one_rejected(world, admin):
    rows = make_rows(4, seed=9, prefix="41K")
    rows[0]["lon"], rows[0]["lat"] = "106.6950000", "10.7800000"  # in khu phố A1 ...
    rows[0]["khu_pho"] = "Khu phố 2"  # ... but the registration says khu phố 2: the file is the authority
    columns = [*HEADER, "khu_pho"]
    response = post_file(admin, csv_bytes(rows, [*HEADER, "Khu phố"], columns=columns))
    assert response.status_code == 200, response.content
    named = Business.objects.get(registration_no=rows[0]["registration_no"])
    assert (named.ward_id, named.khu_pho_id) == (world.ward_a.pk, world.kp_a2.pk)
    derived = Business.objects.get(registration_no=rows[1]["registration_no"])
    assert derived.khu_pho.boundary.covers(derived.geom)

    rows[1]["khu_pho"] = "Khu phố 9"
    body = post_file(admin, csv_bytes(rows, columns=columns)).json()
    [item] = body["details"]["report"]["rejections"]
    assert (item["row"], item["reason"], item["field"]) == (3, "unknown_khu_pho", "khu_pho")


def test_a_dry_run_counts_and_writes_nothing(world, admin):
    rows = make_rows(5)
    body = post_file(admin, csv_bytes(rows), dry_run="true").json()
    assert (body["created"], body["committed"], body["id"]) == (5, False, None)
    assert Business.objects.count() == 3 and not SyncRun.objects.exists()


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
            call_command("import_businesses", _write_tmp(tmp_path, content, "big.csv"), stdout=io.StringIO())
    assert snapshot() == before


def test_other_formats_and_empty_files_are_refused(world, admin):
    assert post_file(admin, b"PK\x03\x04 not really", "hkd.xlsx").json()["error"] == "bad_xlsx"
    assert post_file(admin, b"\xd0\xcf\x11\xe0", "hkd.xls").json()["error"] == "unsupported_format"
    assert post_file(admin, csv_bytes([])).json()["error"] == "empty_file"
    latin = csv_bytes(make_rows(2)).replace("Phường".encode(), "Ph\xf6\xf6ng".encode("latin-1"))
    assert post_file(admin, latin).json()["error"] == "bad_encoding"


# --- full sync: missing businesses ------------------------------------------------------------------


def test_a_full_sync_marks_the_missing_and_a_later_sync_clears_the_mark(world, admin):
    rows = make_rows(10)
    assert post_file(admin, csv_bytes(rows)).status_code == 200
    absent_rows = [r["registration_no"] for r in rows[8:]]
    # The world's three businesses were never in the registration software's list either.
    absent = set(absent_rows) | {b.registration_no for b in world.businesses}

    body = post_file(admin, csv_bytes(rows[:8]), full="true").json()
    assert body["committed"] and body["marked_missing"] == 5
    assert {m["registration_no"] for m in body["report"]["missing"]} == absent
    marked = Business.objects.filter(missing_from_sync_at__isnull=False)
    assert set(marked.values_list("registration_no", flat=True)) == absent
    assert set(marked.values_list("status", flat=True)) == {"active"}  # marked, never closed or deleted
    assert not marked.filter(is_deleted=True).exists()

    listed = admin.get(MISSING).json()
    assert listed["count"] == 5 and {b["registration_no"] for b in listed["results"]} == absent
    officer = client_as(world.users["ward_officer"]).get(MISSING).json()["results"]
    in_ward_a = set(Business.objects.filter(ward=world.ward_a, registration_no__in=absent).values_list("id", flat=True))
    assert {b["id"] for b in officer} == in_ward_a and all(b["ward"] == world.ward_a.pk for b in officer)
    assert "owner_name" in officer[0]
    assert client_as(world.users["khu_pho_officer"]).get(MISSING).status_code == 403

    # A partial sync that carries two of them again clears their mark, and changes nothing else.
    again = post_file(admin, csv_bytes(rows[8:])).json()
    assert again["unchanged"] == 2 and again["marked_missing"] == 0
    still = Business.objects.filter(missing_from_sync_at__isnull=False).values_list("registration_no", flat=True)
    assert set(still) == {b.registration_no for b in world.businesses}
    assert set(Business.objects.filter(registration_no__in=absent_rows).values_list("version", flat=True)) == {1}


def test_runs_are_listed_for_reviewers(world, admin):
    post_file(admin, csv_bytes(make_rows(3)))
    rows = make_rows(3)
    rows[0]["status"] = "?"
    post_file(admin, csv_bytes(rows))
    runs = client_as(world.users["district_leader"]).get(RUNS).json()["results"]
    assert [(r["committed"], r["created"], r["rejected"]) for r in runs] == [(False, 0, 1), (True, 3, 0)]
    detail = client_as(world.users["district_leader"]).get(reverse("business-sync-run", args=[runs[0]["id"]])).json()
    assert detail["report"]["rejections"][0]["reason"] == "bad_status"
    assert client_as(world.users["khu_pho_officer"]).get(RUNS).status_code == 403
    assert Client().get(RUNS).status_code in (401, 403)


# --- who may sync ------------------------------------------------------------------------------------


def _basic(username: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


@override_settings(API_BASIC_AUTH=True)  # the registration software signs in with Basic where allowed
def test_who_may_sync(world):
    content = csv_bytes(make_rows(2))
    assert post_file(Client(), content).status_code == 401  # Basic challenge for the registration software
    for role in ("khu_pho_officer", "ward_officer", "land_officer", "district_leader"):
        response = post_file(client_as(world.users[role]), content)
        assert response.status_code == 403, role
        assert response.json()["error"] == "permission_denied"
    assert Business.objects.count() == 3

    service = UserFactory(username="dang-ky-hkd")
    service.user_permissions.add(Permission.objects.get(content_type__app_label="businesses", codename="add_syncrun"))
    plain = UserFactory(username="khach")
    assert post_file(Client(), content, headers=_basic("dang-ky-hkd", "wrong")).status_code == 401
    assert post_file(Client(), content, headers=_basic("khach", "pw-test-1")).status_code == 403
    response = post_file(Client(), content, headers=_basic("dang-ky-hkd", "pw-test-1"))
    assert response.status_code == 200, response.content
    assert response.json()["user"] == "dang-ky-hkd"
    created = Business.objects.get(registration_no=make_rows(2)[0]["registration_no"])
    assert created.history.first().history_user == service
    assert post_file(client_as(world.users["admin"]), content).json()["unchanged"] == 2
    assert client_as(world.users["admin"]).get(SYNC).status_code == 405
    assert Client().get(MISSING).status_code in (401, 403)
    assert Client().get(MISSING, headers=_basic(plain.username, "pw-test-1")).status_code == 403


# --- the command -------------------------------------------------------------------------------------


def _write_tmp(folder, content: bytes, name: str) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)


def test_the_command_prints_the_report_and_fails_on_a_rejected_row(world, tmp_path):
    rows = make_rows(7)
    good = _write_tmp(tmp_path, xlsx_bytes(rows), "hkd.xlsx")

    out = io.StringIO()
    call_command("import_businesses", good, "--dry-run", stdout=out)
    assert re.search(r"created:\s+7\n", out.getvalue()) and "Dry run" in out.getvalue()
    assert Business.objects.count() == 3 and not SyncRun.objects.exists()

    out = io.StringIO()
    call_command("import_businesses", good, "--user", "root", stdout=out)
    assert re.search(r"created:\s+7\n", out.getvalue())
    run = SyncRun.objects.get()
    assert run.committed and run.source == "command" and run.user == world.users["admin"]
    assert Business.objects.count() == 10

    rows[2]["industry_code"] = "0000"
    rows[5]["registered_on"] = "hôm qua"
    bad = _write_tmp(tmp_path, csv_bytes(rows), "hkd.csv")
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 row"):
        call_command("import_businesses", bad, stdout=out)
    text = out.getvalue()
    assert "row 4" in text and "unknown_industry" in text and "Không có mã ngành 0000" in text
    assert "No industry code 0000" in text
    assert "row 7" in text and "bad_date" in text
    assert Business.objects.count() == 10


# --- speed: the number of queries does not grow with the rows ---------------------------------------


def test_queries_do_not_grow_with_the_rows(world, admin):
    def queries(n: int, signboard: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        rows = make_rows(n, prefix=f"Q{n}-")
        for r in rows:
            r["signboard"] += signboard
        with CaptureQueriesContext(connection) as ctx:
            assert post_file(admin, csv_bytes(rows)).status_code == 200
        return len(ctx.captured_queries)

    queries(1, "")  # the first sync of a process also loads the geocoder's index (households/geocode.py)
    assert queries(40, "") == queries(400, "")  # creates
    assert queries(40, " mới") == queries(400, " mới")  # updates


# --- queued for the worker --------------------------------------------------------------------------------


def poll(client: Client, url: str, seconds: float = 90) -> dict:
    """The run's summary once the worker has finished with it."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data = client.get(url).json()
        if data["status"] in ("done", "failed"):
            return data
        time.sleep(0.3)
    raise AssertionError(f"the run never finished: {data}")


def test_a_big_file_is_queued_for_the_worker_and_polled_to_the_end(live_world, celery_worker, settings):
    settings.SYNC_INLINE_MAX_MB = 0  # every file counts as big: queued, not synced in the request
    admin = client_as(live_world.users["admin"])
    queued = post_file(admin, csv_bytes(make_rows(300, seed=11)), name="ca-phuong.csv")
    assert queued.status_code == 202, queued.content
    body = queued.json()
    assert body["status"] == "queued" and body["status_url"].endswith(f"/sync/runs/{body['id']}")
    done = poll(admin, body["status_url"])
    assert done["status"] == "done" and done["committed"] and done["created"] == 300 and done["error"] is None
    assert Business.objects.filter(registration_no__startswith="41S").count() == 300
    assert not list((settings.SPOOL_DIR / "sync").glob(f"{body['id']}.*"))  # the spooled upload is gone

    # A file the worker cannot read fails with the same clear message the inline path gives; nothing is written.
    before = snapshot()
    broken = post_file(admin, b"PK\x03\x04 not really a workbook", name="hong.xlsx")
    failed = poll(admin, broken.json()["status_url"])
    assert failed["status"] == "failed" and failed["error"]["message"] and failed["error"]["message_en"]
    assert snapshot() == before


# --- rows without coordinates: placed by the geocoder -----------------------------------------------------


def test_rows_without_coordinates_are_placed_at_their_house_number_or_rejected(world, admin):
    from tests.households.house_world import make_streets, ndc_houses
    from tests.households.test_geocode import file_houses

    streets = make_streets(world)
    houses = file_houses(world, streets["ndc_a"], ndc_houses(1, 20))
    ward = world.ward_a.name
    rows = make_rows(3, seed=5)
    rows[0] |= {"lat": "", "lon": "", "address_current": f"12 Nguyễn Đình Chiểu, {ward}"}
    rows[1] |= {"lat": "", "lon": "", "address_current": f"số 7 đường Nguyen Dinh Chieu, {ward}"}
    house_3 = houses["3"].geom
    rows[2] |= {"lat": f"{house_3.y + 0.00005:.7f}", "lon": f"{house_3.x:.7f}", "address_current": f"3 NĐC, {ward}"}
    rows[2]["address_current"] = f"3 Nguyễn Đình Chiểu, {ward}"  # measured 5.5 m from its house: linked to it
    response = post_file(admin, csv_bytes(rows))
    assert response.status_code == 200, response.content
    placed = {
        b.registration_no: b for b in Business.objects.filter(registration_no__in=[r["registration_no"] for r in rows])
    }
    b12, b7, b3 = (placed[r["registration_no"]] for r in rows)
    assert b12.house_number == houses["12"] and b12.geom.equals_exact(houses["12"].geom, 1e-7)
    assert b7.house_number == houses["7"] and b12.ward == world.ward_a and b12.khu_pho == world.kp_a1
    assert b3.house_number == houses["3"] and abs(b3.geom.y - house_3.y - 0.00005) < 1e-7  # its own point kept

    # An address the house numbers do not hold, and no coordinates: rejected with the reason, nothing written.
    before = snapshot()
    bad = make_rows(1, seed=6, prefix="41G")
    bad[0] |= {"lat": "", "lon": "", "address_current": f"999 Đường Không Có, {ward}"}
    refused = post_file(admin, csv_bytes(bad))
    assert refused.status_code == 400
    (item,) = refused.json()["details"]["report"]["rejections"]
    assert item["reason"] == "not_geocoded" and item["message"] and item["message_en"]
    assert snapshot() == before
