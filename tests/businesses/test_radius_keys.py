"""The key-range count (migration 0012) and the GiST count count exactly the rows ST_DWithin keeps, by brute force.

Rows go straight into businesses_radius_point here, so points can sit exactly on key cells' edges
and circles' rims; the triggers that fill it from the businesses are tested in test_derived_tables.
"""

from __future__ import annotations

import itertools
import math
import random

import pytest
from django.db import connection

from businesses import radius
from tests.factories import BusinessFactory, industry, offset_point

LON, LAT = 106.70, 10.78
CODES = ("5610", "5630", "4711", "9631")
RIM_M = 2**radius.RIM_LEVEL / radius.KEY_CELLS_PER_M  # 128 m


def centre(lon: float, lat: float) -> tuple[float, float]:
    with connection.cursor() as cur:
        cur.execute(radius.CENTER_XY_SQL, {"lon": lon, "lat": lat})
        return cur.fetchone()


def lon_lat(x: float, y: float) -> tuple[float, float]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(%s, %s), 32648), 4326) p", [x, y]
        )
        return cur.fetchone()


# PostGIS's own definition of "within r metres", read by a sequential scan: what every count must equal. Counted
# before the industries are named: joined first, with no index and ST_DWithin's guess of one row, the planner
# compared every point in the circle with all 3,155 industries (0.1 s a circle, 50 s of this file on CI).
REFERENCE_SQL = f"""
SELECT i.code, i.name, i.section, c.n
  FROM (SELECT b.industry_id, count(*) AS n
          FROM businesses_radius_point b
         WHERE ST_DWithin(b.geom_m, {radius.CENTER_SQL}, %(radius)s)
           AND (%(industry)s::bigint IS NULL OR b.industry_id = %(industry)s::bigint)
         GROUP BY b.industry_id) c
  JOIN businesses_industry i ON i.id = c.industry_id
 ORDER BY c.n DESC, i.code
"""


def brute_force(lon: float, lat: float, r: float, industry_id: int | None = None) -> list[dict]:
    """ST_DWithin on every point, every index forbidden."""
    with connection.cursor() as cur:
        cur.execute("SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off")
        try:
            cur.execute(REFERENCE_SQL, radius._params(lon, lat, r, industry_id))
            rows = cur.fetchall()
        finally:
            cur.execute("RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan")
    return [{"code": c, "name": n, "section": s, "count": k} for c, n, s, k in rows]


@pytest.fixture
def points(db) -> list[int]:
    """3,000 random points in a 12 km square, and points on the edges and corners of key cells
    from 64 m to 4 km around (LON, LAT); returns the industry ids."""
    ids = [industry(code).pk for code in CODES]
    rng = random.Random(20240611)
    cx, cy = centre(LON, LAT)
    rows = [(cx + rng.uniform(-6000, 6000), cy + rng.uniform(-6000, 6000)) for _ in range(3000)]
    for level in range(15, 22):
        size = 2**level / radius.KEY_CELLS_PER_M
        x0, y0 = math.floor(cx / size) * size, math.floor(cy / size) * size
        for i in range(-2, 3):
            for j in range(-2, 3):
                x, y = x0 + i * size, y0 + j * size
                # On the corner, just inside the cell's start, just before its end, on its edges.
                rows += [(x, y), (math.nextafter(x, -math.inf), y), (x, math.nextafter(y, -math.inf))]
                rows += [(x + rng.uniform(0, size), y), (x, y + rng.uniform(0, size))]
    add(rows, ids, rng)
    return ids


def add(rows: list[tuple[float, float]], ids: list[int], rng: random.Random) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM businesses_radius_point")
        start = cur.fetchone()[0] + 1
        cur.executemany(
            "INSERT INTO businesses_radius_point (id, industry_id, geom_m)"
            " VALUES (%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 32648))",
            [(start + n, rng.choice(ids), x, y) for n, (x, y) in enumerate(rows)],
        )
        cur.execute("ANALYZE businesses_radius_point")


def check(lon: float, lat: float, r: float, industry_id: int | None = None) -> int:
    expected = brute_force(lon, lat, r, industry_id)
    assert radius.count_by_industry(lon, lat, r, industry_id, key_ranges=True) == expected, (lon, lat, r)
    assert radius.count_by_industry(lon, lat, r, industry_id, key_ranges=False) == expected, (lon, lat, r)
    return sum(c["count"] for c in expected)


def test_the_centre_is_where_postgis_puts_it(db):
    """The cover is computed from the centre in metres without asking the database; it must be PostGIS's."""
    rng = random.Random(9)
    for _ in range(300):
        lon, lat = rng.uniform(106.3, 107.1), rng.uniform(10.3, 11.2)
        x, y = radius.centre_m(lon, lat)
        px, py = centre(lon, lat)
        assert abs(x - px) < 1e-7 and abs(y - py) < 1e-7, (lon, lat, x - px, y - py)


def test_the_sql_key_is_the_python_key(db):
    rng = random.Random(7)
    xs = [(rng.uniform(0, 4e6), rng.uniform(0, 4e6)) for _ in range(200)]
    xs += [(k * RIM_M, m * RIM_M) for k, m in [(2684, 4656), (0, 0), (1, 1)]]
    xs += [(math.nextafter(x, 0), y) for x, y in xs[-3:]] + [(-1.0, 5.0), (5.0, 4194304.0)]
    with connection.cursor() as cur:
        for x, y in xs:
            cur.execute("SELECT portal_radius_key(ST_SetSRID(ST_MakePoint(%s, %s), 32648))", [x, y])
            assert cur.fetchone()[0] == radius.point_key(x, y), (x, y)


