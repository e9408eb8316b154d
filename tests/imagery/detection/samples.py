"""A detection run and a flag in the test world's ward A, for the role × endpoint matrix (tests/endpoints.py).

The flag is written directly (no detector involved): the matrix checks who reads what, not detection.
"""

from __future__ import annotations


def detection(world) -> dict:
    """{"run", "flag"} ids over the land sample's acquisition (tests/imagery/samples.py), made once per world."""
    if getattr(world, "_detection", None):
        return world._detection
    from django.contrib.gis.geos import GEOSGeometry, MultiPolygon

    from imagery.detection.models import ChangeFlag, DetectionRun
    from imagery.models import Acquisition
    from tests.imagery.rasters import LAT, LON
    from tests.imagery.samples import land

    before = Acquisition.objects.get(pk=land(world)["acquisition"])
    after = Acquisition.objects.get(pk=before.pk)  # one photograph is enough to read chips from
    area = MultiPolygon(before.footprint, srid=4326)
    run = DetectionRun.objects.create(
        before=before, after=after, ward=world.ward_a, area=area, status=DetectionRun.Status.DONE, progress=100
    )
    square = f"POLYGON(({LON + 1e-4} {LAT - 1e-4}, {LON + 3e-4} {LAT - 1e-4}, {LON + 3e-4} {LAT - 3e-4}, "
    square += f"{LON + 1e-4} {LAT - 3e-4}, {LON + 1e-4} {LAT - 1e-4}))"
    flag = ChangeFlag.objects.create(
        before=before,
        after=after,
        run=run,
        last_run=run,
        ward=world.ward_a,
        geom=GEOSGeometry(square, srid=4326),
        area_m2=480.0,
        score=0.9,
    )
    world._detection = {"run": run.pk, "flag": flag.pk}
    return world._detection
