"""The demo ward's aerial epochs (imagery/demo.py): rendered from its world, ingested through the real pipeline.

At 2 m/px over a 700 m square instead of 0.5 m over the whole ward, so the epochs render in seconds: the path is
the same (Layout → render_epoch → GeoTIFF → ingest.start_path → ingest.run_job → COG + Acquisition), only the
pixels are fewer. One test, as the epochs take a while even so.
"""

from __future__ import annotations

import pytest
import rasterio
from django.test import Client

from gisportal.demo import DemoContext, run
from gisportal.models import Role
from imagery import demo as imagery_demo
from imagery.models import Acquisition, BuildingPermit, IngestJob, Parcel
from layers import demo as layers_demo
from layers.models import AdminUnit, BasemapFeature
from tests.factories import user_with_role

STEPS = [
    "layers.demo.seed_admin_units",
    "households.demo.seed_streets",
    "households.demo.seed_house_numbers",
    "layers.demo.seed_pois",
    "households.demo_world.seed_world",
]


@pytest.fixture
def epochs(db, monkeypatch):
    monkeypatch.setattr(imagery_demo, "PIXEL_M", 2.0)
    monkeypatch.setattr(imagery_demo, "WINDOW_M", 700.0)
    ctx = DemoContext(seed=2025, password="pw-demo-1", log=lambda _msg: None)
    run(ctx, STEPS)
    ward = AdminUnit.objects.get(level="ward", code=layers_demo.WARD_CODE, valid_to=None)
    ctx.data["ward"] = ward
    run(ctx, ["imagery.demo.seed_epochs"])
    return ctx, ward


def test_three_epochs_are_ingested_with_permits_parcels_and_a_time_strip(epochs):
    ctx, ward = epochs
    acquisitions = list(Acquisition.objects.filter(ward=ward).order_by("acquired_on"))
    assert [a.year for a in acquisitions] == [2019, 2022, 2025]
    assert all(a.crs == "EPSG:32648" and abs(a.resolution_m - 2.0) < 0.01 for a in acquisitions)
    assert IngestJob.objects.filter(ward=ward, status=IngestJob.Status.DONE).count() == 3
    for a in acquisitions:
        assert a.cog_path.is_file()
        with rasterio.open(a.cog_path) as ds:
            assert ds.count >= 3 and ds.width > 300
        assert a.footprint.contains(ward.boundary.point_on_surface)
    new = BasemapFeature.objects.filter(ward=ward, kind="building", attrs__new=True)
    permits = BuildingPermit.objects.filter(ward=ward)
    assert permits.count() == (new.count() + 1) // 2
    for permit in permits:
        building = new.filter(geom__equals=permit.footprint).get()
        assert permit.issued_on.year < building.first_year and permit.valid_until > permit.issued_on
    parcels = list(Parcel.objects.filter(ward=ward))
    assert len(parcels) == 2 and all(p.area_m2 > 10 and p.measure_srid for p in parcels)
    assert all(p.permits.exists() for p in parcels)
    # Idempotent: a second run ingests nothing more.
    run(ctx, ["imagery.demo.seed_epochs"])
    assert Acquisition.objects.filter(ward=ward).count() == 3 and permits.count() == (new.count() + 1) // 2

    # "When was it built?" answers for a new demo building: three photos of it, oldest first.
    photographed = Acquisition.objects.filter(ward=ward).first().footprint
    building = BasemapFeature.objects.filter(
        ward=ward, kind="building", attrs__new=True, first_year__gte=2023, geom__within=photographed.buffer(-0.001)
    ).first()
    c = building.geom.centroid
    client = Client()
    client.force_login(user_with_role("diachinh-test", Role.LAND_OFFICER, wards=[ward]))
    strip = client.get("/api/v1/imagery/strip", {"lon": c.x, "lat": c.y, "size_m": 60})
    assert strip.status_code == 200
    items = strip.json()["items"]
    assert [i["year"] for i in items] == [2019, 2022, 2025]
    thumb = client.get(items[-1]["thumbnail"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"


def test_the_first_run_has_the_detectors_flags_for_the_land_officer(db, monkeypatch):
    """The demo ends with the detector's pass over its oldest and newest flights (imagery.demo.seed_detection), so
    the land officer's review queue is not empty on the first run. At the detector's own 0.5 m, on a 300 m square
    of the ward and its first and last flights: its flags stand on buildings that went up or came down between."""
    import json

    from django.contrib.gis.geos import GEOSGeometry

    monkeypatch.setattr(imagery_demo, "WINDOW_M", 300.0)
    monkeypatch.setattr(imagery_demo, "FLIGHTS", (imagery_demo.FLIGHTS[0], imagery_demo.FLIGHTS[-1]))
    ctx = DemoContext(seed=2025, password="pw-demo-1", log=lambda _msg: None)
    run(ctx, STEPS)
    ward = AdminUnit.objects.get(level="ward", code=layers_demo.WARD_CODE, valid_to=None)
    ctx.data.update(ward=ward, detect_inline=True)
    run(ctx, ["imagery.demo.seed_epochs", "imagery.demo.seed_detection"])

    client = Client()
    client.force_login(user_with_role("diachinh-test", Role.LAND_OFFICER, wards=[ward]))
    runs = client.get("/api/v1/detection/runs/").json()["results"]
    years = dict(Acquisition.objects.values_list("pk", "year"))
    assert [(r["status"], years[r["before"]], years[r["after"]]) for r in runs] == [("done", 2019, 2025)], runs
    flags = client.get("/api/v1/detection/flags/", {"ward": ward.pk, "status": "to_review"}).json()["features"]
    assert flags, "nothing to review"
    changed = BasemapFeature.objects.filter(ward=ward, kind="building").exclude(first_year__lte=2019, last_year=None)
    changed = changed.exclude(first_year__gt=2025).exclude(last_year__lt=2019)
    on_a_change = [changed.filter(geom__intersects=GEOSGeometry(json.dumps(f["geometry"]))).exists() for f in flags]
    assert sum(on_a_change) >= 0.8 * len(flags), on_a_change
    # Idempotent: seeding again starts no second run.
    run(ctx, ["imagery.demo.seed_detection"])
    assert len(client.get("/api/v1/detection/runs/").json()["results"]) == 1
