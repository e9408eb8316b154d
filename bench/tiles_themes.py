"""A ward-defined layer's vector tiles beside a built-in layer's, the same 100,000 points in each, in one run.

usage: SECRET_KEY=… .venv/bin/python bench/tiles_themes.py [--rows 100000] [--runs 60]
On the database of DATABASE_URL: a bench ward, the built-in waste points layer and a ward-defined point layer
(`bench_lamps`, defined through layers.themes.services as the page does) each given the same --rows points
(same seed, one generate_series), plus as many points of a second defined layer in the same place, since every
defined layer shares one table. Then, on the densest z14 tile (clusters: both layers' detail_minzoom is 15) and
z16 tile (features), the median and p95 through a real gunicorn server over loopback, each layer's request in
turn, and the ratio defined / built-in. The issue's goal: within 1.5×. Prints numbers; asserts nothing.
"""

from __future__ import annotations

from harness import pct, server

import argparse
import statistics
import time
import urllib.request

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection

from layers import registry
from layers.models import AdminUnit
from layers.themes import services
from layers.themes.models import ThemeLayer

CENTER = (106.70, 10.78)
HALF = 0.02  # degrees: a 4.4 km square, ~8 z14 tiles
WORLD = 20037508.342789244


def square(lon: float, lat: float, half: float) -> MultiPolygon:
    ring = [(lon - half, lat - half), (lon + half, lat - half), (lon + half, lat + half), (lon - half, lat + half)]
    return MultiPolygon(Polygon([*ring, ring[0]]), srid=4326)


def ward() -> AdminUnit:
    found = AdminUnit.objects.filter(code="BENCH-THEMES").first()
    if found:
        return found
    return AdminUnit.objects.create(
        level="ward",
        kind="phuong",
        code="BENCH-THEMES",
        name="Phường bench lớp tự định nghĩa",
        boundary=square(*CENTER, HALF),
        valid_from="2025-07-01",
    )


def define(slug: str, unit: AdminUnit, admin) -> ThemeLayer:
    found = ThemeLayer.objects.filter(slug=slug).first()
    if found:
        return found
    fields = [
        {"name": "code", "title": "Mã", "type": "text", "public": True, "required": True},
        {
            "name": "power",
            "title": "Nguồn",
            "type": "choice",
            "public": True,
            "choices": [{"value": "solar", "label": "Mặt trời"}, {"value": "grid", "label": "Lưới"}],
        },
        {"name": "watts", "title": "Công suất", "type": "number", "public": True},
        {"name": "phone", "title": "SĐT", "type": "text"},
    ]
    data = {
        "slug": slug,
        "name_vi": slug,
        "name_en": slug,
        "geometry_type": "Point",
        "fields": fields,
        "owner": unit.pk,
        "minzoom": 10,
    }
    return services.define(admin, data)


def fill(unit: AdminUnit, layers: list[ThemeLayer], rows: int) -> None:
    """`rows` points per layer (waste points and each defined layer), the same points for each, unless there."""
    w, s, e, n = CENTER[0] - HALF, CENTER[1] - HALF, CENTER[0] + HALF, CENTER[1] + HALF
    points = f"""SELECT i, ST_SetSRID(ST_MakePoint({w} + (hashint4(i) / 4294967296.0 + 0.5) * {e - w},
                                                  {s} + (hashint4(-i) / 4294967296.0 + 0.5) * {n - s}), 4326) AS g
                   FROM generate_series(1, {rows}) i"""
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM layers_wastepoint WHERE ward_id = %s", [unit.pk])
        if cur.fetchone()[0] < rows:
            cur.execute(
                f"""INSERT INTO layers_wastepoint (kind, name, address, capacity, operator, collection_schedule,
                           condition, source_kind, fee_status, contact_name, contact_phone, ward_id, geom,
                           is_deleted, version)
                    SELECT 'bin', 'Thùng ' || i, '', 240, 'Công ích', '', 'good', '', '', '', '', %s, g, false, 1
                      FROM ({points}) p""",
                [unit.pk],
            )
        for layer in layers:
            cur.execute("SELECT count(*) FROM layers_themefeature WHERE layer_id = %s", [layer.pk])
            if cur.fetchone()[0] < rows:
                cur.execute(
                    f"""INSERT INTO layers_themefeature (layer_id, "values", ward_id, geom, is_deleted, version,
                               created_at)
                        SELECT %s, jsonb_build_object('code', 'DL-' || i, 'power',
                                   CASE WHEN i %% 3 = 0 THEN 'solar' ELSE 'grid' END, 'watts', 40 + i %% 5 * 20,
                                   'phone', '0909' || i), %s, g, false, 1, now()
                          FROM ({points}) p""",
                    [layer.pk, unit.pk],
                )
        for table in ("layers_wastepoint", "layers_themefeature"):
            cur.execute(f"VACUUM (ANALYZE) {table}")


def densest(z: int, unit: AdminUnit) -> tuple[int, int, int]:
    """The z tile holding the most of the bench ward's waste points (the same points as each defined layer's)."""
    size = 2 * WORLD / 2**z
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT floor((ST_X(geom_3857) + {WORLD}) / {size})::int AS x,
                       floor(({WORLD} - ST_Y(geom_3857)) / {size})::int AS y, count(*)
                  FROM layers_wastepoint WHERE ward_id = %s GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1""",
            [unit.pk],
        )
        x, y, _ = cur.fetchone()
    return z, x, y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    User = get_user_model()
    admin = User.objects.filter(username="bench_quantri").first() or User.objects.create_superuser("bench_quantri")
    unit = ward()
    lamps = define("bench_lamps", unit, admin)
    decoy = define("bench_decoy", unit, admin)  # another defined layer in the same place, same table
    t = time.perf_counter()
    fill(unit, [lamps, decoy], args.rows)
    print(
        f"data ready in {time.perf_counter() - t:.1f} s: {args.rows} points in each of waste_points, "
        f"bench_lamps, bench_decoy"
    )
    assert registry.get("bench_lamps") is not None
    with server(args.port, "/tiles/") as base:
        for z in (14, 16):
            tz, tx, ty = densest(z, unit)
            urls = {name: f"{base}/tiles/{name}/{tz}/{tx}/{ty}.mvt" for name in ("waste_points", "bench_lamps")}
            sizes = {}
            for name, url in urls.items():  # warm up
                for _ in range(3):
                    sizes[name] = len(urllib.request.urlopen(url).read())
            times: dict[str, list[float]] = {name: [] for name in urls}
            for _ in range(args.runs):
                for name, url in urls.items():
                    start = time.perf_counter()
                    urllib.request.urlopen(url).read()
                    times[name].append((time.perf_counter() - start) * 1000)
            med = {name: statistics.median(v) for name, v in times.items()}
            for name, v in times.items():
                print(
                    f"z{z} {tz}/{tx}/{ty} {name:13s} median {med[name]:6.2f} ms  p95 {pct(v, 0.95):6.2f} ms  "
                    f"{sizes[name]} bytes"
                )
            print(f"z{z} ratio defined / built-in (medians): {med['bench_lamps'] / med['waste_points']:.2f}")


if __name__ == "__main__":
    main()
