"""The radius scan: what lies within r metres of a point. The SQL lives here, once.

The counts read the narrow `businesses_radius_point` (migration 0007), the page reads the
businesses. Distances are measured on the stored UTM 48N copy (`geom_m`, and its coordinates `x`,
`y` for the counts), as ST_DWithin measures them; a circle of r metres there is exact to within
UTM's scale error (< 0.04 % across HCMC). A `::geography` cast would skip the indexes (~200× slower).

A small circle is counted through the GiST index. A wide one (25,000-39,000 rows at 2 km) is
split into quadtree cells of a Z-order key (`key_cover`, migration 0012): whole cells inside it are
read from their counts per industry (`businesses_radius_cell`, migration 0014, kept by triggers), and
only the points in the cells on its rim are read, from a covering B-tree on the key, and pay the
distance test, the GiST count's own (WITHIN_SQL), so both count the same rows.
"""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from pyproj import Transformer

from businesses.models import Business
from gisportal.postgis.cursors import explain, server_cursors, spare_cursors

# The count reads businesses_radius_point, which its triggers fill with exactly these rows
# (migration 0007): change both together.
PUBLIC_STATUSES = (Business.Status.ACTIVE,)

CENTER_SQL = "ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 32648)"
CENTER_XY_SQL = f"SELECT ST_X(c), ST_Y(c) FROM (SELECT {CENTER_SQL} AS c) s"

# The counts' distance test, on the points' stored coordinates (migration 0016): the float operations of
# PostGIS's point-to-point distance (sqrt of the squares, not their sum against r²), so it keeps exactly the
# points ST_DWithin keeps (tests/businesses/test_radius_keys.py) without building a point object per row:
# 500 m, 2,500 points, 2.40 → 1.81 ms. The centre's coordinates are constants folded at planning.
_CX, _CY = f"ST_X({CENTER_SQL})", f"ST_Y({CENTER_SQL})"
WITHIN_SQL = f"sqrt((b.x - {_CX}) * (b.x - {_CX}) + (b.y - {_CY}) * (b.y - {_CY})) <= %(radius)s"

# The industries of a count by primary key, one probe each (a circle holds a few dozen). As a plain join the
# planner, which guesses ~20 groups, hashed all 3,155 VSIC codes for them: 0.3 ms of a 1 ms count at 100 m
# (bench/radius.py). OFFSET 0 keeps the subquery a nested loop of parameterised index scans.
INDUSTRY_OF_COUNT_SQL = """ CROSS JOIN LATERAL (SELECT i.code, i.name, i.section
                       FROM businesses_industry i
                      WHERE i.id = c.industry_id
                     OFFSET 0) i"""

COUNT_BY_INDUSTRY_SQL = f"""
SELECT i.code, i.name, i.section, c.n
  FROM (SELECT b.industry_id, count(*) AS n
          FROM businesses_radius_point b
         WHERE b.geom_m && ST_Expand({CENTER_SQL}, %(radius)s) AND {WITHIN_SQL}
           AND (%(industry)s::bigint IS NULL OR b.industry_id = %(industry)s::bigint)
         GROUP BY b.industry_id) c
{INDUSTRY_OF_COUNT_SQL}
 ORDER BY c.n DESC, i.code
"""

