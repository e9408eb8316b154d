"""The demo ward's aerial epochs, rendered from its BasemapFeature rows and ingested through the real pipeline.

Three flights (2019, 2022, 2025) of the same footprints: the ~40 buildings with a later `first_year` appear in
the later epochs and a few demolished ones disappear, with a different season, sun and exposure each time. Each
epoch is rendered by the detector's scene generator (imagery/detection/scenes.py `render_epoch`) on a UTM 48N
grid at 0.5 m/px over the ward, written as a plain GeoTIFF and registered with `ingest.start_path` +
`ingest.run_job` (header check, COG conversion, Acquisition row), exactly as `manage.py ingest_imagery --inline`
does. About half the new buildings get a building permit (footprint = the building, issued before it stood), and
two parcels from VN-2000 corners hold two of them. Idempotent: skipped when the ward has demo acquisitions.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, Polygon

from gisportal.demo import DemoContext
from imagery import ingest
from imagery.detection.scenes import Building, Layout, render_epoch
from imagery.land import parcels
from imagery.models import Acquisition, BuildingPermit, IngestJob, Parcel
from layers.crs import UTM48N, VN2000_TM3_105_45, WGS84, reproject, to_shapely
from layers.models import BasemapFeature

PIXEL_M = 0.5
MARGIN_M = 40.0
WINDOW_M: float | None = None  # None: the whole ward; tests photograph a square of this size around its middle
SOURCE_PREFIX = "demo-epoch-"


@dataclass(frozen=True)
class Flight:
    year: int
    day: dt.date
    season: float  # 0 wet, 1 dry
    sun_azimuth_deg: float
    sun_elevation_deg: float
    exposure: tuple[float, float, float]


FLIGHTS = (
    Flight(2019, dt.date(2019, 3, 14), 0.9, 120.0, 62.0, (1.05, 4.0, 0.05)),
    Flight(2022, dt.date(2022, 1, 19), 0.6, 145.0, 48.0, (0.95, -3.0, 0.12)),
    Flight(2025, dt.date(2025, 8, 7), 0.1, 95.0, 70.0, (1.0, 0.0, 0.0)),
)


@dataclass
class Grid:
    """The pixel grid of the epochs: UTM 48N metres ↔ pixels (x right, y down)."""

    minx: float
    maxy: float
    width: int
    height: int

    def to_px(self, geom_m):
        return shapely.transform(
            geom_m, lambda xy: np.column_stack(((xy[:, 0] - self.minx) / PIXEL_M, (self.maxy - xy[:, 1]) / PIXEL_M))
        )

    @property
    def transform(self):
        return from_origin(self.minx, self.maxy, PIXEL_M, PIXEL_M)


def grid_for(ward_boundary, window_m: float | None = None) -> Grid:
    """The ward's bounding box plus a margin, or a window_m square around its middle (tests: fewer buildings)."""
    ward_m = reproject(to_shapely(ward_boundary), WGS84, UTM48N)
    minx, miny, maxx, maxy = ward_m.bounds
    if window_m:
        c = ward_m.point_on_surface()
        minx, miny, maxx, maxy = c.x - window_m / 2, c.y - window_m / 2, c.x + window_m / 2, c.y + window_m / 2
    minx, miny = math.floor(minx - MARGIN_M), math.floor(miny - MARGIN_M)
    maxx, maxy = math.ceil(maxx + MARGIN_M), math.ceil(maxy + MARGIN_M)
    return Grid(minx, maxy, int((maxx - minx) / PIXEL_M), int((maxy - miny) / PIXEL_M))


def build_layout(grid: Grid, features: list[BasemapFeature], seed: int) -> Layout:
    """The scene generator's Layout (pixel coordinates, epochs = years) of the ward's features."""
    layout = Layout(grid.width, grid.height, PIXEL_M, seed=seed)
    frame = shapely.box(0, 0, grid.width, grid.height)
    for f in features:
        geom = grid.to_px(reproject(to_shapely(f.geom), WGS84, UTM48N))
        if not geom.intersects(frame):
            continue
        if f.kind == BasemapFeature.Kind.BUILDING:
            roof = tuple(f.attrs.get("roof") or (170, 90, 60))
            floors = f.attrs.get("floors") or 2
            for part in getattr(geom, "geoms", [geom]):
                layout.buildings.append(
                    Building(part, roof, height_m=3.4 * floors, first_epoch=f.first_year or 0, last_epoch=f.last_year)
                )
        elif f.kind == BasemapFeature.Kind.STREET:
            for part in getattr(geom, "geoms", [geom]):
                if isinstance(part, LineString):
                    layout.roads.append((part, f.width_m or 6.0))
        elif f.kind == BasemapFeature.Kind.WATER:
            layout.water.extend(p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon))
        elif f.kind == BasemapFeature.Kind.TREE and isinstance(geom, Point):
            layout.trees.append((geom, float(f.attrs.get("crown_m") or 3.0)))
    return layout


def write_geotiff(path: Path, image: np.ndarray, grid: Grid) -> None:
    height, width, _ = image.shape
    profile = {
        "driver": "GTiff", "width": width, "height": height, "count": 3, "dtype": "uint8",
        "crs": f"EPSG:{UTM48N}", "transform": grid.transform, "tiled": True, "blockxsize": 512, "blockysize": 512,
        "photometric": "RGB",
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.moveaxis(image, 2, 0))


