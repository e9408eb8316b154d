"""Exports as CSV, XLSX and GeoJSON through HTTP, parsed back: rows and columns per role, escaping, the log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pytest
from django.contrib.gis.geos import Point
from django.test import Client

from businesses.models import ExportLog
from tests.factories import BusinessFactory, industry

PUBLIC = [
    "id",
    "registration_no",
    "signboard",
    "industry_code",
    "industry_name",
    "vsic",
    "section",
    "status",
    "address_current",
    "address_legacy",
    "ward_code",
    "ward_name",
    "khu_pho_name",
    "street_block",
    "registered_on",
    "status_changed_on",
    "licences",
    "missing_from_sync_at",
]
PRIVATE = ["owner_name", "owner_phone"]
FORMATS = ["csv", "xlsx", "geojson"]


def client_for(world, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def download(client: Client, fmt: str, **params) -> tuple[list[str], list[dict], object]:
    """(column names, rows as dicts, response) of one export, read back with the format's own reader."""
    response = client.get(f"/api/v1/businesses/export.{fmt}", params)
    assert response.status_code == 200, body_of(response)[:500]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment") and f'.{fmt}"' in disposition and "ho-kinh-doanh-" in disposition
    raw = body_of(response)
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        assert raw.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
        reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
        header, *lines = list(reader)
        return header, [dict(zip(header, line, strict=True)) for line in lines], response
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(raw)).active
        header, *lines = [list(r) for r in sheet.iter_rows(values_only=True)]
        response.sheet = sheet
        return header, [dict(zip(header, line, strict=True)) for line in lines], response
    data = json.loads(raw)
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    header = list(features[0]["properties"]) + ["lon", "lat"] if features else []
    rows = [f["properties"] | dict(zip(["lon", "lat"], f["geometry"]["coordinates"], strict=True)) for f in features]
    return header, rows, response


@pytest.fixture
def extra(world):
    """A closed business in ward A, one in ward B, a soft-deleted one, and one whose text looks like formulas."""
    made = {
        "closed_a": BusinessFactory(
            ward=world.ward_a,
            khu_pho=world.kp_a2,
            status="terminated",
            owner_name="Chủ Đã Nghỉ",
            owner_phone="0971000020",
            industry=industry("9631"),
            registered_on=dt.date(2012, 5, 6),
            status_changed_on=dt.date(2024, 1, 2),
            geom=Point(106.704, 10.782, srid=4326),
        ),
        "deleted_a": BusinessFactory(ward=world.ward_a, khu_pho=world.kp_a1, is_deleted=True),
        "formula_a1": BusinessFactory(
            ward=world.ward_a,
            khu_pho=world.kp_a1,
            signboard='=HYPERLINK("http://lua-dao.example","Bấm")',
            owner_name="+84 Lê Văn Lừa",
            owner_phone="-1+2",
            address_current="@SUM(A1:A9)",
            street_block="=1+1",
            licences=["alcohol_retail"],
            geom=Point(106.6951, 10.7795, srid=4326),
        ),
    }
    world.businesses += list(made.values())
    return made


def expected_ids(world, role: str) -> set[int]:
    rows = [b for b in world.businesses if not b.is_deleted]
    return {
        "khu_pho_officer": {b.pk for b in rows if b.khu_pho_id == world.kp_a1.pk},
        "ward_officer": {b.pk for b in rows if b.ward_id == world.ward_a.pk},
        "district_leader": {b.pk for b in rows},
        "admin": {b.pk for b in rows},
    }[role]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("role", ["khu_pho_officer", "ward_officer", "district_leader"])