# A wide circle: whole key cells read from their counts (businesses_radius_cell, migration 0014), at most
# four rows per industry each, and the rim's key ranges from radius_point_key's index-only scans. Each range
# is a LATERAL subquery kept apart by OFFSET 0: a range scan of the index per range, as meant, where a plain
# join let the planner, which cannot tell a range's size, hash-join the whole table (1.7 s). The rim's
# test is WITHIN_SQL on the coordinates the index covers, never ST_DWithin, whose index support made the
# planner read the whole circle from the GiST index and filter it by key range (550 ms at 2 km, against 5).
# `radius_key` is the stored portal_radius_key(geom_m) (migration 0016).
COUNT_BY_CELLS_SQL = f"""
SELECT i.code, i.name, i.section, c.n
  FROM (SELECT u.industry_id, sum(u.n)::bigint AS n
          FROM (SELECT a.industry_id, a.n
                  FROM unnest(%(level)s::smallint[], %(cell_lo)s::bigint[], %(cell_hi)s::bigint[])
                       AS r (level, lo, hi)
                 CROSS JOIN LATERAL (
                       SELECT a.industry_id, a.n
                         FROM businesses_radius_cell a
                        WHERE a.level = r.level AND a.cell >= r.lo AND a.cell < r.hi
                          AND (%(industry)s::bigint IS NULL OR a.industry_id = %(industry)s::bigint)
                       OFFSET 0) a
                UNION ALL
                SELECT p.industry_id, 1
                  FROM unnest(%(lo)s::bigint[], %(hi)s::bigint[]) AS r (lo, hi)
                 CROSS JOIN LATERAL (
                       SELECT b.industry_id
                         FROM businesses_radius_point b
                        WHERE b.radius_key >= r.lo AND b.radius_key < r.hi
                          AND {WITHIN_SQL}
                          AND (%(industry)s::bigint IS NULL OR b.industry_id = %(industry)s::bigint)
                       OFFSET 0) p) u
         GROUP BY u.industry_id
        HAVING sum(u.n) > 0) c
{INDUSTRY_OF_COUNT_SQL}
 ORDER BY c.n DESC, i.code
"""

# portal_radius_key's grid (migration 0012): cells of 1/512 m of UTM 48N from its origin, 2^31 a
# side. An aligned square of 2^L × 2^L cells, (i, j) at level L, is the key range
# [key(i, j) << 2L, (key(i, j) + 1) << 2L).
KEY_CELLS_PER_M = 512
KEY_GRID = 1 << 31
# The size of the rim's cells: smaller ones test fewer points outside the circle but cost more
# ranges. 2^16 cells (128 m) was fastest from 1 km to 5 km on the 1M-business bench (2 km: 4.9 ms,
# against 5.8 at 64 m and 5.4 at 256 m; the GiST count 15 ms).
RIM_LEVEL = 16
# Below this the GiST count reads a few dozen pages and is faster (500 m: 1.4 ms against 1.6; 1 km:
# 4.2 against 2.9 by cells; bench/radius.py).
KEY_RANGES_FROM_M = 750
# The levels businesses_radius_cell counts at (migration 0014 LEVELS): 64 m, 256 m, 1 km, 4 km.
CELL_LEVELS = (15, 17, 19, 21)
# Between the cover's float arithmetic and ST_DWithin's: each rounds a distance of a few km by
# < 1e-11 m, so a cell kept whole lies inside the circle by far more than either error, and a cell
# dropped lies outside it.
SLACK_M = 1e-6


def _spread(v: int) -> int:
    """v's 31 bits moved to the even bits (as portal_tile_key and portal_radius_key do in SQL)."""
    v = (v | (v << 16)) & 0x0000FFFF0000FFFF
    v = (v | (v << 8)) & 0x00FF00FF00FF00FF
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0F
    v = (v | (v << 2)) & 0x3333333333333333
    return (v | (v << 1)) & 0x5555555555555555


def point_key(x: float, y: float) -> int | None:
    """portal_radius_key of the UTM 48N point (x, y), computed here; None off the grid."""
    i, j = math.floor(x * KEY_CELLS_PER_M), math.floor(y * KEY_CELLS_PER_M)
    if not (0 <= i < KEY_GRID and 0 <= j < KEY_GRID):
        return None
    return _spread(i) | _spread(j) << 1


@dataclass
class Cover:
    """A circle as whole cells, read from their counts, and rim key ranges, whose points are tested."""

    level: list[int] = field(default_factory=list)  # per cell range: its level in CELL_LEVELS
    cell_lo: list[int] = field(default_factory=list)  # [cell_lo, cell_hi): `key >> 2 × level`
    cell_hi: list[int] = field(default_factory=list)
    lo: list[int] = field(default_factory=list)  # the rim: key ranges [lo, hi)
    hi: list[int] = field(default_factory=list)

    def add_inside(self, level: int, lo: int, n: int) -> None:
        """A whole quadtree cell of `level` (the key range [lo, lo + n)), as cells of the stored level below it."""
        stored = max((s for s in CELL_LEVELS if s <= level), default=None)
        if stored is None:  # finer than any stored count: its points are counted, as the rim's
            self.add_rim(lo, n)
            return
        shift = 2 * stored
        for k in range(len(self.level) - 1, -1, -1):  # extend the last range of the same level
            if self.level[k] == stored:
                if self.cell_hi[k] == lo >> shift:
                    self.cell_hi[k] = (lo + n) >> shift
                    return
                break
        self.level.append(stored)
        self.cell_lo.append(lo >> shift)
        self.cell_hi.append((lo + n) >> shift)

    def add_rim(self, lo: int, n: int) -> None:
        if self.hi and self.hi[-1] == lo:
            self.hi[-1] = lo + n
        else:
            self.lo.append(lo)
            self.hi.append(lo + n)


