"""The demo ward's own layers: defined through the definition service, drawn through the editor, idempotent."""

from __future__ import annotations

from django.db import connection
from django.test import Client

from gisportal.demo import DemoContext, run
from layers.themes.models import ThemeFeature, ThemeLayer

STEPS = ["layers.demo.seed_admin_units", "layers.demo_users.seed_users", "layers.themes.demo.seed_theme_layers"]


def quiet() -> DemoContext:
    return DemoContext(seed=2025, password="pw-demo-1", log=lambda _msg: None)


def test_demo_defines_three_layers_with_features(db):
    run(quiet(), STEPS)
    assert sorted(ThemeLayer.objects.values_list("slug", flat=True)) == ["camera_an_ninh", "den_duong", "diem_wifi"]
    lamps = ThemeFeature.objects.filter(layer__slug="den_duong")
    assert lamps.count() > 8
    assert {f.values["nguon"] for f in lamps} == {"solar", "grid"}
    assert all(f.history.count() == 1 and f.history.get().history_user.username == "quantri" for f in lamps)
    with connection.cursor() as cur:  # every feature inside its khu phố
        cur.execute("""SELECT count(*) FROM layers_themefeature f JOIN layers_adminunit k ON k.id = f.khu_pho_id
                        WHERE NOT ST_Intersects(f.geom, k.boundary)""")
        assert cur.fetchone()[0] == 0
    assert ThemeFeature.objects.filter(khu_pho__isnull=True).count() == 0
    # Served like any layer; the wifi admin password stays private.
    assert "diem_wifi" in [c["id"] for c in Client().get("/ogc/collections").json()["collections"]]
    assert "mat_khau" not in Client().get("/ogc/collections/diem_wifi/items").content.decode()
    counts = Client().get("/api/v1/themes/den_duong/stats?by=nguon").json()
    assert counts["total"] == lamps.count()
    before = ThemeFeature.objects.count()
    run(quiet(), STEPS)  # idempotent
    assert ThemeFeature.objects.count() == before and ThemeLayer.objects.count() == 3
