"""The demo ward in the real city: seed_demo loads the committed 2025 table, and the demo's admin units and the
table's meet in either order, any number of times, with Bàn Cờ (27154) one unit whose code it shares with the
former Phường 3 of Quận 3."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from rest_framework.test import APIClient

from gisportal.demo import CITY_STEPS, STEPS, DemoContext, run
from layers import demo as layers_demo
from layers.models import POI, AdminUnit
from tests.layers.test_demo import emptied, snapshot

ADMIN_STEPS = ["layers.demo.seed_admin_units", "layers.demo.seed_pois"]


def quiet() -> DemoContext:
    return DemoContext(password="pw-demo-1", log=lambda _msg: None)


def units() -> list:
    """The units with their successors' codes: what either order must agree on (ids and versions excluded)."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT u.level, u.code, u.name, u.kind, u.valid_from, u.valid_to, u.area_km2, u.approximate,
                   ST_AsText(ST_SnapToGrid(u.boundary, 1e-7)), p.code, s.code,
                   (SELECT string_agg(t.code, ',' ORDER BY t.code) FROM layers_adminunit_successors m
                      JOIN layers_adminunit t ON t.id = m.to_adminunit_id WHERE m.from_adminunit_id = u.id)
              FROM layers_adminunit u
              LEFT JOIN layers_adminunit p ON p.id = u.parent_id
              LEFT JOIN layers_adminunit s ON s.id = u.successor_id
             ORDER BY 1, 2, 5""")
        return cur.fetchall()


def test_the_demo_seeded_twice_after_the_table_is_the_tables_unit(db):
    call_command("load_units_2025", "--json", stdout=io.StringIO())
    run(quiet(), STEPS)
    first = snapshot()
    run(quiet(), [*CITY_STEPS, *STEPS])  # a second `make run`: nothing added, nothing crashes
    assert snapshot() == first
    today = AdminUnit.objects.filter(level="ward", code=layers_demo.WARD_CODE, valid_to__isnull=True)
    assert today.count() == 1
    ward = today.get()
    assert ward.name == layers_demo.WARD_NAME and ward.area_km2 == 0.99 and not ward.approximate
    assert not ward.boundary.empty and ward.children.filter(level="khu_pho").count() >= 5
    assert POI.objects.filter(ward=ward).count() == sum(n for _, _, n in layers_demo.POI_TEMPLATES)
    # Its five real predecessors, the same code 27154 kept apart by validity.
    old = ward.split_predecessors.all()
    assert sorted(old.values_list("code", "name")) == sorted(layers_demo.OLD_WARDS)
    assert all(u.valid_to.isoformat() == "2025-06-30" and not u.boundary.empty for u in old)
    p4 = old.get(code="27148")
    assert sorted(p4.successors.values_list("name", flat=True)) == ["Phường Bàn Cờ", "Phường Xuân Hòa"]
    # The neighbours are real units, served by the API beside the demo ward.
    body = APIClient().get("/api/v1/admin-units/?level=ward").json()
    names = {f["properties"]["name"] for f in body["features"]}
    assert {"Phường Xuân Hòa", "Phường Nhiêu Lộc", "Phường Sài Gòn", "Phường Tân Định"} <= names
    assert sum(1 for f in body["features"] if f["properties"]["code"] == layers_demo.WARD_CODE) == 1
    assert AdminUnit.objects.valid_on().wards().filter(code__regex=r"^\d+$").count() == 168


def test_either_order_gives_the_same_city(db):
    empty = transaction.savepoint()
    run(quiet(), ADMIN_STEPS)  # the demo first (an old checkout), then the table
    run(quiet(), CITY_STEPS)
    demo_first = units()
    emptied(empty)
    run(quiet(), CITY_STEPS)  # the table first (as seed_demo does now), then the demo, twice
    run(quiet(), ADMIN_STEPS)
    run(quiet(), ADMIN_STEPS)
    assert units() == demo_first
    assert POI.objects.count() == sum(n for _, _, n in layers_demo.POI_TEMPLATES)


def test_the_table_reloads_without_writing(db, django_assert_max_num_queries):
    run(quiet(), [*CITY_STEPS, "layers.demo.seed_admin_units"])
    before = units()
    with django_assert_max_num_queries(12):  # seed_demo reloads it on every `make run`: a few queries, no writes
        run(quiet(), CITY_STEPS)
    assert units() == before


def test_seed_demo_refuses_a_missing_boundary_file_and_writes_nothing(db, tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("seed_demo", "--units-boundaries", str(tmp_path / "missing.shp"), stdout=io.StringIO(), stderr=err)
    assert "missing.shp" in err.getvalue() and "Không đọc được" in err.getvalue()
    assert not AdminUnit.objects.exists()