def key_cover(cx: float, cy: float, radius_m: float) -> Cover | None:
    """Every point within radius_m of (cx, cy) in UTM 48N, as whole key cells inside the circle and key
    ranges on its rim (their points need the distance test).

    Quadtree cells, split while they straddle the rim, down to RIM_LEVEL; adjacent ranges of the same
    kind merged. None when the circle reaches the grid's border.
    """
    unit = 1 / KEY_CELLS_PER_M
    reach = radius_m + 1
    side = KEY_GRID * unit
    if not (reach <= cx < side - reach and reach <= cy < side - reach):
        return None
    # The smallest level whose cells are at least the circle's width: 2 × 2 of them cover it (3 × 3
    # when a metre's margin reaches a third; cells that miss the circle are dropped at once).
    top = max(0, math.ceil(math.log2(2 * radius_m * KEY_CELLS_PER_M)))
    rim = min(top, RIM_LEVEL)
    cover = Cover()

    outside, inside = radius_m + SLACK_M, radius_m - SLACK_M

    def visit(level: int, i: int, j: int, lo: int) -> None:
        # Conditionals, not max(): the same values in half the time (a 2 km cover visits ~500 cells).
        size = unit * (1 << level)
        x0, y0 = i * size, j * size
        x1, y1 = x0 + size, y0 + size
        dx = x0 - cx if cx < x0 else (cx - x1 if cx > x1 else 0.0)
        dy = y0 - cy if cy < y0 else (cy - y1 if cy > y1 else 0.0)
        if math.hypot(dx, dy) > outside:
            return
        fx, gx = cx - x0, x1 - cx
        fy, gy = cy - y0, y1 - cy
        n = 1 << (2 * level)
        if math.hypot(fx if fx >= gx else gx, fy if fy >= gy else gy) <= inside:
            cover.add_inside(level, lo, n)
        elif level == rim:
            cover.add_rim(lo, n)
        else:
            # Children in key order (x's bit is the low one), so the ranges come out sorted.
            quarter, down, i2, j2 = n >> 2, level - 1, 2 * i, 2 * j
            visit(down, i2, j2, lo)
            visit(down, i2 + 1, j2, lo + quarter)
            visit(down, i2, j2 + 1, lo + 2 * quarter)
            visit(down, i2 + 1, j2 + 1, lo + 3 * quarter)

    lo_x, hi_x = math.floor((cx - reach) * KEY_CELLS_PER_M), math.floor((cx + reach) * KEY_CELLS_PER_M)
    lo_y, hi_y = math.floor((cy - reach) * KEY_CELLS_PER_M), math.floor((cy + reach) * KEY_CELLS_PER_M)
    cells = [(i, j) for i in range(lo_x >> top, (hi_x >> top) + 1) for j in range(lo_y >> top, (hi_y >> top) + 1)]
    for key, i, j in sorted((_spread(i) | _spread(j) << 1, i, j) for i, j in cells):
        visit(top, i, j, key << (2 * top))
    return cover


def centre_m(lon: float, lat: float) -> tuple[float, float]:
    """The centre in UTM 48N, as PostGIS's ST_Transform computes it (both run PROJ's same operation;
    tests/businesses/test_radius_keys.py holds them equal), without a round trip to the database."""
    transformer = getattr(_local, "transformer", None)
    if transformer is None:  # a Transformer is not safe to share between threads
        transformer = _local.transformer = Transformer.from_crs(4326, 32648, always_xy=True)
    return transformer.transform(lon, lat)


_local = threading.local()


def _params(lon: float, lat: float, radius_m: float, industry_id: int | None) -> dict:
    return {
        "lon": lon,
        "lat": lat,
        "radius": radius_m,
        "industry": industry_id,
        "statuses": list(PUBLIC_STATUSES),
    }


