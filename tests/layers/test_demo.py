"""The demo ward generator: invariants in PostGIS, determinism, idempotence."""

from __future__ import annotations

from django.db import connection, transaction

from gisportal.demo import DemoContext, run
from households.models import Street
from layers import demo as layers_demo
from layers.models import POI, AdminUnit


def quiet(seed: int = 2025) -> DemoContext:
    return DemoContext(seed=seed, password="pw-demo-1", log=lambda _msg: None)


def snapshot() -> list:
    """Everything the generator wrote, in a comparable form (ids excluded)."""
    with connection.cursor() as cur:
        cur.execute("""
            SELECT 'unit', level || ':' || code || ':' || name, ST_AsText(ST_SnapToGrid(boundary, 1e-7))
              FROM layers_adminunit
            UNION ALL
            SELECT 'poi', kind || ':' || name || ':' || address, ST_AsText(ST_SnapToGrid(geom, 1e-7)) FROM layers_poi
            UNION ALL
            SELECT 'street', name, ST_AsText(ST_SnapToGrid(geom, 1e-7)) FROM households_street
            UNION ALL
            SELECT 'business', registration_no || ':' || signboard || ':' || owner_name || ':' || status,
                   ST_AsText(ST_SnapToGrid(geom, 1e-7)) FROM businesses_business
            UNION ALL
            SELECT 'waste', kind || ':' || name || ':' || coalesce(capacity::text, ''),
                   ST_AsText(ST_SnapToGrid(geom, 1e-7)) FROM layers_wastepoint
            UNION ALL
            SELECT 'forest',
                   p.code || ':' || p.species || ':' || string_agg(s.canopy_cover_pct::text, ','
                                                              ORDER BY s.surveyed_on),
                   ST_AsText(ST_SnapToGrid(p.geom, 1e-7))
              FROM layers_forestplot p JOIN layers_forestsurvey s ON s.plot_id = p.id GROUP BY p.id
            ORDER BY 1, 2, 3""")
        return cur.fetchall()


def emptied(sid: str) -> None:
    """Back to the database as it was at savepoint `sid`: deleting the demo through the ORM took as long as seeding
    it (~15 s), and a rollback leaves nothing of it behind (users and history included), as a fresh database."""
    transaction.savepoint_rollback(sid)


def test_every_feature_lies_inside_its_ward(db):
    run(quiet())
    ward = AdminUnit.objects.get(code=layers_demo.WARD_CODE, level="ward", valid_to__isnull=True)
    with connection.cursor() as cur:
        # khu phố inside the ward (1 cm tolerance for reprojection rounding)
        cur.execute("""SELECT count(*) FROM layers_adminunit k JOIN layers_adminunit w ON k.parent_id = w.id
                       WHERE k.level = 'khu_pho' AND NOT ST_CoveredBy(k.boundary, ST_Buffer(w.boundary, 1e-7))""")
        assert cur.fetchone()[0] == 0
        cur.execute("""SELECT count(*) FROM layers_poi p JOIN layers_adminunit k ON p.khu_pho_id = k.id
                       WHERE NOT ST_Contains(k.boundary, p.geom) OR p.ward_id <> k.parent_id""")
        assert cur.fetchone()[0] == 0
        cur.execute("""SELECT count(*) FROM households_street s JOIN layers_adminunit w ON s.ward_id = w.id
                       WHERE NOT ST_CoveredBy(s.geom, ST_Buffer(w.boundary, 1e-7))""")
        assert cur.fetchone()[0] == 0
        # the khu phố together cover most of the ward (the grid drops only slivers)
        cur.execute("""SELECT ST_Area(ST_Union(k.boundary)::geography) / ST_Area(w.boundary::geography)
                       FROM layers_adminunit k JOIN layers_adminunit w ON k.parent_id = w.id
                       WHERE k.level = 'khu_pho' GROUP BY w.boundary""")
        assert cur.fetchone()[0] > 0.9
        # The ward's area is that of a real central ward (1–3 km²).
        cur.execute("SELECT ST_Area(boundary::geography) FROM layers_adminunit WHERE id = %s", [ward.pk])
        assert 1e6 < cur.fetchone()[0] < 3e6
    khu_pho = ward.children.filter(level="khu_pho")
    assert khu_pho.count() >= 5
    assert POI.objects.filter(ward=ward).values("kind").distinct().count() == 5
    assert Street.objects.filter(ward=ward).count() >= 8
    # The pre-merger wards end the day before the merger and point at today's ward.
    old = AdminUnit.objects.filter(successor=ward)
    assert sorted(old.values_list("code", "name")) == sorted(layers_demo.OLD_WARDS)
    assert all(u.valid_to.isoformat() == "2025-06-30" for u in old)
    assert ward.valid_from.isoformat() == "2025-07-01" and ward.valid_to is None


def test_same_seed_same_data_and_rerun_is_idempotent(db):
    empty = transaction.savepoint()
    run(quiet())
    first = snapshot()
    run(quiet())  # second run: nothing is added
    assert snapshot() == first
    emptied(empty)
    run(quiet())
    assert snapshot() == first
    # Another seed draws other places: the first steps show it (the whole demo again would cost ~15 s).
    emptied(empty)
    steps = ["layers.demo.seed_admin_units", "layers.demo.seed_pois"]
    run(quiet(seed=7), steps)
    pois = [row for row in snapshot() if row[0] == "poi"]
    assert pois and pois != [row for row in first if row[0] == "poi"]


def test_demo_users_log_in_with_the_given_password(db):
    from django.test import Client

    run(quiet(), ["layers.demo.seed_admin_units", "layers.demo_users.seed_users"])  # the users' own steps
    for username in ["khupho", "canbo", "diachinh", "lanhdao", "quantri"]:
        assert Client().login(username=username, password="pw-demo-1"), username


def test_scale_multiplies_bulk_layers(db):
    ctx = quiet()
    ctx.scale = 3
    run(ctx, ["layers.demo.seed_admin_units", "layers.demo.seed_pois"])  # the whole demo at 3× costs ~17 s more
    assert POI.objects.count() == 3 * sum(count for _, _, count in layers_demo.POI_TEMPLATES)


def test_raising_the_scale_adds_bench_wards_beside_the_old_ones(db):
    from gisportal.demo import STEPS

    steps = [s for s in STEPS if s.startswith("layers.demo.seed_admin_units") or s.endswith("seed_bench_wards")]
    for scale in (3, 7, 10):
        ctx = quiet()
        ctx.scale = scale
        run(ctx, steps)
    with connection.cursor() as cur:
        cur.execute("""SELECT count(*), count(DISTINCT ST_AsText(boundary)) FROM layers_adminunit
                       WHERE code LIKE 'BENCH-%%'""")
        assert cur.fetchone() == (9, 9)
        cur.execute("""SELECT count(*) FROM layers_adminunit a JOIN layers_adminunit b
                         ON a.code < b.code AND ST_Overlaps(a.boundary, b.boundary)
                       WHERE a.code LIKE 'BENCH-%%' AND b.code LIKE 'BENCH-%%'""")
        assert cur.fetchone()[0] == 0
        # Together they tile a 3 × 3 square: no gaps, no overlaps.
        cur.execute("""SELECT ST_Area(ST_Envelope(ST_Union(ST_Transform(boundary, 32648))))
                              / sum(ST_Area(ST_Transform(boundary, 32648)))
                       FROM layers_adminunit WHERE code LIKE 'BENCH-%%'""")
        assert abs(cur.fetchone()[0] - 1) < 0.01
