"""The demo steps of the thematic layers: inside their units, deterministic, idempotent."""

from __future__ import annotations

from django.db import connection

from gisportal.demo import DemoContext, run
from layers.models import ForestPlot, ForestSurvey, WastePoint

STEPS = ["layers.demo.seed_admin_units", "layers.waste.demo.seed_waste_points", "layers.forest.demo.seed_forest_plots"]


def quiet() -> DemoContext:
    return DemoContext(seed=2025, password="pw-demo-1", log=lambda _msg: None)


def snapshot() -> list:
    with connection.cursor() as cur:
        cur.execute("""SELECT kind || name || fee_status, ST_AsText(ST_SnapToGrid(geom, 1e-7)) FROM layers_wastepoint
                       UNION ALL SELECT code || sub_zone, ST_AsText(ST_SnapToGrid(geom, 1e-7)) FROM layers_forestplot
                       ORDER BY 1, 2""")
        return cur.fetchall()


def test_demo_waste_points_and_forest_plots(db):
    run(quiet(), STEPS)
    assert WastePoint.objects.filter(kind="transfer_station").count() == 1
    assert WastePoint.objects.filter(kind="source_owner").exclude(fee_status="").count() > 100
    assert ForestPlot.objects.count() == 120 and ForestSurvey.objects.count() == 600
    with connection.cursor() as cur:
        # Every waste point inside its khu phố; every plot inside its commune (1 cm tolerance).
        cur.execute("""SELECT count(*) FROM layers_wastepoint w JOIN layers_adminunit k ON k.id = w.khu_pho_id
                        WHERE NOT ST_Intersects(w.geom, ST_Buffer(k.boundary, 1e-7))""")
        assert cur.fetchone()[0] == 0
        cur.execute("""SELECT count(*) FROM layers_forestplot p JOIN layers_adminunit c ON c.id = p.ward_id
                        WHERE NOT ST_CoveredBy(p.geom, c.boundary)""")
        assert cur.fetchone()[0] == 0
    first = snapshot()
    run(quiet(), STEPS)  # idempotent: a second run adds nothing
    assert snapshot() == first
    WastePoint.objects.all().delete()
    ForestSurvey.objects.all().delete()
    ForestPlot.objects.all().delete()
    run(quiet(), STEPS)  # deterministic: the same rows again
    assert snapshot() == first