def count_query(
    lon: float, lat: float, radius_m: float, industry_id: int | None = None, key_ranges: bool | None = None
) -> tuple[str, dict]:
    """The count statement and its parameters: by key ranges for a wide circle, else by GiST.

    `key_ranges` forces the choice (tests, bench); both count the same rows.
    """
    params = _params(lon, lat, radius_m, industry_id)
    if key_ranges is None:
        key_ranges = radius_m >= KEY_RANGES_FROM_M
    if key_ranges:
        cover = key_cover(*centre_m(lon, lat), radius_m)
        if cover is not None:
            return COUNT_BY_CELLS_SQL, params | {
                "level": cover.level,
                "cell_lo": cover.cell_lo,
                "cell_hi": cover.cell_hi,
                "lo": cover.lo,
                "hi": cover.hi,
            }
    return COUNT_BY_INDUSTRY_SQL, params


# A KNN walk of the GiST index (`ORDER BY geom_m <-> centre`), stopped by LIMIT, reads only the rows
# of the page. The caller passes LIMIT ≤ the circle's count from COUNT_BY_INDUSTRY_SQL (same filter),
# so the walk never leaves the circle; `d <= radius` guards the boundary. Filtering by ST_DWithin
# here instead made the planner, misled by PostGIS's row estimate, sort all 24,000 rows of a 2 km
# circle to return 20 (115 ms against 1 ms; bench/radius.py). The page's industries are one primary-key probe
# each (INDUSTRY_OF_COUNT_SQL's way): as a plain join the planner, guessing 17 rows, merge-joined them against
# the first half of the 3,155 codes' index, 0.35 ms of a 0.9 ms page (docs/speed.md, "Eighth pass").
LIST_SQL = f"""
SELECT s.id, s.signboard, i.code, i.name, s.address_current, s.status,
       ST_X(s.geom), ST_Y(s.geom), round(s.d::numeric, 1)
  FROM (SELECT b.id, b.signboard, b.industry_id, b.address_current, b.status, b.geom,
               b.geom_m <-> {CENTER_SQL} AS d
          FROM businesses_business b
         WHERE b.status = ANY(%(statuses)s) AND NOT b.is_deleted
           AND (%(industry)s::bigint IS NULL OR b.industry_id = %(industry)s::bigint)
         ORDER BY b.geom_m <-> {CENTER_SQL}
         LIMIT %(limit)s OFFSET %(offset)s) s
 CROSS JOIN LATERAL (SELECT i.code, i.name FROM businesses_industry i WHERE i.id = s.industry_id OFFSET 0) i
 WHERE s.d <= %(radius)s
 ORDER BY s.d, s.id
"""

POI_SQL = f"""
SELECT p.id, p.kind, p.name, p.address, ST_X(p.geom), ST_Y(p.geom),
       round(ST_Distance(p.geom_m, {CENTER_SQL})::numeric, 1) AS d
  FROM layers_poi p
 WHERE ST_DWithin(p.geom_m, {CENTER_SQL}, %(radius)s)
 ORDER BY d, p.id
"""


def count_by_industry(
    lon: float, lat: float, radius_m: float, industry_id: int | None = None, key_ranges: bool | None = None
) -> list[dict]:
    """[{code, name, section, count}] of active businesses within the circle, largest first."""
    query, params = count_query(lon, lat, radius_m, industry_id, key_ranges)
    with connection.cursor() as cur:
        cur.execute(query, params)
        return _counts(cur.fetchall())


def list_businesses(
    lon: float, lat: float, radius_m: float, industry_id: int | None, limit: int, offset: int, total: int
) -> list[dict]:
    """Public fields of the businesses within the circle, nearest first; `total` is the circle's count."""
    limit = min(limit, total - offset)
    if limit <= 0:
        return []
    params = _params(lon, lat, radius_m, industry_id) | {"limit": limit, "offset": offset}
    with connection.cursor() as cur:
        cur.execute(LIST_SQL, params)
        return _businesses(cur.fetchall())


def pois_within(lon: float, lat: float, radius_m: float) -> dict[str, list[dict]]:
    """POIs within the circle grouped by kind, nearest first."""
    with connection.cursor() as cur:
        cur.execute(POI_SQL, _params(lon, lat, radius_m, None))
        return _pois(cur.fetchall())


