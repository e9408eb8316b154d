"""Imagery tiles: our /imagery/{id}/tiles endpoint beside TiTiler serving the same COG, in one run.

usage: .venv/bin/python bench/tiles.py [--data PATH] [--pixel 0.15] [--copies 3] [--runs 2]

Takes the pixels of a real GeoTIFF (default: TiTiler's own Sentinel-2 fixture in
../shared/data/titiler_geotiff_fixtures/TCI.tif), places them over Bình Tân (EPSG:32648, `--pixel` m,
so that the tiles are at aerial zooms), ingests that through our pipeline (web-optimised COG), then
serves the COG through three servers on loopback, one process each, with the same GDAL settings:
  ours     gunicorn, 1 sync worker: the signed tile URLs the pages use (`--session`: the session cookie
           and the ward scope in PostgreSQL instead), Redis tile cache, rio-tiler, PNG at zlib level 1
  ours-z6  the same at GDAL's default level 6, as TiTiler encodes: the like-for-like comparison
  TiTiler  uvicorn, titiler.core's TilerFactory (no auth, no tile cache), rio-tiler
and requests every 256 px tile of the image at its three highest zooms, round robin across the servers:
cold, once per fresh copy of the COG (ours: a cache miss; all: GDAL's block cache still filling), then
`--runs` times warm (ours: the Redis cache; TiTiler: GDAL's block cache). Prints median and p95 per
tile, the server processes' CPU time per request (from /proc: steadier than latency on a shared
machine; ours excludes Redis and PostgreSQL), the ratios to TiTiler, tile sizes, and the largest pixel
difference between our tiles and TiTiler's. Uses DATABASE_URL and REDIS_URL (run it on its own
database); removes what it made.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "titiler_geotiff_fixtures" / "TCI.tif"
BINH_TAN = (106.600, 10.760)  # upper-left corner of the relocated image


def titiler_app():
    """The anchor: TiTiler's COG endpoints, as its documentation sets them up (uvicorn --factory)."""
    from fastapi import FastAPI
    from titiler.core.errors import DEFAULT_STATUS_CODES, add_exception_handlers
    from titiler.core.factory import TilerFactory

    app = FastAPI()
    app.include_router(TilerFactory().router, prefix="/cog")
    add_exception_handlers(app, DEFAULT_STATUS_CODES)
    return app


def relocate(src: Path, dst: Path, pixel: float) -> None:
    """The source's RGB pixels (and nodata) as a tiled GeoTIFF over Bình Tân, `pixel` m per pixel."""
    import rasterio
    from rasterio.transform import from_origin

    from layers.crs import UTM48N, WGS84, transformer

    x0, y0 = transformer(WGS84, UTM48N).transform(*BINH_TAN)
    with rasterio.open(src) as ds:
        data = ds.read(indexes=[1, 2, 3])
        profile = {
            "driver": "GTiff",
            "width": ds.width,
            "height": ds.height,
            "count": 3,
            "dtype": ds.dtypes[0],
            "nodata": ds.nodata,
            "crs": f"EPSG:{UTM48N}",
            "transform": from_origin(x0, y0, pixel, pixel),
            "tiled": True,
            "blockxsize": 256,
            "blockysize": 256,
            "compress": "deflate",
        }
    with rasterio.open(dst, "w", **profile) as out:
        out.write(data)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, headers: dict | None = None) -> None:
    for _ in range(150):
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def get(url: str, headers: dict) -> tuple[float, bytes, str]:
    t = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        body = r.read()
        cache = r.headers.get("X-Tile-Cache", "")
    return (time.perf_counter() - t) * 1000, body, cache


