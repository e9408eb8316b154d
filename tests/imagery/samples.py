"""One acquisition, parcel and permit in the test world's ward A, for the role × endpoint matrix."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import morecantile

from tests.imagery.rasters import LAT, LON, write_geotiff

# A fixed name: repeated runs overwrite one small file instead of leaving COGs behind.
SAMPLE_COG = "sample-role-matrix.tif"


def land(world) -> dict:
    """{"acquisition", "job", "parcel", "permit", "tile"} (ids and a tile address), made once per world."""
    if getattr(world, "_land", None):
        return world._land
    from django.contrib.gis.geos import GEOSGeometry

    from imagery import ingest
    from imagery.land.parcels import build
    from imagery.models import Acquisition, BuildingPermit, Parcel

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "sample.tif"
        write_geotiff(source, srid=9210)
        job = ingest.start_path(
            source, ward=world.ward_a, year=2020, acquired_on=dt.date(2020, 1, 1), title="", user=None, queue=False
        )
        job = ingest.run_job(job.pk)
    acquisition = job.acquisition
    acquisition.cog_path.replace(acquisition.cog_path.with_name(SAMPLE_COG))
    Acquisition.objects.filter(pk=acquisition.pk).update(cog_name=SAMPLE_COG)
    shape = build(
        f"{LAT:.7f}, {LON:.7f}\n{LAT:.7f}, {LON + 2e-4:.7f}\n{LAT - 2e-4:.7f}, {LON + 2e-4:.7f}", 4326, "latlon"
    )
    geom = GEOSGeometry(shape.polygon.wkt, srid=4326)
    parcel = Parcel.objects.create(
        ward=world.ward_a,
        sheet_no="1",
        parcel_no="1",
        geom=geom,
        source_srid=4326,
        corners=shape.corners,
        measure_srid=shape.measure_srid,
        area_m2=shape.area_m2,
        perimeter_m=shape.perimeter_m,
    )
    permit = BuildingPermit.objects.create(
        permit_no="1/GP", ward=world.ward_a, parcel=parcel, issued_on=dt.date(2020, 1, 1), footprint=geom
    )
    tile = morecantile.tms.get("WebMercatorQuad").tile(LON + 1e-4, LAT - 1e-4, acquisition.maxzoom)
    world._land = {
        "acquisition": acquisition.pk,
        "job": job.pk,
        "parcel": parcel.pk,
        "permit": permit.pk,
        "tile": {"z": tile.z, "x": tile.x, "y": tile.y},
    }
    return world._land
