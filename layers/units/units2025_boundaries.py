"""Approximate 2025 boundaries of the old city's units, dissolved from ward polygons of before the reform.

The polygon file carries one ward per feature with its GSO code (``Com_ID`` in the 2019 CityScope file,
or ``code``). Three cases:

- a predecessor that went whole to one unit: its polygon joins that unit as it is (exact, up to the
  file's own accuracy);
- a predecessor split between two or three units (the resolution does not publish the line): each part
  of it goes to the unit whose whole predecessors are nearest (50 m cells), and the unit is marked
  approximate; a unit with no whole predecessor takes the split polygon entire;
- a ward of the file that is in no table (merged into a neighbour between the file's date and 2025):
  it joins the unit it shares most border with; when it touches more than one unit, that unit is
  marked approximate and the choice is reported.

A file whose code field is missing, a code given twice, or a ward of the file that touches no known
polygon is a problem reported by feature number; nothing is written then.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from layers.units.units2025_table import Table, bare

CODE_FIELDS = ("com_id", "code", "ma_xa", "ward_code", "level3_id")
NAME_FIELDS = ("com_name", "name", "ten")
DISTRICT_FIELDS = ("dist_id", "district_code", "ma_huyen")
METRIC = 32648  # UTM 48N
CELL_M = 50.0
SIMPLIFY_M = 2.0
TOUCH_M = 1.0  # polygons of one file share borders; a metre of slack for digitising


@dataclass
class Shapes:
    boundaries: dict[str, MultiPolygon] = field(default_factory=dict)  # unit code → WGS 84
    approximate: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)


def _field(frame: gpd.GeoDataFrame, names: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in frame.columns}
    return next((lower[n] for n in names if n in lower), None)


def _code(value) -> str:
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def dissolve(path: Path | str, table: Table) -> tuple[Shapes, list[dict]]:
    """Unit code → dissolved boundary, and the problems of the file (each with its feature number)."""
    shapes = Shapes()
    frame = gpd.read_file(path)
    code_field = _field(frame, CODE_FIELDS)
    if code_field is None or frame.crs is None:
        what = "cột mã phường" if code_field is None else "hệ tọa độ"
        return shapes, [_feature(1, f"tệp ranh giới không có {what}", "the boundary file has no code field or CRS")]
    name_field = _field(frame, NAME_FIELDS)
    frame = frame.to_crs(METRIC)
    problems: list[dict] = []
    polygons: dict[str, shapely.Geometry] = {}
    names: dict[str, str] = {}
    first: dict[str, int] = {}
    for number, feature in enumerate(frame.itertuples(), start=1):
        code = _code(getattr(feature, code_field))
        if code in first:
            problems.append(
                _feature(
                    number, f"mã {code} trùng với đối tượng {first[code]}", f"code {code} repeats feature {first[code]}"
                )
            )
            continue
        first[code] = number
        polygons[code] = shapely.make_valid(feature.geometry)
        names[code] = str(getattr(feature, name_field)) if name_field else code
    known = {c: table.successors[c] for c in polygons if c in table.successors}
    if not known:
        problems.append(_feature(1, "không mã nào của tệp khớp với bảng", "no code of the file matches the table"))
        return shapes, problems

    parts: dict[str, list] = defaultdict(list)
    anchors: dict[str, list] = defaultdict(list)
    for code, units in known.items():
        if len(units) == 1:
            parts[units[0]].append(polygons[code])
            anchors[units[0]].append(polygons[code])
    anchor = {u: shapely.union_all(g) for u, g in anchors.items()}
    official = {r.code: r.area_km2 * 1e6 for r in table.current if r.area_km2}
    share = {u: max(0.0, official.get(u, 0.0) - anchor[u].area) for u in anchor}
    for code, units in known.items():
        if len(units) > 1:
            for unit, piece in _split(polygons[code], units, anchor, share).items():
                parts[unit].append(piece)
                if unit in share:
                    share[unit] = max(0.0, share[unit] - piece.area)
                shapes.approximate.add(unit)
    district_field = _field(frame, DISTRICT_FIELDS)
    district: dict[str, str] = {}
    if district_field:
        for feature in frame.itertuples():
            district.setdefault(_code(getattr(feature, code_field)), _code(getattr(feature, district_field)))
    area = {u: sum(g.area for g in geoms) for u, geoms in parts.items()}
    orphans = sorted((c for c in polygons if c not in known), key=lambda c: -polygons[c].area)
    owners = dict(known)
    # A ward of the file that kept its name but not its code (GSO kept the code of another ward it absorbed,
    # 'Ward 15' 26869 → 'Phường 15' 26872 of Gò Vấp) goes where that name went.
    by_name: dict[tuple[str | None, str], str] = {
        (r.parent, bare(r.name)): c for c, r in table.former_wards.items() if c in table.successors
    }
    for code in list(orphans):
        namesake = by_name.get((district.get(code), bare(names[code].replace("Ward ", ""))))
        if namesake and len(table.successors[namesake]) == 1:
            unit = table.successors[namesake][0]
            parts[unit].append(polygons[code])
            area[unit] = area.get(unit, 0) + polygons[code].area
            owners[code] = [unit]
            orphans.remove(code)
            shapes.notes.append(f"ward {code} ({names[code]}) of the file, in no table: joined to {unit} by its name")
    while orphans:  # an orphan may touch only other orphans: place those next to known wards first
        placed = []
        for code in orphans:
            border = _neighbours(polygons[code], code, owners, polygons, district)
            if not border:
                continue
            # Which neighbour took it is not in our sources: the unit furthest below its official area
            # (Resolution 1685 gives every unit's km²), else the longest shared border.
            unit = max(border, key=lambda u: (official.get(u, 0) - area.get(u, 0), border[u]))
            parts[unit].append(polygons[code])
            area[unit] = area.get(unit, 0) + polygons[code].area
            owners[code] = [unit]
            placed.append(code)
            if len(border) > 1:
                shapes.approximate.add(unit)
            others = ", ".join(u for u in border if u != unit) or "-"
            shapes.notes.append(
                f"ward {code} ({names[code]}) of the file, in no table: joined to {unit} (neighbours: {others})"
            )
        orphans = [c for c in orphans if c not in placed]
        if not placed:
            break
    for code in orphans:
        problems.append(
            _feature(
                first[code],
                f"mã {code} ({names[code]}) không khớp đơn vị nào và không giáp phường nào đã biết",
                f"code {code} ({names[code]}) matches no unit and touches no known ward",
            )
        )
    for unit, geoms in parts.items():
        # 2 m of simplification: the 2019 polygons carry a vertex every metre or two, and the map loads
        # every ward of the city (2.9 MB unsimplified); the ward polygons themselves are not that exact.
        dissolved = shapely.union_all(geoms).simplify(SIMPLIFY_M, preserve_topology=True)
        merged = gpd.GeoSeries([dissolved], crs=METRIC).to_crs(4326).iloc[0]
        shapes.boundaries[unit] = _valid_multipolygon(merged)
    return shapes, problems


def _valid_multipolygon(geom) -> MultiPolygon:
    """A valid MultiPolygon: simplifying and reprojecting may leave a ring touching itself, which PostGIS's
    ST_Covers then refuses (a TopologyException, a 500 in the sync) — so repair, and keep the areas."""
    geom = shapely.make_valid(geom)
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and g.area > 0]
    polys += [p for g in shapely.get_parts(geom) if g.geom_type == "MultiPolygon" for p in g.geoms]
    merged = shapely.union_all(polys)
    return merged if merged.geom_type == "MultiPolygon" else MultiPolygon([merged])


def _feature(number: int, vi: str, en: str) -> dict:
    return {"feature": number, "message": f"Đối tượng {number}: {vi}.", "message_en": f"Feature {number}: {en}."}


def _neighbours(polygon, code: str, known: dict, polygons: dict, district: dict) -> dict[str, float]:
    """Units (through their predecessors) sharing a border with a ward, in the same old district when known."""
    border: dict[str, float] = defaultdict(float)
    grown = polygon.buffer(TOUCH_M)
    for other, units in known.items():
        if district and district.get(other) != district.get(code):
            continue  # mergers before 2025 stayed inside a district
        if grown.intersects(polygons[other]):
            shared = grown.intersection(polygons[other].boundary).length
            for unit in units:
                border[unit] += shared
    return border


def _split(polygon, units: list[str], anchor: dict, share: dict[str, float]) -> dict[str, Any]:
    """A split ward's parts: each 50 m cell to the unit whose whole predecessors are nearest.

    A unit with no whole predecessor (Tân Sơn: only part of Phường 15, Tân Bình) has nothing to measure from:
    the units that have one then take, nearest first, only what their official area still lacks (``share``,
    m²), and the rest of the ward goes to the others.
    """
    anchored = [u for u in units if u in anchor]
    loose = [u for u in units if u not in anchor]
    if not anchored:
        return dict.fromkeys(units, polygon)
    minx, miny, maxx, maxy = polygon.bounds
    xs = np.arange(minx, maxx + CELL_M, CELL_M)
    ys = np.arange(miny, maxy + CELL_M, CELL_M)
    cells = shapely.intersection(np.array([shapely.box(x, y, x + CELL_M, y + CELL_M) for y in ys for x in xs]), polygon)
    cells = cells[~shapely.is_empty(cells)]
    distances = np.vstack([shapely.distance(shapely.centroid(cells), anchor[u]) for u in anchored])
    owner = distances.argmin(axis=0)
    if loose:
        owner = np.full(len(cells), -1)
        taken = np.zeros(len(anchored))
        areas = shapely.area(cells)
        for k in np.argsort(distances.min(axis=0)):  # nearest cells first
            i = int(distances[:, k].argmin())
            if taken[i] < share.get(anchored[i], 0.0):
                owner[k], taken[i] = i, taken[i] + areas[k]
    result = {}
    for i, unit in enumerate([*anchored, None]):
        mine = cells[owner == (i if unit else -1)]
        if len(mine):
            piece = shapely.union_all(mine)
            for u in [unit] if unit else loose:
                result[u] = piece
    return result
