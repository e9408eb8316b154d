"""Radius scan and name check at scale: the HTTP API beside the raw SQL it wraps and the goals, in one run.

usage: .venv/bin/python bench/radius.py [--scale 200] [--runs 40] [--lean]   (--scale 1000 --lean: 5M)
Fills the database with `seed_demo --scale` (≈5,200 businesses per ward; 200 → ~1M) unless it
already holds that many, then, against the same database and warm caches, prints median and
p95 latency of:
- the floor: an empty public JSON answer (`/api/v1/ping`) through the production server, the fixed
  cost of the stack that every answer pays;
- 100 m, 500 m and 2 km scans through HTTP (a real server, over loopback) beside the raw count query
  the API sends (for a wide circle: the key cover, whole cells' counts and the rim's points), each
  pair timed in turn on the same 40 circles, warmed on both first, and, as the anchor, the GiST count
  of the same circles on the narrow radius table;
- the name check, city-wide and in one ward, through HTTP beside its raw SQL;
each beside its goal (issue 15) and the machine's load, and beside the last run at another scale
(kept in var/bench/radius-<businesses>.json). Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import ROOT, Client, ensure_businesses, load, paired, pct, server, timed

import argparse
import json
import random
import statistics
import urllib.parse
from http.client import HTTPConnection

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
    parser.add_argument("--lean", action="store_true", help="seed only what this bench reads (harness.LEAN_STEPS)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    n = ensure_businesses(args.scale, args.lean)
    print(f"businesses: {n:,}; {load()} at start")

    # Scan points: inside the demo ward and inside bench wards (where most rows are).
    rng = random.Random(1)
    with connection.cursor() as cur:
        # The same sample every run (REPEATABLE): runs on another day or after a change time the same circles.
        cur.execute(
            "SELECT ST_X(geom), ST_Y(geom) FROM businesses_business TABLESAMPLE SYSTEM (1) REPEATABLE (1) LIMIT 500"
        )
        points = cur.fetchall()
    rng.shuffle(points)

    with server(args.port, "/api/v1/ping") as base:
        client = Client(base)
        floor = timed(lambda: client.get("/api/v1/ping"), args.runs * 3)
        figures: dict[str, float] = {"floor": statistics.median(floor)}
        # The same answer read by Python's http.client, which the benches used up to the sixth pass (docs/speed.md):
        # what the client's own header parsing adds to every figure below.
        old = HTTPConnection(*base.removeprefix("http://").split(":"))
        by_http_client = timed(lambda: (old.request("GET", "/api/v1/ping"), old.getresponse().read()), args.runs * 3)
        print(
            f"\nfloor: empty public JSON (/api/v1/ping) through the production server: median "
            f"{statistics.median(floor):.2f} ms, p95 {pct(floor, 0.95):.2f} ms "
            f"({verdict(statistics.median(floor), GOAL_FLOOR)}); read by http.client: "
            f"{statistics.median(by_http_client):.2f} ms"
        )
        print(
            f"\n{'scan':>6} | {'HTTP median':>11} {'p95':>7} | {'raw SQL median':>14} {'p95':>7} | ratio"
            f" | {'GiST anchor':>11} {'p95':>7} | rows | goal"
        )
        picked = points[:40]
        for r in (100, 500, 2000):

            def http(point, r=r):
                lon, lat = point
                return client.get(f"/api/v1/businesses/radius?lat={lat}&lon={lon}&radius_m={r}&page_size=20")

            def raw(point, r=r):
                query, params = radius.count_query(*point, r)
                with connection.cursor() as cur:
                    cur.execute(query, params)
                    return cur.fetchall()

            def gist(point, r=r):
                with connection.cursor() as cur:
                    cur.execute(radius.COUNT_BY_INDUSTRY_SQL, radius._params(*point, r, None))
                    return cur.fetchall()

            h, s = paired(http, raw, picked, args.runs)
            _, g = paired(lambda _p: None, gist, picked, args.runs)
            hits = statistics.median(sum(c["count"] for c in radius.count_by_industry(*p, r)) for p in picked)
            hm = statistics.median(h)
            figures[f"radius {r} m"] = hm
            print(
                f"{r:>5}m | {hm:>9.2f}ms {pct(h, 0.95):>5.2f}ms | {statistics.median(s):>12.2f}ms "
                f"{pct(s, 0.95):>5.2f}ms | {hm / statistics.median(s):>4.1f}× | "
                f"{statistics.median(g):>9.2f}ms {pct(g, 0.95):>5.2f}ms | ~{hits:.0f} | {verdict(hm, GOAL_RADIUS[r])}"
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
            figures[f"name check {'city' if unit is None else 'ward'}"] = hm
            print(
                f"name check, {label}: HTTP median {hm:.1f} ms, p95 {pct(h, 0.95):.1f} ms | "
                f"service (SQL + Python) median {statistics.median(s):.1f} ms | {verdict(hm, goal)}"
            )
    growth(n, figures)
    print(f"\n{load()} at the end")


def growth(n: int, figures: dict[str, float]) -> None:
    """Keeps this run's medians (var/bench/radius-<businesses>.json) and prints them beside the last run at
    every other scale: how each figure grows with the data (issue 15: the 500 m scan at 5M within 1.5× of 1M)."""
    folder = ROOT / "var" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"radius-{n}.json").write_text(json.dumps({"businesses": n, "figures": figures}, indent=1))
    for other in sorted(folder.glob("radius-*.json")):
        kept = json.loads(other.read_text())
        if kept["businesses"] == n:
            continue
        print(f"\nbeside the last run at {kept['businesses']:,} businesses ({other.name}):")
        for name, value in figures.items():
            before = kept["figures"].get(name)
            if before:
                print(f"  {name:<18} {before:7.2f} ms → {value:7.2f} ms here ({value / before:.2f}×)")


if __name__ == "__main__":
    main()
