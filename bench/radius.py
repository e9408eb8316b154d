"""Radius scan and name check at scale: the HTTP API beside the raw SQL it wraps and the goals, in one run.

usage: .venv/bin/python bench/radius.py [--scale 200] [--runs 40]
Fills the database with `seed_demo --scale` (≈5,200 businesses per ward; 200 → ~1M) unless it
already holds that many, then, against the same database and warm caches, prints median and
p95 latency of:
- the floor: an empty public JSON answer (`/api/v1/ping`) through the production server, the fixed
  cost of the stack that every answer pays;
- 100 m, 500 m and 2 km scans through HTTP (a real server, over loopback) beside the raw count query
  the API sends (for a wide circle: the centre's round trip, the key cover and the key-range count)
  and, as the anchor, the GiST count of the same circles on the narrow radius table;
- the name check, city-wide and in one ward, through HTTP beside its raw SQL;
each beside its goal (issue 15) and the machine's load. Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import Client, ensure_businesses, load, pct, server, timed

import argparse
import random
import statistics
import urllib.parse

from django.db import connection

from businesses import namecheck, radius
from layers.models import AdminUnit

# Issue 15's goals, median ms through HTTP.
GOAL_FLOOR = 2.0
GOAL_RADIUS = {100: 3.0, 500: 4.0, 2000: 10.0}
GOAL_NAME_CITY, GOAL_NAME_WARD = 20.0, 10.0


def verdict(value: float, goal: float) -> str:
    return f"goal ≤ {goal:g} ms: {'met' if value <= goal else 'not met'}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=200)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    n = ensure_businesses(args.scale)
    print(f"businesses: {n:,}; {load()} at start")

    # Scan points: inside the demo ward and inside bench wards (where most rows are).
    rng = random.Random(1)
    with connection.cursor() as cur:
        cur.execute("SELECT ST_X(geom), ST_Y(geom) FROM businesses_business TABLESAMPLE SYSTEM (1) LIMIT 500")
        points = cur.fetchall()
    rng.shuffle(points)

    with server(args.port, "/api/v1/ping") as base:
        client = Client(base)
        floor = timed(lambda: client.get("/api/v1/ping"), args.runs * 3)
        print(
            f"\nfloor: empty public JSON (/api/v1/ping) through the production server: median "
            f"{statistics.median(floor):.2f} ms, p95 {pct(floor, 0.95):.2f} ms "
            f"({verdict(statistics.median(floor), GOAL_FLOOR)})"
        )
        print(
            f"\n{'scan':>6} | {'HTTP median':>11} {'p95':>7} | {'raw SQL median':>14} {'p95':>7} | ratio"
            f" | {'GiST anchor':>11} {'p95':>7} | rows | goal"
        )
        for r in (100, 500, 2000):
            it = iter(points * 10)

            def http(r=r, it=it):
                lon, lat = next(it)
                return client.get(f"/api/v1/businesses/radius?lat={lat}&lon={lon}&radius_m={r}&page_size=20")

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
            hm = statistics.median(h)
            print(
                f"{r:>5}m | {hm:>9.2f}ms {pct(h, 0.95):>5.2f}ms | {statistics.median(s):>12.2f}ms "
                f"{pct(s, 0.95):>5.2f}ms | {hm / statistics.median(s):>4.1f}× | "
                f"{statistics.median(g):>9.2f}ms {pct(g, 0.95):>5.2f}ms | ~{hits} | {verdict(hm, GOAL_RADIUS[r])}"
            )
        plan = radius.explain_count(*points[0], 2000)
        print("\n2 km plan is an index-only scan of the key index:", "Index Only Scan using radius_point_key" in plan)

        names = ["Phở Hòa", "PHO HOA", "Cà phê Lan", "tap hoa minh", "Bún bò Huế Cô Ba", "Salon toc Hai"]
        ward = AdminUnit.objects.get(level="ward", code="27154", valid_to__isnull=True)

        def cycle():
            it = iter(names * 1000)
            return lambda: next(it)

        def http_check(query: str):
            name = cycle()
            return lambda: client.get(f"/api/v1/businesses/name-check?name={urllib.parse.quote(name())}&{query}")

        def raw_check(ward_unit):
            name = cycle()
            return lambda: namecheck.check_name(name(), ward_unit, "city" if ward_unit is None else "ward")

        for label, query, unit, goal in (
            (f"whole city ({n:,} names)", "area=city", None, GOAL_NAME_CITY),
            ("one ward", f"ward={ward.pk}&area=ward", ward, GOAL_NAME_WARD),
        ):
            h = timed(http_check(query), args.runs)
            s = timed(raw_check(unit), args.runs)
            hm = statistics.median(h)
            print(
                f"name check, {label}: HTTP median {hm:.1f} ms, p95 {pct(h, 0.95):.1f} ms | "
                f"service (SQL + Python) median {statistics.median(s):.1f} ms | {verdict(hm, goal)}"
            )
    print(f"\n{load()} at the end")


if __name__ == "__main__":
    main()
