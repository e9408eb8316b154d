"""One ward-sized detection run with one Celery worker, then with two: wall times and the speed-up.

Usage: DATABASE_URL=… REDIS_URL=… python bench/detection_workers.py [--size PX] [--tile PX]
(the bench database by default, as the other benchmarks). It renders a synthetic pair of SIZE × SIZE
pixels at 0.5 m (2,000 px ≈ a 1 km² ward) with the detector's scene generator, ingests both epochs into
a ward "BENCH-DET", starts the workers itself (solo pool: one tile at a time each), and deletes the
pair's flags before each run so both runs do the same work. Each worker predicts on one thread and
reserves one tile at a time (so the last tiles are shared, not queued behind a busy worker). Run it
when nothing else loads the machine: a background process on one of the two cores halves the two-worker
figure. It prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

import numpy as np

ROOT = harness.ROOT


def _pair(size: int, folder: Path):
    """Both epochs as GeoTIFFs in UTM 48N near Bình Tân, ingested inline; returns (ward, before, after)."""
    import rasterio
    from django.contrib.gis.geos import MultiPolygon, Polygon
    from rasterio.transform import from_origin
    from shapely.geometry import Polygon as Shape

    from imagery import ingest
    from imagery.detection.scenes import Building, Layout, render_epoch
    from layers.crs import UTM48N, WGS84, reproject
    from layers.models import AdminUnit

    rng = np.random.default_rng(7)
    layout = Layout(size, size, 0.5)
    for _ in range(size * size // 6000):  # a built-up ward: one roof per ~1,500 m²
        x, y = rng.uniform(10, size - 60, 2)
        w, h = rng.uniform(16, 44, 2)
        roof = tuple(int(v) for v in rng.integers(30, 240, 3))
        shape = Shape([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
        layout.buildings.append(Building(shape, roof, first_epoch=int(rng.random() < 0.15)))
    x0, y0 = 681_000.0, 1_193_000.0  # UTM 48N, western HCMC
    outline = reproject(
        Shape([(x0, y0), (x0 + size / 2, y0), (x0 + size / 2, y0 - size / 2), (x0, y0 - size / 2)]), UTM48N, WGS84
    )
    ward, _ = AdminUnit.objects.update_or_create(
        code="BENCH-DET",
        defaults={
            "name": "Bench detection ward",
            "level": "ward",
            "kind": "phuong",
            "valid_from": dt.date(2025, 7, 1),
            "boundary": MultiPolygon(Polygon(list(outline.exterior.coords), srid=4326), srid=4326),
        },
    )
    acquisitions = []
    for epoch, day in ((0, dt.date(2018, 1, 1)), (1, dt.date(2024, 1, 1))):
        path = folder / f"bench-epoch{epoch}.tif"
        image = render_epoch(layout, epoch, seed=100 + epoch)
        profile = {
            "driver": "GTiff",
            "width": size,
            "height": size,
            "count": 3,
            "dtype": "uint8",
            "crs": f"EPSG:{UTM48N}",
            "transform": from_origin(x0, y0, 0.5, 0.5),
            "tiled": True,
            "blockxsize": 512,
            "blockysize": 512,
            "compress": "deflate",
        }
        with rasterio.open(path, "w", **profile) as ds:
            ds.write(np.moveaxis(image, -1, 0))
        job = ingest.start_path(path, ward=ward, year=day.year, acquired_on=day, title="bench", user=None, queue=False)
        job = ingest.run_job(job.pk)
        acquisitions.append(job.acquisition)
    return ward, *acquisitions


LOG_DIR: Path | None = None  # --log: each worker's log (INFO: which tile ran where and for how long)


def _workers(n: int) -> list[subprocess.Popen]:
    from gisportal.celery import app, worker_command

    env = {**os.environ, "DETECTION_THREADS": "1", "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            worker_command(
                f"bench-det-{i}@%h",
                "--prefetch-multiplier=1",  # acks_late tiles: a worker reserving 4 would idle its peer at the end
                "--loglevel=INFO" if LOG_DIR else "--loglevel=WARNING",
                *([f"--logfile={LOG_DIR / f'worker{n}-{i}.log'}"] if LOG_DIR else []),
            ),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(n)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(app.control.ping(timeout=0.5) or []) < n:
        pass
    return procs


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def one_run(ward, before, after, workers: int) -> tuple[float, int]:
    """Wall seconds of one run over the ward with `workers` solo workers, and its tile count."""
    from imagery.detection import runs
    from imagery.detection.models import ChangeFlag, DetectionRun

    ChangeFlag.objects.filter(before=before, after=after).delete()
    procs = _workers(workers)
    try:
        started = time.perf_counter()
        run = runs.start_run(before=before, after=after, ward=ward, area=ward.boundary)
        while True:
            run.refresh_from_db()
            if run.finished:
                break
            time.sleep(0.1)
        wall = time.perf_counter() - started
    finally:
        _stop(procs)
    if run.status != DetectionRun.Status.DONE:
        raise SystemExit(f"run {run.pk} {run.status}: {run.message_en}")
    return wall, run.tiles_total


def measure(size: int = 2000, tile: int = 512) -> dict:
    from django.conf import settings

    settings.DETECTION_TILE_PX = tile
    with tempfile.TemporaryDirectory() as tmp:
        ward, before, after = _pair(size, Path(tmp))
        one, tiles = one_run(ward, before, after, 1)
        two, _ = one_run(ward, before, after, 2)
    mpx = size * size / 1e6
    print(f"detection over one ward: {size}×{size} px ({mpx:.1f} Mpx at 0.5 m), {tiles} tiles of {tile} px")
    print(f"  1 worker : {one:7.1f} s  ({mpx / one * 60:.1f} Mpx/min)")
    print(f"  2 workers: {two:7.1f} s  ({mpx / two * 60:.1f} Mpx/min)")
    print(f"  speed-up : {one / two:.2f}×  (goal ≥ 1.8× on 2 cores)")
    return {"size": size, "tiles": tiles, "one_s": one, "two_s": two, "ratio": one / two}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--tile", type=int, default=512)
    parser.add_argument("--log", type=Path, help="write each worker's log into this folder")
    args = parser.parse_args()
    LOG_DIR = args.log
    measure(args.size, args.tile)