def seed_epochs(ctx: DemoContext) -> None:
    ward = ctx.data["ward"]
    loaded = Acquisition.objects.filter(ward=ward, source_name__startswith=SOURCE_PREFIX)
    if loaded.exists():
        # Titles of demos loaded before they were in one language ("… / Demo aerial photo 2019").
        for acquisition in loaded.filter(title__contains=" / Demo aerial photo"):
            acquisition.title = acquisition.title.split(" / ")[0]
            acquisition.save(update_fields=["title"])
        ctx.log("  aerial epochs: already loaded")
        return
    features = list(
        BasemapFeature.objects.filter(ward=ward, source=BasemapFeature.Source.DEMO)
        .exclude(kind__in=[BasemapFeature.Kind.BLOCK, BasemapFeature.Kind.PARK])
        .order_by("id")
    )
    if not features:
        ctx.log("  aerial epochs: no basemap world to photograph (run households.demo_world first)")
        return
    grid = grid_for(ward.boundary, WINDOW_M)
    layout = build_layout(grid, features, ctx.seed)
    with tempfile.TemporaryDirectory(prefix="demo-epochs-") as tmp:
        for flight in FLIGHTS:
            started = time.monotonic()
            image = render_epoch(
                layout,
                flight.year,
                seed=ctx.seed * 10_000 + flight.year,
                season=flight.season,
                sun_azimuth_deg=flight.sun_azimuth_deg,
                sun_elevation_deg=flight.sun_elevation_deg,
                exposure=flight.exposure,
            )
            rendered = time.monotonic()
            path = Path(tmp) / f"{SOURCE_PREFIX}{flight.year}.tif"
            write_geotiff(path, image, grid)
            del image
            job = ingest.start_path(
                path,
                ward=ward,
                year=flight.year,
                acquired_on=flight.day,
                title=f"Ảnh bay chụp mẫu {flight.year}, {PIXEL_M:g} m".replace(".", ","),  # one language: the ward's
                user=None,
                queue=False,
            )
            job = ingest.run_job(job.pk)
            if job.status != IngestJob.Status.DONE:
                raise RuntimeError(f"demo epoch {flight.year} refused: {job.error} {job.message_en}")
            ctx.log(
                f"  aerial epoch {flight.year}: {grid.width}×{grid.height} px, rendered in {rendered - started:.1f} s, "
                f"ingested in {time.monotonic() - rendered:.1f} s"
            )
    seed_permits(ctx, ward)


def seed_permits(ctx: DemoContext, ward) -> None:
    """Permits for about half of the new buildings, and two parcels (VN-2000 corners) under two of them."""
    rng = ctx.rng("demo_permits")
    new = list(
        BasemapFeature.objects.filter(
            ward=ward, source=BasemapFeature.Source.DEMO, kind=BasemapFeature.Kind.BUILDING, attrs__new=True
        ).order_by("id")
    )
    permitted = [b for i, b in enumerate(new) if i % 2 == 0]
    made_parcels = []
    for k, b in enumerate(permitted[:2]):
        lot = reproject(to_shapely(b.geom), WGS84, VN2000_TM3_105_45).buffer(1.0, join_style="mitre")
        # Survey documents list X (northing) first, as parcels.build's "xy" order expects.
        corners = [[str(i + 1), round(y, 3), round(x, 3)] for i, (x, y) in enumerate(lot.exterior.coords[:-1])]
        shape = parcels.build(corners, VN2000_TM3_105_45, "xy")
        made_parcels.append(
            Parcel.objects.create(
                ward=ward,
                sheet_no="12",
                parcel_no=str(101 + k),
                land_use="ODT",
                note="Thửa mẫu / demo parcel",
                geom=shape.polygon.wkt,
                source_srid=shape.source_srid,
                corners=shape.corners,
                measure_srid=shape.measure_srid,
                area_m2=shape.area_m2,
                perimeter_m=shape.perimeter_m,
            )
        )
    for i, b in enumerate(permitted):
        year = cast(int, b.first_year) - 1  # a new demo building has the year it was first seen
        issued = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        BuildingPermit.objects.create(
            permit_no=f"{year}/GPXD-{ward.code}-{i + 1:03d}",
            ward=ward,
            parcel=made_parcels[i] if i < len(made_parcels) else None,
            issued_on=issued,
            valid_until=issued + dt.timedelta(days=730),
            footprint=b.geom.wkt,
            floors=b.attrs.get("floors"),
            note="Giấy phép mẫu / demo permit",
        )
    ctx.log(f"  building permits: {len(permitted)} of {len(new)} new buildings; parcels: {len(made_parcels)}")


def seed_detection(ctx: DemoContext) -> None:
    """The ML module's first pass over the demo: the ward's oldest and newest flights compared, as a land officer
    would start it, so their review queue holds the structures that appeared in between on the first run.

    Queued for the worker (`make run` starts it before the demo is seeded, ~10 s for the ward's tiles); with
    ctx.data["detect_inline"] the tiles run here instead (the tests). Skipped when the ward has a run already."""
    from imagery.detection import runs  # the detector loads its model: only when this step runs
    from imagery.detection.models import DetectionRun

    ward = ctx.data["ward"]
    if DetectionRun.objects.filter(ward=ward).exists():
        ctx.log("  detection: already run")
        return
    flights = list(Acquisition.objects.filter(ward=ward, source_name__startswith=SOURCE_PREFIX).order_by("acquired_on"))
    if len(flights) < 2:
        ctx.log("  detection: fewer than two aerial epochs (run imagery.demo.seed_epochs first)")
        return
    inline = bool(ctx.data.get("detect_inline"))
    run = runs.start_run(before=flights[0], after=flights[-1], ward=ward, area=ward.boundary, queue=not inline)
    if inline:
        run = runs.run_inline(run)
        ctx.log(f"  detection {flights[0].year}→{flights[-1].year}: {run.flags_new} new structures flagged")
    else:
        ctx.log(f"  detection {flights[0].year}→{flights[-1].year}: {run.tiles_total} tiles queued for the worker")
