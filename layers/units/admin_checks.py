"""Checking an admin-unit file's units before anything is written: geometries (refused, or repaired with PostGIS
ST_MakeValid), duplicate codes or names, overlaps between units, and parent units that must already exist."""

from __future__ import annotations

import shapely
from django.db import connection

from gisportal.text import fold
from layers.crs import UTM48N, WGS84, reproject
from layers.models import AdminUnit
from layers.units.admin_columns import PARENT_LEVEL, Unit
from layers.units.admin_report import ImportReport, Overlap, Refusal, Repair

OVERLAP_SHARE = 0.01  # of the smaller unit's area


def multipolygon(geom: shapely.Geometry) -> shapely.Geometry | None:
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    if isinstance(geom, shapely.GeometryCollection):
        polys = [p for g in geom.geoms for p in (getattr(g, "geoms", None) or [g]) if isinstance(p, shapely.Polygon)]
        return shapely.MultiPolygon(polys) if polys else None
    return None


def make_valid(geom: shapely.Geometry) -> tuple[shapely.Geometry | None, float, float]:
    """PostGIS ST_MakeValid, polygonal parts kept; with the areas (m², UTM 48N) before and after."""
    with connection.cursor() as cur:
        cur.execute(
            """
            WITH g AS (SELECT ST_GeomFromWKB(%s, 4326) AS g),
                 v AS (SELECT ST_Multi(ST_CollectionExtract(ST_MakeValid(g), 3)) AS v FROM g)
            SELECT ST_AsBinary(v), ST_Area(ST_Transform(g, %s)), ST_Area(ST_Transform(v, %s)) FROM g, v
            """,
            [shapely.to_wkb(geom), UTM48N, UTM48N],
        )
        wkb, before, after = cur.fetchone()
    fixed = shapely.from_wkb(bytes(wkb)) if wkb is not None else None
    return multipolygon(fixed), float(before or 0), float(after or 0)


def check_geometries(units: list[Unit], repair: bool, report: ImportReport) -> None:
    for u in units:
        if u.geom is None or u.geom.is_empty:
            u.ok = False
            report.refusals.append(Refusal(u.label, "không có hình học", "no geometry"))
            continue
        if multipolygon(u.geom) is None or not isinstance(u.geom, shapely.Polygon | shapely.MultiPolygon):
            u.ok = False
            report.refusals.append(
                Refusal(u.label, f"không phải vùng ({u.geom.geom_type})", f"not a polygon ({u.geom.geom_type})")
            )
            continue
        if shapely.is_valid(u.geom):
            u.geom = multipolygon(u.geom)
            continue
        reason = shapely.is_valid_reason(u.geom)
        if not repair:
            u.ok = False
            report.refusals.append(
                Refusal(
                    u.label,
                    f"hình học không hợp lệ ({reason}); dùng --repair để sửa",
                    f"invalid geometry ({reason}); use --repair to repair it",
                )
            )
            continue
        fixed, before, after = make_valid(u.geom)
        if fixed is None or fixed.is_empty:
            u.ok = False
            report.refusals.append(
                Refusal(u.label, "sửa hình học không còn vùng nào", "the repaired geometry has no polygon left")
            )
            continue
        u.geom = fixed
        report.repairs.append(Repair(f"{u.label} ({reason})", before, after))


def check_duplicates(units: list[Unit], by_code: bool, report: ImportReport) -> None:
    seen: dict[str, Unit] = {}
    for u in units:
        key = u.code if by_code and u.code else fold(u.name)
        if key in seen:
            u.ok = False
            report.refusals.append(
                Refusal(
                    u.label,
                    f"trùng {'mã' if by_code and u.code else 'tên'} với dòng #{seen[key].row}",
                    f"same {'code' if by_code and u.code else 'name'} as row #{seen[key].row}",
                )
            )
        else:
            seen[key] = u


def check_overlaps(units: list[Unit], report: ImportReport) -> None:
    good = [u for u in units if u.ok and u.geom is not None]
    metric = [reproject(u.geom, WGS84, UTM48N) for u in good]
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, b = metric[i], metric[j]
        smaller = min(a.area, b.area)
        if smaller <= 0:
            continue
        share = shapely.intersection(a, b).area / smaller
        if share > OVERLAP_SHARE:
            report.overlaps.append(Overlap(good[i].label, good[j].label, share))
    report.overlaps.sort(key=lambda o: -o.share)


def check_parents(units: list[Unit], level: str, report: ImportReport) -> dict[str, AdminUnit]:
    codes = {u.parent_code for u in units if u.parent_code}
    found = {
        p.code: p for p in AdminUnit.objects.filter(level=PARENT_LEVEL[level], code__in=codes).order_by("valid_from")
    }
    for u in units:
        if u.parent_code and u.parent_code not in found:
            u.ok = False
            report.refusals.append(
                Refusal(
                    u.label,
                    f"không có đơn vị cấp trên mã {u.parent_code} ({PARENT_LEVEL[level]})",
                    f"no parent unit with code {u.parent_code} ({PARENT_LEVEL[level]})",
                )
            )
    return found