def test_random_circles_count_what_brute_force_counts(points):
    rng = random.Random(42)
    cx, cy = centre(LON, LAT)
    counted = 0
    for n in range(120):
        r = rng.choice([10, 10.5, 99.9, 500, 1000, 2000, 5000]) if n % 3 == 0 else rng.uniform(10, 5000)
        lon, lat = lon_lat(cx + rng.uniform(-3000, 3000), cy + rng.uniform(-3000, 3000))
        counted += check(lon, lat, r, rng.choice(points) if n % 5 == 0 else None)
    assert counted > 50_000  # the circles were not empty


def test_circles_centred_on_cell_corners_and_edges(points):
    rng = random.Random(5)
    cx, cy = centre(LON, LAT)
    for level in (15, 17, 19, 21):
        size = 2**level / radius.KEY_CELLS_PER_M
        x0, y0 = math.floor(cx / size) * size, math.floor(cy / size) * size
        for x, y in [(x0, y0), (x0 + size / 2, y0), (x0, y0 + size / 3)]:
            for r in (10, size / 2, size, rng.uniform(1000, 5000), 5000):
                check(*lon_lat(x, y), max(10, r))


def test_rims_through_points_and_cell_corners(points):
    """A point exactly r away, a cell corner on the rim: whatever ST_DWithin decides, both agree."""
    rng = random.Random(11)
    for _ in range(25):
        lon, lat = lon_lat(*(c + rng.uniform(-2000, 2000) for c in centre(LON, LAT)))
        cx, cy = centre(lon, lat)
        r = rng.uniform(900, 5000)
        # The rim's cell corners near due east and due north, and the points exactly r away.
        kx = round((cx + r) / RIM_M) * RIM_M
        ky = round((cy + r) / RIM_M) * RIM_M
        corners = [(kx, cy + math.sqrt(max(0.0, r * r - (kx - cx) ** 2))), (cx, ky)]
        rim = [(cx + r, cy), (cx - r, cy), (cx, cy + r), (cx, cy - r)]
        near = [(math.nextafter(x, cx), y) for x, y in rim] + [(math.nextafter(x, math.inf), y) for x, y in rim]
        add(corners + rim + near, points, rng)
        check(lon, lat, r)
        check(lon, lat, math.hypot(kx - cx, ky - cy))
        check(lon, lat, math.hypot(kx - cx, 0.0))


def test_the_cover_holds_the_circle_and_counts_whole_cells_only_inside_it():
    rng = random.Random(3)
    for _ in range(200):
        cx, cy, r = rng.uniform(1e5, 1.5e6), rng.uniform(1e6, 2.5e6), rng.uniform(10, 5000)
        cover = radius.key_cover(cx, cy, r)
        cells = [
            (lo << 2 * level, hi << 2 * level, False)
            for level, lo, hi in zip(cover.level, cover.cell_lo, cover.cell_hi, strict=True)
        ]
        spans = sorted(cells + [(lo, hi, True) for lo, hi in zip(cover.lo, cover.hi, strict=True)])
        assert all(level in radius.CELL_LEVELS for level in cover.level)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), "ranges overlap"
        for _ in range(50):
            a, d = rng.uniform(0, 2 * math.pi), r * math.sqrt(rng.random()) * 1.2
            x, y = cx + d * math.cos(a), cy + d * math.sin(a)
            key = radius.point_key(x, y)
            hit = [e for s, t, e in spans if s <= key < t]
            if math.hypot(x - cx, y - cy) <= r:
                assert hit, (cx, cy, r, x, y)
            if hit and not hit[0]:
                assert math.hypot(x - cx, y - cy) <= r, (cx, cy, r, x, y)


def test_a_circle_off_the_key_grid_is_counted_through_gist(db):
    assert radius.key_cover(500.0, 1e6, 2000) is None
    assert radius.key_cover(1e6, 4194304 - 100, 150) is None
    assert radius.key_cover(1e6, 4194304 - 100, 50) is not None
    # Near the equator at 100°E, UTM 48N's x is below zero: the count still answers.
    query, _ = radius.count_query(100.0, 0.5, 2000)
    assert query is radius.COUNT_BY_INDUSTRY_SQL
    assert radius.count_query(LON, LAT, 2000)[0] is radius.COUNT_BY_CELLS_SQL
    assert radius.count_query(LON, LAT, 500)[0] is radius.COUNT_BY_INDUSTRY_SQL


def test_businesses_saved_through_the_model_are_counted_by_key(world):
    """The triggers fill the table and the expression index needs no column of its own."""
    for metres in (20, 700, 1500, 2999):
        BusinessFactory(ward=world.ward_a, industry=industry("5610"), geom=offset_point(LON, LAT, metres, -metres))
    for r in (1000, 2000, 3000, 5000):
        assert check(LON, LAT, r) >= 1


@pytest.mark.parametrize("r", [100, 500])
def test_a_small_circle_of_a_large_table_is_counted_through_the_gist_index(points, r):
    """The float test costs the planner little per row, so it must still see that a circle holding a small part of
    the table is cheaper through the index (here ~1 % of 3,000 points; at 1M, bench/radius.py)."""
    plan = radius.explain_count(LON, LAT, r)
    assert "radius_point_geom_m" in plan, plan
    assert "Seq Scan on businesses_radius_point" not in plan, plan
