"""Two aerial epochs of the test world's ward A drawn by the detector's scene generator, ingested as acquisitions.

Four buildings stand in both epochs, four are new in the later one (bright roofs, 12–20 m), one of the new
ones straddles the 256 px tile edge, so that runs with `DETECTION_TILE_PX = 256` merge it across tiles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from django.contrib.gis.geos import GEOSGeometry
from rasterio.transform import from_origin
from shapely.geometry import Polygon

from imagery import ingest
from imagery.detection.scenes import Building, Layout, render_epoch
from imagery.models import Acquisition
from layers.crs import UTM48N, WGS84, reproject
from tests.imagery.rasters import LAT, LON, origin_near

SIZE = 600
PIXEL_M = 0.5
OLD = [(40, 40, 30, 24), (420, 60, 36, 30), (80, 430, 28, 28), (470, 470, 40, 30)]
NEW = [(150, 140, 34, 30), (240, 300, 36, 28), (400, 250, 30, 36), (120, 330, 26, 32)]
ROOFS = [(245, 245, 240), (220, 40, 40), (40, 60, 220), (20, 20, 20)]
# New roofs are bright (metal, tile, concrete): a dark new roof looks like a shadow to any detector.
NEW_ROOFS = [(245, 245, 240), (220, 40, 40), (235, 150, 50), (200, 200, 205)]


@dataclass
class Pair:
    before: Acquisition
    after: Acquisition
    new: list[GEOSGeometry]  # WGS 84 footprints of the new buildings
    old: list[GEOSGeometry]


def _rect(x: float, y: float, w: float, h: float) -> Polygon:
    return Polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])


def _to_wgs84(poly: Polygon, x0: float, y0: float) -> GEOSGeometry:
    ring = [(x0 + px * PIXEL_M, y0 - py * PIXEL_M) for px, py in poly.exterior.coords]
    return GEOSGeometry(reproject(Polygon(ring), UTM48N, WGS84).wkt, srid=4326)


def layout() -> Layout:
    scene = Layout(SIZE, SIZE, PIXEL_M)
    for i, (x, y, w, h) in enumerate(OLD):
        scene.buildings.append(Building(_rect(x, y, w, h), ROOFS[i % 4], first_epoch=0))
    for i, (x, y, w, h) in enumerate(NEW):
        scene.buildings.append(Building(_rect(x, y, w, h), NEW_ROOFS[i], first_epoch=1))
    return scene


def _write(path: Path, image: np.ndarray, x0: float, y0: float) -> None:
    profile = {
        "driver": "GTiff",
        "width": SIZE,
        "height": SIZE,
        "count": 3,
        "dtype": "uint8",
        "crs": f"EPSG:{UTM48N}",
        "transform": from_origin(x0, y0, PIXEL_M, PIXEL_M),
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(np.moveaxis(image, -1, 0))


def make_pair(ward, folder: Path, seed: int = 11) -> Pair:
    """Render both epochs, write them as GeoTIFFs (UTM 48N) at the ward's centre and ingest them inline."""
    scene = layout()
    x0, y0 = origin_near(LON - 0.0015, LAT + 0.0015, UTM48N)
    found = []
    for epoch, day in ((0, dt.date(2019, 3, 1)), (1, dt.date(2023, 3, 1))):
        path = folder / f"epoch{epoch}.tif"
        _write(path, render_epoch(scene, epoch, seed=seed + epoch), x0, y0)
        job = ingest.start_path(path, ward=ward, year=day.year, acquired_on=day, title="", user=None, queue=False)
        job = ingest.run_job(job.pk)
        assert job.acquisition is not None, (job.error, job.message_en)
        found.append(job.acquisition)
    return Pair(
        found[0],
        found[1],
        [_to_wgs84(_rect(*r), x0, y0) for r in NEW],
        [_to_wgs84(_rect(*r), x0, y0) for r in OLD],
    )
