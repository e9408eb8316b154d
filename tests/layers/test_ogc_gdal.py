"""GDAL's OAPIF driver (what QGIS uses) against the live test server: every public collection reads whole."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from businesses.models import Business
from layers.models import ForestPlot, WastePoint
from tests.layers.world import forest_plot, waste_field


def gdal(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}  # loopback, never through a proxy
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


@pytest.fixture
def layers_world(live_world):
    waste_field(live_world, n=40)
    for i in range(12):
        forest_plot(live_world.ward_a, f"CG-{i:03d}", 106.696 + (i % 4) * 0.0012, 10.777 + (i // 4) * 0.0012)
    ForestPlot.objects.filter(code="CG-011").update(is_deleted=True)
    return live_world


def test_ogrinfo_lists_every_public_collection(layers_world, live_server):
    out = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server.url}/ogc/")
    for name in ("businesses", "waste_points", "forest_plots"):
        assert name in out


@pytest.mark.parametrize(
    ("collection", "expected"),
    [
        ("waste_points", lambda: WastePoint.objects.filter(is_deleted=False).exclude(kind="source_owner")),
        ("forest_plots", lambda: ForestPlot.objects.filter(is_deleted=False)),
        ("businesses", lambda: Business.objects.filter(is_deleted=False, status__in=["active", "suspended"])),
    ],
)
def test_ogr2ogr_reads_a_collection_whole_through_paging(layers_world, live_server, tmp_path, collection, expected):
    out = tmp_path / f"{collection}.geojson"
    # A page size of 5 makes GDAL follow `next` links as QGIS does on a big layer.
    gdal(
        "ogr2ogr",
        "-f",
        "GeoJSON",
        str(out),
        f"OAPIF:{live_server.url}/ogc/",
        collection,
        "-oo",
        "PAGE_SIZE=5",
        "-preserve_fid",  # the features' ids, as QGIS keeps them to write back
    )
    features = json.loads(out.read_text())["features"]
    rows = {obj.pk: obj for obj in expected()}
    assert len(rows) >= 3
    assert sorted(f["id"] for f in features) == sorted(rows)
    for f in features:
        obj = rows[f["id"]]
        if collection == "forest_plots":
            assert f["properties"]["code"] == obj.code and f["geometry"]["type"] == "Polygon"
            assert f["properties"]["area_ha"] == pytest.approx(obj.area_ha)
        elif collection == "waste_points":
            assert f["properties"]["name"] == obj.name and f["properties"]["kind"] == obj.kind
            assert "contact_name" not in f["properties"]
        else:
            assert f["properties"]["signboard"] == obj.signboard and "owner_name" not in f["properties"]
