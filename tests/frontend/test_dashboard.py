"""The leaders' dashboard over HTTP: its figures per ward and for the district against SQL written here, the
one-ward view, who may see it, and its exports (CSV, XLSX) holding the table as shown."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test import Client
from openpyxl import load_workbook

from tests.factories import BusinessFactory
from tests.layers.world import waste_field, waste_point

COUNTED_HERE = ("active", "suspended", "overflowing", "damaged")


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def dashboard_world(world):
    a, b = world.ward_a, world.ward_b
    for i in range(4):
        BusinessFactory(
            ward=a, khu_pho=world.kp_a1, status="suspended", geom=Point(106.695, 10.78 + i * 1e-4, srid=4326)
        )
    BusinessFactory(ward=b, khu_pho=world.kp_b1, status="terminated", geom=Point(106.73, 10.78, srid=4326))
    BusinessFactory(ward=b, khu_pho=world.kp_b1, is_deleted=True, geom=Point(106.73, 10.781, srid=4326))
    waste_field(world, n=45)
    for i in range(3):
        waste_point(b, world.kp_b1, 106.73, 10.78 + i * 1e-4, kind="bin", name=f"Đầy {i}", condition="overflowing")
    return world


def sql_figures() -> dict[int, dict[str, int]]:
    """The same figures, counted straight from the tables."""
    out: dict[int, dict[str, int]] = {}
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ward_id, count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'suspended')"
            " FROM businesses_business WHERE NOT is_deleted GROUP BY ward_id"
        )
        for ward, active, suspended in cur.fetchall():
            out.setdefault(ward, {}).update(active=active, suspended=suspended)
        cur.execute(
            "SELECT ward_id, count(*) FILTER (WHERE condition = 'overflowing'),"
            " count(*) FILTER (WHERE condition = 'damaged')"
            " FROM layers_wastepoint WHERE NOT is_deleted GROUP BY ward_id"
        )
        for ward, overflowing, damaged in cur.fetchall():
            out.setdefault(ward, {}).update(overflowing=overflowing, damaged=damaged)
    return out


def test_the_figures_per_ward_and_for_the_district_are_the_tables_counts(dashboard_world):
    w = dashboard_world
    leader = client_as(w.users["district_leader"])
    data = leader.get("/leader/dashboard/data").json()

    expected = sql_figures()
    shown = {row["id"]: row for row in data["wards"]}
    assert {w.ward_a.pk, w.ward_b.pk} <= set(shown)
    assert {c["key"] for c in data["columns"]} >= set(COUNTED_HERE)
    for ward in (w.ward_a, w.ward_b):
        for key in COUNTED_HERE:
            assert shown[ward.pk]["values"][key]["count"] == expected.get(ward.pk, {}).get(key, 0), (ward.name, key)
    for key in COUNTED_HERE:
        total = sum(expected.get(pk, {}).get(key, 0) for pk in shown)
        assert data["district"][key]["count"] == total, key
    assert expected[w.ward_a.pk]["suspended"] >= 4  # the figures are not all zero
    # The map's shapes are the admin units' vector tiles; the data says which layer and where to open.
    assert data["tiles"] == {"layer": "admin_wards", "url": "/tiles/admin_wards/{z}/{x}/{y}.mvt", "minzoom": 8}
    west, south, east, north = data["bounds"]
    for ward in (w.ward_a, w.ward_b):
        x0, y0, x1, y1 = ward.boundary.extent
        assert west <= x0 and south <= y0 and x1 <= east and y1 <= north


def test_one_ward_view_and_who_may_see_the_dashboard(dashboard_world):
    w = dashboard_world
    leader = client_as(w.users["district_leader"])
    one = leader.get(f"/leader/dashboard/data?ward={w.ward_b.pk}").json()
    assert [r["id"] for r in one["wards"]] == [w.ward_b.pk]
    assert one["district"]["active"] == one["wards"][0]["values"]["active"]
    assert leader.get("/leader/dashboard/data?ward=999999").status_code == 400
    assert leader.get("/leader/dashboard/").status_code == 200

    assert Client().get("/leader/dashboard/data").status_code == 401
    assert Client().get("/leader/dashboard/").status_code == 302  # to the login page
    officer = client_as(w.users["ward_officer"])
    refused = officer.get("/leader/dashboard/data")
    assert refused.status_code == 403 and refused.json()["message"] and refused.json()["message_en"]
    assert officer.get("/leader/dashboard/").status_code == 403
    assert officer.get("/leader/dashboard/export.csv").status_code == 403
    assert client_as(w.users["admin"]).get("/leader/dashboard/data").status_code == 200


def test_exports_hold_the_table_as_shown(dashboard_world):
    w = dashboard_world
    leader = client_as(w.users["district_leader"])
    data = leader.get("/leader/dashboard/data").json()
    labels = [c["label"] for c in data["columns"]]
    by_suspended = sorted(data["wards"], key=lambda r: (r["values"]["suspended"]["count"], r["name"]), reverse=True)

    response = leader.get("/leader/dashboard/export.csv?sort=suspended&dir=desc")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1:] == labels
    assert [r[0] for r in rows[1:-1]] == [r["name"] for r in by_suspended]
    key_col = 1 + [c["key"] for c in data["columns"]].index("suspended")
    assert int(rows[-1][key_col]) == data["district"]["suspended"]["count"]

    response = leader.get(f"/leader/dashboard/export.xlsx?ward={w.ward_a.pk}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert list(values[0][1:]) == labels
    assert values[1][0] == w.ward_a.name and len(values) == 3  # the ward, then its total
    assert values[1][key_col] == sql_figures()[w.ward_a.pk]["suspended"]