@dataclass(frozen=True)
class Scan:
    counts: list[dict]  # count_by_industry's
    pois: dict[str, list[dict]]  # pois_within's
    results: list[dict]  # list_businesses' page

    @property
    def total(self) -> int:
        return _total(self.counts)


def scan(lon: float, lat: float, radius_m: float, industry_id: int | None, limit: int, offset: int) -> Scan:
    """The circle's counts, POIs and one page, as the three functions above answer them, in one round trip.

    The statements go out together in psycopg's pipeline mode, so the answer waits for PostgreSQL once rather
    than three times (each wait costs a wake-up of both processes: 0.3-0.5 ms on a 2-core VM, docs/speed.md).
    From settings.RADIUS_BESIDE_FROM_M (200 m: below it the count is too short for a second PostgreSQL process
    to gain what the turns of two processes on two cores cost), the POIs and the page go on a spare connection
    of the pool (`spare_cursors`), so a second PostgreSQL process runs them while the first counts.
    The first page needs no count before it: LIST_SQL's walk stops at its LIMIT, and its `d <= radius` keeps
    only the circle's rows, so asking for `limit` rows where the circle holds fewer returns the same page
    (reading at most `limit` rows past the circle). A later page still waits for the count, which keeps a
    far OFFSET from walking past the circle. A pipeline needs cursors bound on the server
    (gisportal/postgis/cursors.py).
    """
    count_sql, count_params = count_query(lon, lat, radius_m, industry_id)
    base = _params(lon, lat, radius_m, industry_id)
    first_page = offset == 0 and limit > 0
    beside = 2 if radius_m >= settings.RADIUS_BESIDE_FROM_M else 0
    with server_cursors(3) as cursors, spare_cursors(beside) as spare, contextlib.ExitStack() as pipelines:
        counted, near, listed = cursors[0], *(spare or cursors[1:])
        for conn in dict.fromkeys((counted.connection, near.connection)):  # once each, the count's first
            pipelines.enter_context(conn.pipeline())
        counted.execute(count_sql, count_params, prepare=False)
        near.execute(POI_SQL, base, prepare=False)
        if first_page:
            listed.execute(LIST_SQL, base | {"limit": limit, "offset": 0}, prepare=False)
        pipelines.close()  # the results, in reverse: the count's last, as it was sent first and runs longest
        counts, pois = _counts(counted.fetchall()), _pois(near.fetchall())
        if first_page:
            return Scan(counts, pois, _businesses(listed.fetchall()))
    return Scan(counts, pois, list_businesses(lon, lat, radius_m, industry_id, limit, offset, _total(counts)))


def _total(counts: list[dict]) -> int:
    return sum(c["count"] for c in counts)


def _counts(rows: list[tuple]) -> list[dict]:
    return [{"code": c, "name": n, "section": s, "count": k} for c, n, s, k in rows]


def _businesses(rows: list[tuple]) -> list[dict]:
    return [
        {
            "id": i,
            "signboard": sign,
            "industry": {"code": code, "name": name},
            "address": addr,
            "status": status,
            "lon": x,
            "lat": y,
            "distance_m": float(d),
        }
        for i, sign, code, name, addr, status, x, y, d in rows
    ]


def _pois(rows: list[tuple]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for pid, kind, name, addr, x, y, d in rows:
        out.setdefault(kind, []).append(
            {"id": pid, "name": name, "address": addr, "lon": x, "lat": y, "distance_m": float(d)}
        )
    return out


def explain_count(lon: float, lat: float, radius_m: float) -> str:
    """The plan PostgreSQL picks for the count query as the API sends it (same driver, same binding)."""
    return explain(*count_query(lon, lat, radius_m))


def explain_pois(lon: float, lat: float, radius_m: float) -> str:
    """The plan of the POI query as the API sends it."""
    return explain(POI_SQL, _params(lon, lat, radius_m, None))


def explain_list(lon: float, lat: float, radius_m: float, limit: int = 20) -> str:
    """The plan of the list page as the API sends it."""
    return explain(LIST_SQL, _params(lon, lat, radius_m, None) | {"limit": limit, "offset": 0})