def cpu_ms(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far, from /proc (Linux): a per-request
    cost that other load on the machine does not inflate the way it inflates wall-clock latency."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    pids, seen = [pid], set()
    while pids:
        current = pids.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick * 1000
            for task in Path(f"/proc/{current}/task").iterdir():
                pids += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def decode(body: bytes):
    from rasterio.io import MemoryFile

    with MemoryFile(body) as mem, mem.open() as img:
        return img.read().astype("int16")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="A GeoTIFF whose RGB pixels to serve")
    parser.add_argument("--pixel", type=float, default=0.15, help="Ground size of a pixel once relocated, m")
    parser.add_argument("--copies", type=int, default=3, help="Cold passes, each over a fresh copy of the COG")
    parser.add_argument("--runs", type=int, default=2, help="Warm passes over all tiles of all copies")
    parser.add_argument("--session", action="store_true", help="Our tiles through the session cookie, not keys")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"no file {args.data}: pass --data PATH to a GeoTIFF")

    work = Path(tempfile.mkdtemp(prefix="bench-tiles-"))
    os.environ.setdefault("IMAGERY_ROOT", str(work / "imagery"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import morecantile
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client

    from gisportal.models import Profile, Role
    from imagery import access, ingest
    from imagery.models import Acquisition
    from layers.models import AdminUnit

    call_command("migrate", verbosity=0)
    ward, _ = AdminUnit.objects.get_or_create(
        level="ward",
        code="BENCH-TILES",
        valid_from="2025-07-01",
        defaults={
            "kind": "phuong",
            "name": "Phường Bench Tiles",
            "boundary": "SRID=4326;MULTIPOLYGON(((106 10,107.2 10,107.2 11.5,106 11.5,106 10)))",
        },
    )
    user, _ = get_user_model().objects.get_or_create(username="bench-land-officer")
    profile, _ = Profile.objects.get_or_create(user=user, defaults={"role": Role.LAND_OFFICER})
    profile.wards.add(ward)

    source = work / "relocated.tif"
    relocate(args.data, source, args.pixel)
    t = time.perf_counter()
    job = ingest.start_path(
        source, ward=ward, year=2024, acquired_on="2024-01-01", title="bench", user=None, queue=False
    )
    job = ingest.run_job(job.pk)
    if job.status != "done":
        sys.exit(f"ingestion refused: {job.message_en}")
    a = job.acquisition
    print(f"source: {args.data.name} {a.width}×{a.height} px, relocated to Bình Tân at {args.pixel} m/px")
    print(
        f"ingested in {time.perf_counter() - t:.1f} s → COG {a.size_bytes / 2**20:.1f} MB, z{a.minzoom}–{a.maxzoom}, "
        f"{a.cog_path}"
    )

    tms = morecantile.tms.get("WebMercatorQuad")
    west, south, east, north = a.footprint.extent
    tiles = [t for z in range(a.maxzoom - 2, a.maxzoom + 1) for t in tms.tiles(west, south, east, north, [z])]
    print(f"tiles: {len(tiles)} (z{a.maxzoom - 2}–{a.maxzoom}), 256 px PNG\n")

    client = Client()
    client.force_login(user)
    ours_headers = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"} if args.session else {}
    env = {
        **os.environ,
        **settings.GDAL_CONFIG,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the session made here must be valid there
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    ports = {name: free_port() for name in ("ours", "ours-z6", "titiler")}
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "gisportal.wsgi:application",
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--bind",
    ]
    servers = [
        subprocess.Popen([*gunicorn, f"127.0.0.1:{ports['ours']}"], cwd=ROOT, env=env),
        # The same code with GDAL's default PNG compression, for a like-for-like encode.
        subprocess.Popen(
            [*gunicorn, f"127.0.0.1:{ports['ours-z6']}"], cwd=ROOT, env={**env, "IMAGERY_PNG_ZLEVEL": "6"}
        ),
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench.tiles:titiler_app", "--host", "127.0.0.1",
             "--port", str(ports["titiler"]), "--workers", "1", "--log-level", "warning"],
            cwd=ROOT, env=env,
        ),
    ]  # fmt: skip
    # Copies of the COG under new names: each is cold for both servers (our cache keys and GDAL's
    # block cache both follow the file), so every tile is measured cold `--copies` times.
    copies = [a]
    for _ in range(args.copies - 1):
        clone = Acquisition.objects.get(pk=a.pk)
        clone.pk, clone.cog_name = None, f"{uuid.uuid4().hex}.tif"
        shutil.copyfile(a.cog_path, clone.cog_path)
        clone.save()
        copies.append(clone)
    targets = [
        ("ours", f"http://127.0.0.1:{ports['ours']}/imagery/{{pk}}/tiles/{{z}}/{{x}}/{{y}}.png{{query}}", ours_headers),
        ("ours-z6", f"http://127.0.0.1:{ports['ours-z6']}/imagery/{{pk}}/tiles/{{z}}/{{x}}/{{y}}.png{{query}}",
         ours_headers),
        ("titiler", f"http://127.0.0.1:{ports['titiler']}/cog/tiles/WebMercatorQuad/{{z}}/{{x}}/{{y}}.png?url={{path}}",
         {}),
    ]  # fmt: skip
    results: dict[tuple[str, str], list[float]] = {(n, p): [] for p in ("cold", "warm") for n, _t, _h in targets}
    cpu: dict[tuple[str, str], float] = {(n, p): 0.0 for p in ("cold", "warm") for n, _t, _h in targets}
    pids = {name: server.pid for (name, _t, _h), server in zip(targets, servers, strict=True)}
    bodies: dict[str, dict] = {name: {} for name, _t, _h in targets}

    def one_pass(phase: str) -> None:
        # Round robin, tile by tile: a burst of load from elsewhere on the machine hits all three alike.
        before = {name: cpu_ms(pid) for name, pid in pids.items()}
        for c in copies:
            # As the pages do: the signed key the API puts in the tile URLs (or the session, --session).
            query = "" if args.session else f"?key={access.sign(user, c)}"
            for tile in tiles:
                for name, template, headers in targets:
                    url = template.format(pk=c.pk, path=c.cog_path, z=tile.z, x=tile.x, y=tile.y, query=query)
                    ms, body, cache = get(url, headers)
                    if name.startswith("ours"):
                        assert cache in (("miss", "empty") if phase == "cold" else ("hit", "empty")), (phase, cache)
                    results[(name, phase)].append(ms)
                    if c is a:
                        bodies[name][tile] = body
        for name, pid in pids.items():
            cpu[(name, phase)] += cpu_ms(pid) - before[name]

    try:
        wait_up(f"http://127.0.0.1:{ports['ours']}/api/v1/me/")
        wait_up(f"http://127.0.0.1:{ports['ours-z6']}/api/v1/me/")
        wait_up(f"http://127.0.0.1:{ports['titiler']}/cog/info?url={a.cog_path}")
        one_pass("cold")
        for _ in range(args.runs):
            one_pass("warm")
        report(results, cpu, bodies, tiles)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
        for c in copies:
            caches["imagery"].delete_many(
                [f"tile:{c.cog_name}:{t.z}/{t.x}/{t.y}.png:{z}" for t in tiles for z in (1, 6)]
            )
            c.cog_path.unlink(missing_ok=True)
            c.delete()
        job.delete()
        shutil.rmtree(work, ignore_errors=True)