def test_each_role_exports_its_scope_with_owner_columns(world, extra, role, fmt):
    header, rows, _response = download(client_for(world, role), fmt)
    assert header == PUBLIC + PRIVATE + ["lon", "lat"]
    assert {int(r["id"]) for r in rows} == expected_ids(world, role)
    by_id = {int(r["id"]): r for r in rows}
    first = world.businesses[0]
    if first.pk in by_id:
        row = by_id[first.pk]
        assert row["owner_name"] == "Chủ Phở Một" and row["owner_phone"] == "0971000001"
        assert row["signboard"] == "Phở Hòa" and row["ward_name"] == "Phường An Nhơn"
        assert row["khu_pho_name"] == "Khu phố 1" and row["industry_code"] == "5610"
        assert float(row["lon"]) == pytest.approx(106.695) and float(row["lat"]) == pytest.approx(10.781)
    log = ExportLog.objects.get()
    assert log.user == world.users[role] and log.format == fmt and log.row_count == len(rows)
    assert log.filters == {}


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_keep_their_types(world, extra, fmt):
    _header, rows, _response = download(client_for(world, "ward_officer"), fmt, status="terminated")
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == "terminated" and row["industry_code"] == "9631" and row["section"] == "S"
    if fmt == "xlsx":
        assert row["registered_on"].date() == dt.date(2012, 5, 6)  # a real date cell
        assert row["address_legacy"] is None
    else:
        assert row["registered_on"] == "2012-05-06" and row["status_changed_on"] == "2024-01-02"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_spreadsheet_cells_that_look_like_formulas_are_escaped(world, extra, fmt):
    _header, rows, response = download(client_for(world, "ward_officer"), fmt, q="hyperlink")
    assert len(rows) == 1
    row = rows[0]
    assert row["signboard"] == '\'=HYPERLINK("http://lua-dao.example","Bấm")'
    assert row["owner_name"] == "'+84 Lê Văn Lừa"
    assert row["owner_phone"] == "'-1+2"
    assert row["address_current"] == "'@SUM(A1:A9)"
    assert row["street_block"] == "'=1+1"
    if fmt == "xlsx":
        # Stored as text ("s"/"inlineStr"), never as a formula ("f").
        types = {cell.data_type for line in response.sheet.iter_rows(min_row=2) for cell in line}
        assert "f" not in types


def test_geojson_keeps_text_as_it_is(world, extra):
    _header, rows, _response = download(client_for(world, "ward_officer"), "geojson", q="hyperlink")
    assert rows[0]["signboard"].startswith("=HYPERLINK") and rows[0]["licences"] == ["alcohol_retail"]


def test_filters_apply_and_are_logged_as_given(world, extra):
    officer = client_for(world, "ward_officer")
    params = {"khu_pho": str(world.kp_a1.pk), "status": ["active", "terminated"], "page_size": "5"}
    _header, rows, _response = download(officer, "csv", **params)
    expected = {
        b.pk
        for b in world.businesses
        if b.khu_pho_id == world.kp_a1.pk and not b.is_deleted and b.status in ("active", "terminated")
    }
    assert {int(r["id"]) for r in rows} == expected
    log = ExportLog.objects.get()
    assert log.filters == {"khu_pho": str(world.kp_a1.pk), "status": ["active", "terminated"]}
    assert log.row_count == len(expected) == 2


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("role", ["anonymous", "land_officer"])
def test_citizens_and_land_officers_are_refused_and_nothing_is_logged(world, role, fmt):
    response = client_for(world, role).get(f"/api/v1/businesses/export.{fmt}")
    assert response.status_code == 403
    body = response.json()
    assert "xuất" in body["message"] and "export" in body["message_en"]
    assert not ExportLog.objects.exists()


def test_a_bad_filter_is_a_400_and_nothing_is_logged(world):
    response = client_for(world, "district_leader").get("/api/v1/businesses/export.xlsx", {"licence": "gas"})
    assert response.status_code == 400 and response.json()["details"]["param"] == "licence"
    assert not ExportLog.objects.exists()


def test_the_export_log_lists_every_export_for_leaders_and_own_for_officers(world, extra):
    officer, leader = client_for(world, "ward_officer"), client_for(world, "district_leader")
    download(officer, "csv", status="active")
    download(leader, "geojson")
    download(client_for(world, "khu_pho_officer"), "xlsx")
    everything = leader.get("/api/v1/businesses/exports").json()
    assert everything["count"] == 3
    assert [r["user"] for r in everything["results"]] == ["kp_a1", "leader", "officer_a"]  # newest first
    mine = officer.get("/api/v1/businesses/exports").json()
    assert mine["count"] == 1
    (entry,) = mine["results"]
    assert entry["format"] == "csv" and entry["filters"] == {"status": ["active"]} and entry["row_count"] == 3
    assert Client().get("/api/v1/businesses/exports").status_code == 403
    assert client_for(world, "land_officer").get("/api/v1/businesses/exports").status_code == 403
