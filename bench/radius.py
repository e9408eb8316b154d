"""Radius scan and name check at scale: the HTTP API beside the raw SQL it wraps, in one run.

usage: .venv/bin/python bench/radius.py [--scale 200] [--runs 40]
Fills the database with `seed_demo --scale` (≈5,200 businesses per ward; 200 → ~1M) unless it
already holds that many, then, against the same database and warm caches, prints median and
p95 latency for 100 m, 500 m and 2 km scans through HTTP (a real server, over loopback)
beside the raw count query, and the name check's median. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gisportal.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from businesses import radius  # noqa: E402
from businesses.models import Business  # noqa: E402
from gisportal.demo import DemoContext, run  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn, runs: int) -> list[float]:
    for _ in range(3):
        fn()  # warm the caches and the connection
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=200)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    n = Business.objects.count()
    if n < 5000 * args.scale * 0.9:
        t = time.perf_counter()
        run(DemoContext(scale=args.scale, password="bench-only"))
        print(f"seeded in {time.perf_counter() - t:.0f} s")
    n = Business.objects.count()
    print(f"businesses: {n:,}")

    # Scan points: inside the demo ward and inside bench wards (where most rows are).
    rng = random.Random(1)
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(geom), ST_Y(geom) FROM businesses_business TABLESAMPLE SYSTEM (1) LIMIT 500")
        points = cur.fetchall()
    rng.shuffle(points)

    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gisportal.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "0", "SECRET_KEY": "bench-only-not-secret", "ALLOWED_HOSTS": "127.0.0.1"},
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/api/v1/me/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)

        print(f"\n{'scan':>6} | {'HTTP median':>11} {'p95':>7} | {'raw SQL median':>14} {'p95':>7} | ratio | rows")
        for r in (100, 500, 2000):
            it = iter(points * 10)

            def http(r=r, it=it):
                lon, lat = next(it)
                url = f"{base}/api/v1/businesses/radius?lat={lat}&lon={lon}&radius_m={r}&page_size=20"
                return urllib.request.urlopen(url, timeout=10).read()

            it2 = iter(points * 10)

            def raw(r=r, it2=it2):
                lon, lat = next(it2)
                with connection.cursor() as cur:
                    cur.execute(radius.COUNT_BY_INDUSTRY_SQL, radius._params(lon, lat, r, None))
                    return cur.fetchall()

            h = timed(http, args.runs)
            s = timed(raw, args.runs)
            lon, lat = points[0]
            hits = sum(c["count"] for c in radius.count_by_industry(lon, lat, r))
            print(
                f"{r:>5}m | {statistics.median(h):>9.2f}ms {pct(h, 0.95):>5.2f}ms | {statistics.median(s):>12.2f}ms "
                f"{pct(s, 0.95):>5.2f}ms | {statistics.median(h) / statistics.median(s):>4.1f}× | ~{hits}"
            )
        plan = radius.explain_count(*points[0], 2000)
        print("\n2 km plan uses the GiST index:", "radius_point_geom_m" in plan)

        names = ["Phở Hòa", "PHO HOA", "Cà phê Lan", "tap hoa minh", "Bún bò Huế Cô Ba", "Salon toc Hai"]
        it3 = iter(names * 100)
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM layers_adminunit WHERE level = 'ward' AND code = '26740'")
            ward = cur.fetchone()[0]

        def namecheck():
            q = urllib.parse.quote(next(it3))
            return urllib.request.urlopen(f"{base}/api/v1/businesses/name-check?name={q}&area=city", timeout=10).read()

        def namecheck_ward():
            q = urllib.parse.quote(next(it3))
            return urllib.request.urlopen(
                f"{base}/api/v1/businesses/name-check?name={q}&ward={ward}", timeout=10
            ).read()

        c = timed(namecheck, args.runs)
        w = timed(namecheck_ward, args.runs)
        print(f"name check, whole city ({n:,} names): median {statistics.median(c):.1f} ms, p95 {pct(c, 0.95):.1f} ms")
        print(f"name check, one ward: median {statistics.median(w):.1f} ms, p95 {pct(w, 0.95):.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