def report(results: dict, cpu: dict, bodies: dict, tiles: list) -> None:
    print(
        f"{'server':>8} | {'cache':>5} | {'requests':>8} | {'median ms':>9} | {'p95 ms':>7} | {'CPU ms/req':>10} | KB"
    )
    for (name, phase), values in results.items():
        size = statistics.median(len(b) for b in bodies[name].values()) / 1024
        print(
            f"{name:>8} | {phase:>5} | {len(values):>8} | {statistics.median(values):>9.2f} | "
            f"{pct(values, 0.95):>7.2f} | {cpu[(name, phase)] / len(values):>10.2f} | {size:.1f}"
        )
    for name in ("ours", "ours-z6"):
        for phase in ("cold", "warm"):
            ratio = statistics.median(results[(name, phase)]) / statistics.median(results[("titiler", phase)])
            cpu_ratio = cpu[(name, phase)] / cpu[("titiler", phase)]
            print(f"ratio {name} / TiTiler, {phase}: {ratio:.2f} (median latency), {cpu_ratio:.2f} (server CPU)")
    diffs = [
        int(abs(decode(bodies["ours"][t]) - decode(bodies["titiler"][t])).max())
        for t in tiles
        if bodies["ours"][t] and bodies["titiler"][t]
    ]
    print(f"largest pixel difference between our tiles and TiTiler's: {max(diffs)} (over {len(diffs)} tiles)")
    cold, warm = statistics.median(results[("ours", "cold")]), statistics.median(results[("ours", "warm")])
    print(f"goals: cache-miss median {cold:.1f} ms (< 60), cached median {warm:.2f} ms (< 5), ratio ≤ 1.0")
    print("anchor: TiTiler's published figure is ~40 ms per 256 px tile on a CI runner")


if __name__ == "__main__":
    main()
