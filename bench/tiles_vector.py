"""Vector tiles at scale: /tiles/businesses/{z}/{x}/{y}.mvt through HTTP beside the raw ST_AsMVT query, in one run.

usage: .venv/bin/python bench/tiles_vector.py [--scale 200] [--runs 200]
Against the bench database (scripts/bench.sh; seeded by `seed_demo --scale` as bench/radius.py
does, unless it already holds that many businesses), picks the densest tiles at z16 (features),
z14, z12 and z10 (clusters), and prints per zoom the median and p95 latency through a real
gunicorn server over loopback beside the same SQL run directly (same parameters, `tiles.params`),
their ratio, features per tile and tile size (raw and gzipped, as nginx sends it), then the scans
each zoom's plan makes. Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import Client, ensure_businesses, load, paired, pct, server

import argparse
import gzip
import statistics
import time

import mapbox_vector_tile
from django.db import connection

from layers import registry
from layers.tiles import mvt as tiles

WORLD = 20037508.342789244
ZOOMS = {16: 40, 14: 40, 12: 20, 10: 10}  # zoom → share of --runs (in %, of 40)


def densest_tiles(layer: registry.Layer, z: int, n: int) -> list[tuple[int, int, int, int]]:
    """(z, x, y, rows) of the n tiles holding the most public rows at zoom z."""
    size = 2 * WORLD / 2**z
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT floor((ST_X(t.geom_3857) + {WORLD}) / {size})::int AS x,
                       floor(({WORLD} - ST_Y(t.geom_3857)) / {size})::int AS y, count(*)
                  FROM {layer.table} t WHERE {layer.public_filter}
                 GROUP BY 1, 2 ORDER BY 3 DESC LIMIT {n}"""
        )
        return [(z, x, y, c) for x, y, c in cur.fetchall()]


def raw(sql: str, t: tuple[int, int, int, int]) -> bytes:
    """The tile's SQL run directly as the service runs it (same driver, binary result), with the parameters
    it binds (z, x, y and their key range), on a connection kept open."""
    return tiles.fetch(sql, tiles.params(*t[:3]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=200)
    # 200 pairs at z16 and z14: with 40 the ratio moved from 1.19x to 1.47x between two runs minutes apart on a
    # 2-core VM whose speed drifts (docs/speed.md, "Third pass"); 200 hold it to a few hundredths.
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--lean", action="store_true", help="seed only what the benches read (harness.LEAN_STEPS)")
    args = parser.parse_args()

    n = ensure_businesses(args.scale, args.lean)
    layer = registry.get("businesses")
    print(f"businesses: {n:,}; features from z{layer.detail_minzoom}, clusters below")
    print(f"{load()} at start (the figures move with it)")

    with server(args.port, "/tiles/") as base:
        client = Client(base)
        print(
            f"\n{'tile':>13} | {'HTTP median':>11} {'p95':>8} | {'raw SQL median':>14} {'p95':>8} | ratio "
            f"| {'features':>8} | {'size':>8} {'gzip':>7} | rows"
        )
        results = {}
        for z, share in ZOOMS.items():
            runs = max(5, args.runs * share // 40)
            picked = densest_tiles(layer, z, 20 if z >= 14 else 3)
            sql = tiles.query(layer, z)

            def http(t):
                return client.get(f"/tiles/businesses/{t[0]}/{t[1]}/{t[2]}.mvt")

            h, s = paired(http, lambda t, sql=sql: raw(sql, t), picked, runs)
            body = raw(sql, picked[0])
            features = len(mapbox_vector_tile.decode(body).get(layer.name, {}).get("features", []))
            kind = "features" if z >= layer.detail_minzoom else "clusters"
            results[z] = (statistics.median(h), statistics.median(s))
            print(
                f"z{z:<2} {kind:>9} | {statistics.median(h):>9.2f}ms {pct(h, 0.95):>6.2f}ms | "
                f"{statistics.median(s):>12.2f}ms {pct(s, 0.95):>6.2f}ms | {results[z][0] / results[z][1]:>4.2f}× | "
                f"{features:>8,} | {len(body) / 1024:>6.1f}kB {len(gzip.compress(body, 5)) / 1024:>5.1f}kB | "
                f"{picked[0][3]:,} in the densest"
            )

        # For scale: the densest z14 tile as individual features, which the layer does not serve.
        z14 = densest_tiles(layer, 14, 1)[0]
        detail = tiles.query(layer, layer.detail_minzoom)
        s = [0.0] * 5
        for i in range(len(s)):
            start = time.perf_counter()
            raw(detail, z14)
            s[i] = (time.perf_counter() - start) * 1000
        body = raw(detail, z14)
        print(
            f"\nnot served: z14 as {z14[3]:,} individual features: raw SQL median {statistics.median(s):.1f} ms, "
            f"{len(body) / 1024 / 1024:.1f} MB ({len(gzip.compress(body, 5)) / 1024 / 1024:.1f} MB gzipped)"
        )
        # The anchor of the cell sums: the same densest tiles counted from the tile-key index, as before them.
        keyed = tiles._query(layer.name, layer.revision, "keys")
        for z in (13, 12, 10):
            picked = densest_tiles(layer, z, 3)
            cells, index = paired(
                lambda t: raw(tiles.query(layer, t[0]), t), lambda t: raw(keyed, t), picked, max(5, args.runs // 20)
            )
            print(
                f"z{z} from the cell sums {statistics.median(cells):.2f} ms, from the tile-key index "
                f"{statistics.median(index):.1f} ms (raw SQL; {picked[0][3]:,} rows in the densest)"
            )
        for z in (16, 14):
            hz, rz = results[z]
            print(f"goal z{z}: within 1.2× of raw → {hz / rz:.2f}× ({'met' if hz / rz <= 1.2 else 'not met'})")
        for z in (layer.detail_minzoom, 14, 13, 10):
            plan = tiles.explain(layer, *densest_tiles(layer, z, 1)[0][:3])
            scans = [line.strip(" ->").split("  (")[0] for line in plan.splitlines() if "Scan" in line]
            print(f"z{z} plan: {'; '.join(scans)}")
    print(f"{load()} at the end")


if __name__ == "__main__":
    main()
