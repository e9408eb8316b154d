"""The radius scan: what lies within r metres of a point. The SQL lives here, once.

The counts read the narrow `businesses_radius_point` (migration 0007), the page reads the
businesses. Distances are measured on the stored UTM 48N copy (`geom_m`), whose GiST index the
planner uses directly; a circle of r metres there is exact to within UTM's scale error
(< 0.04 % across HCMC). A `::geography` cast would skip the index (~200× slower).
"""

from __future__ import annotations

from django.db import connection

from businesses.models import Business

# The count reads businesses_radius_point, which its triggers fill with exactly these rows
# (migration 0007): change both together.
PUBLIC_STATUSES = (Business.Status.ACTIVE,)

CENTER_SQL = "ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 32648)"

COUNT_BY_INDUSTRY_SQL = f"""
SELECT i.code, i.name, i.section, c.n
  FROM (SELECT b.industry_id, count(*) AS n
          FROM businesses_radius_point b
         WHERE ST_DWithin(b.geom_m, {CENTER_SQL}, %(radius)s)
           AND (%(industry)s::bigint IS NULL OR b.industry_id = %(industry)s::bigint)
         GROUP BY b.industry_id) c
  JOIN businesses_industry i ON i.id = c.industry_id
 ORDER BY c.n DESC, i.code
"""

# A KNN walk of the GiST index (`ORDER BY geom_m <-> centre`), stopped by LIMIT, reads only the rows
# of the page. The caller passes LIMIT ≤ the circle's count from COUNT_BY_INDUSTRY_SQL (same filter),
# so the walk never leaves the circle; `d <= radius` guards the boundary. Filtering by ST_DWithin
# here instead made the planner, misled by PostGIS's row estimate, sort all 24,000 rows of a 2 km
# circle to return 20 (115 ms against 1 ms; bench/radius.py).
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
  JOIN businesses_industry i ON i.id = s.industry_id
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


def _params(lon: float, lat: float, radius_m: float, industry_id: int | None) -> dict:
    return {
        "lon": lon,
        "lat": lat,
        "radius": radius_m,
        "industry": industry_id,
        "statuses": list(PUBLIC_STATUSES),
    }


def count_by_industry(lon: float, lat: float, radius_m: float, industry_id: int | None = None) -> list[dict]:
    """[{code, name, section, count}] of active businesses within the circle, largest first."""
    with connection.cursor() as cur:
        cur.execute(COUNT_BY_INDUSTRY_SQL, _params(lon, lat, radius_m, industry_id))
        return [{"code": c, "name": n, "section": s, "count": k} for c, n, s, k in cur.fetchall()]


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
            for i, sign, code, name, addr, status, x, y, d in cur.fetchall()
        ]


def pois_within(lon: float, lat: float, radius_m: float) -> dict[str, list[dict]]:
    """POIs within the circle grouped by kind, nearest first."""
    out: dict[str, list[dict]] = {}
    with connection.cursor() as cur:
        cur.execute(POI_SQL, _params(lon, lat, radius_m, None))
        for pid, kind, name, addr, x, y, d in cur.fetchall():
            out.setdefault(kind, []).append(
                {"id": pid, "name": name, "address": addr, "lon": x, "lat": y, "distance_m": float(d)}
            )
    return out


def explain_count(lon: float, lat: float, radius_m: float) -> str:
    """The plan PostgreSQL picks for the count query as the API sends it (same driver, same binding)."""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + COUNT_BY_INDUSTRY_SQL, _params(lon, lat, radius_m, None))
        return "\n".join(row[0] for row in cur.fetchall())


def explain_list(lon: float, lat: float, radius_m: float, limit: int = 20) -> str:
    """The plan of the list page as the API sends it."""
    params = _params(lon, lat, radius_m, None) | {"limit": limit, "offset": 0}
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + LIST_SQL, params)
        return "\n".join(row[0] for row in cur.fetchall())
