"""The business sync through HTTP: rows created, updated and left alone, full syncs that mark the missing, the
runs listed, the queries per sync, and rows placed at their house number when they carry no coordinates.

Files come from tests/businesses/sync_files.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import unicodedata

from django.test import Client
from django.urls import reverse

from businesses.models import Business, SyncRun
from tests.businesses.sync_files import (
    HEADER,
    MISSING,
    RUNS,
    SYNC,
    VI_HEADER,
    client_as,
    csv_bytes,
    make_rows,
    post_file,
    snapshot,
    xlsx_bytes,
)

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
