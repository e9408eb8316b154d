"""Radius scan and name check at scale: the HTTP API beside the raw SQL it wraps, in one run.

usage: .venv/bin/python bench/radius.py [--scale 200] [--runs 40]
Fills the database with `seed_demo --scale` (≈5,200 businesses per ward; 200 → ~1M) unless it
already holds that many, then, against the same database and warm caches, prints median and
p95 latency for 100 m, 500 m and 2 km scans through HTTP (a real server, over loopback)
beside the raw count query the API sends (for a wide circle: the centre's round trip, the key
cover and the key-range count) and, as the earlier anchor, the GiST count of the same circles,
then the name check's median. Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import ensure_businesses, pct, server, timed

import argparse
import random
import statistics
import urllib.parse
import urllib.request

from django.db import connection

from businesses import radius


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=200)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    n = ensure_businesses(args.scale)
    print(f"businesses: {n:,}")

    # Scan points: inside the demo ward and inside bench wards (where most rows are).
    rng = random.Random(1)
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(geom), ST_Y(geom) FROM businesses_business TABLESAMPLE SYSTEM (1) LIMIT 500")
        points = cur.fetchall()
    rng.shuffle(points)

    with server(args.port, "/api/v1/me/") as base:
        print(
            f"\n{'scan':>6} | {'HTTP median':>11} {'p95':>7} | {'raw SQL median':>14} {'p95':>7} | ratio"
            f" | {'GiST median':>11} {'p95':>7} | rows"
        )
        for r in (100, 500, 2000):
            it = iter(points * 10)

            def http(r=r, it=it):
                lon, lat = next(it)
                url = f"{base}/api/v1/businesses/radius?lat={lat}&lon={lon}&radius_m={r}&page_size=20"
                return urllib.request.urlopen(url, timeout=10).read()

            it2 = iter(points * 10)

            def raw(r=r, it2=it2):
                lon, lat = next(it2)
                query, params = radius.count_query(lon, lat, r)
                with connection.cursor() as cur:
                    cur.execute(query, params)
                    return cur.fetchall()

            it3 = iter(points * 10)

            def gist(r=r, it3=it3):
                lon, lat = next(it3)
                with connection.cursor() as cur:
                    cur.execute(radius.COUNT_BY_INDUSTRY_SQL, radius._params(lon, lat, r, None))
                    return cur.fetchall()

            h = timed(http, args.runs)
            s = timed(raw, args.runs)
            g = timed(gist, args.runs)
            lon, lat = points[0]
            hits = sum(c["count"] for c in radius.count_by_industry(lon, lat, r))
            print(
                f"{r:>5}m | {statistics.median(h):>9.2f}ms {pct(h, 0.95):>5.2f}ms | {statistics.median(s):>12.2f}ms "
                f"{pct(s, 0.95):>5.2f}ms | {statistics.median(h) / statistics.median(s):>4.1f}× | "
                f"{statistics.median(g):>9.2f}ms {pct(g, 0.95):>5.2f}ms | ~{hits}"
            )
        plan = radius.explain_count(*points[0], 2000)
        print("\n2 km plan is an index-only scan of the key index:", "Index Only Scan using radius_point_key" in plan)

        names = ["Phở Hòa", "PHO HOA", "Cà phê Lan", "tap hoa minh", "Bún bò Huế Cô Ba", "Salon toc Hai"]
        it4 = iter(names * 100)
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM layers_adminunit WHERE level = 'ward' AND code = '27154' AND valid_to IS NULL")
            ward = cur.fetchone()[0]

        def namecheck():
            q = urllib.parse.quote(next(it4))
            return urllib.request.urlopen(f"{base}/api/v1/businesses/name-check?name={q}&area=city", timeout=10).read()

        def namecheck_ward():
            q = urllib.parse.quote(next(it4))
            return urllib.request.urlopen(
                f"{base}/api/v1/businesses/name-check?name={q}&ward={ward}", timeout=10
            ).read()

        c = timed(namecheck, args.runs)
        w = timed(namecheck_ward, args.runs)
        print(f"name check, whole city ({n:,} names): median {statistics.median(c):.1f} ms, p95 {pct(c, 0.95):.1f} ms")
        print(f"name check, one ward: median {statistics.median(w):.1f} ms, p95 {pct(w, 0.95):.1f} ms")


if __name__ == "__main__":
    main()
