"""A 250,000-row house-number file through the real import path (``households.imports.run.run_import``).

usage: .venv/bin/python bench/house_import.py [--scale 31] [--format csv|gpkg] [--crs 9210]

Fills the database with ``seed_demo --scale`` unless it already holds that many wards (scale 31 ≈ 252,000
house numbers), writes every demo house number of every ward to a file — a VN-2000 survey table (X
northing, Y easting) by default, so the PROJ transformation is part of the run — deletes those wards'
house numbers (their households go with them), and imports the file, all or nothing, timing each stage.
Then imports it again (every row unchanged: the checking path alone) and puts the demo households back.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")

import django  # noqa: E402

django.setup()

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from django.db import connection  # noqa: E402

from gisportal.demo import DemoContext, run  # noqa: E402
from households import demo  # noqa: E402
from households.imports.run import run_import  # noqa: E402
from households.models import HouseImport, HouseNumber, Street  # noqa: E402
from layers.crs import UTM48N, transformer  # noqa: E402
from layers.demo import metric  # noqa: E402
from layers.models import AdminUnit  # noqa: E402


def wards_with_houses() -> list[AdminUnit]:
    ids = HouseNumber.objects.values_list("ward_id", flat=True).distinct()
    return list(AdminUnit.objects.filter(id__in=ids).order_by("code"))


def ensure_seeded(scale: int) -> None:
    if len(wards_with_houses()) >= scale:
        return
    print(f"seeding the demo at scale {scale} (once)…", flush=True)
    t = time.perf_counter()
    run(DemoContext(scale=scale, log=lambda m: None))
    print(f"  seeded in {time.perf_counter() - t:.0f} s", flush=True)


def demo_rows(ctx: DemoContext, wards: list[AdminUnit]) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """(numbers, street names, x, y in UTM 48N) of every demo house of these wards: the generator's own output."""
    numbers, streets, xs, ys = [], [], [], []
    for ward in wards:
        ward_streets = list(Street.objects.filter(ward=ward).order_by("name"))
        rng = ctx.rng(f"house_numbers:{ward.code}")
        for h in demo.build_house_numbers(rng, metric(ward.boundary), [metric(s.geom) for s in ward_streets]):
            numbers.append(h.number.canonical())
            streets.append(ward_streets[h.street].name)
            xs.append(h.x)
            ys.append(h.y)
    return numbers, streets, np.array(xs), np.array(ys)


def write_file(path: Path, fmt: str, crs: int, numbers, streets, x, y) -> None:
    east, north = transformer(UTM48N, crs).transform(x, y)
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["STT", "Số nhà", "Đường", "X", "Y"])  # X northing, Y easting: the survey convention
            for i, (n, s, e, no) in enumerate(zip(numbers, streets, east, north, strict=True), start=1):
                w.writerow([i, n, s, f"{no:.3f}", f"{e:.3f}"])
    else:
        frame = gpd.GeoDataFrame({"so_nha": numbers, "duong": streets}, geometry=shapely.points(east, north), crs=crs)
        frame.to_file(path, driver="GPKG", engine="pyogrio")


def import_once(path: Path, crs: int | None, label: str) -> HouseImport:
    job = HouseImport.objects.create(source=HouseImport.Source.COMMAND, file_name=path.name, crs=crs)
    t = time.perf_counter()
    job = run_import(job, path)
    seconds = time.perf_counter() - t
    print(
        f"\n{label}: {job.rows:,} rows in {seconds:.1f} s = {job.rows / seconds:,.0f} rows/s (goal: 250,000 in < 60 s)"
        f"\n  status {job.status}: {job.created:,} created, {job.updated:,} updated, {job.unchanged:,} unchanged,"
        f" {job.rejected:,} rejected"
    )
    print("  stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in job.report["seconds"].items()))
    print(f"  standardisation: {job.report['standardisation']}")
    return job


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=31)
    ap.add_argument("--format", choices=["csv", "gpkg"], default="csv")
    ap.add_argument("--crs", type=int, default=9210)
    args = ap.parse_args()
    ensure_seeded(args.scale)
    ctx = DemoContext(scale=args.scale, log=lambda m: None)
    wards = wards_with_houses()
    t = time.perf_counter()
    numbers, streets, x, y = demo_rows(ctx, wards)
    with tempfile.TemporaryDirectory(prefix="bench-house-import-") as tmp:
        path = Path(tmp) / f"so-nha.{args.format}"
        write_file(path, args.format, args.crs, numbers, streets, x, y)
        print(
            f"{len(numbers):,} house numbers of {len(wards)} wards written to {path.name} "
            f"({path.stat().st_size / 2**20:.0f} MB, EPSG:{args.crs}) in {time.perf_counter() - t:.1f} s"
        )
        with connection.cursor() as cur:
            cur.execute("DELETE FROM households_housenumber WHERE ward_id = ANY(%s)", [[w.id for w in wards]])
            cur.execute("VACUUM ANALYZE households_housenumber")
        crs = args.crs if args.format == "csv" else None
        import_once(path, crs, "import into empty wards")
        import_once(path, crs, "the same file again (all unchanged)")
    t = time.perf_counter()
    demo.seed_households(
        DemoContext(scale=args.scale, log=lambda m: None, data={"ward": wards[0], "bench_wards": wards[1:]})
    )
    print(f"\n(demo households restored in {time.perf_counter() - t:.0f} s)")


if __name__ == "__main__":
    main()
