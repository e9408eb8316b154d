"""From tile pieces to flags: merge candidates cut by tile edges, then update the pair's flags in place.

A re-run of the same pair over the same area must give the same flags, not new copies: each merged
candidate is matched to an existing flag of the pair by overlap (IoU, or one covering most of the other);
a matched flag keeps its id, its decision, its note and its history; only its outline and score follow
the newest run, and an undecided one is cross-checked again (a permit may have been recorded since).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.contrib.gis.geos import Polygon as GeosPolygon
from shapely.geometry import Polygon
from shapely.strtree import STRtree

from imagery.detection.crosscheck import crosscheck
from imagery.detection.models import ChangeFlag, DetectionRun
from layers.crs import reproject

WEB_MERCATOR, WGS84 = 3857, 4326
JOIN_M = 0.05  # pieces closer than this (in Mercator metres) were one candidate cut by a tile edge
MATCH_IOU = 0.3
MATCH_COVER = 0.5


@dataclass
class Merged:
    geometry: Polygon  # EPSG:3857
    score: float


def merge_pieces(pieces: list[dict]) -> list[Merged]:
    """Union the pieces that touch across tile edges; score = area-weighted mean of their scores."""
    shapes = [shapely.from_wkt(p["wkt"]) for p in pieces]
    if not shapes:
        return []
    joined = shapely.unary_union([s.buffer(JOIN_M, join_style="mitre") for s in shapes]).buffer(
        -JOIN_M, join_style="mitre"
    )
    parts = [g for g in getattr(joined, "geoms", [joined]) if g.area > 0]
    tree = STRtree(shapes)
    out = []
    for part in parts:
        part = Polygon(part.exterior)  # holes filled, as the detector's own candidates are
        weight = total = 0.0
        for i in tree.query(part, predicate="intersects"):
            area = shapes[i].area
            weight += area
            total += area * pieces[i]["score"]
        out.append(Merged(part.simplify(0.01), total / weight if weight else 0.0))
    return out


def _area_m2(geom_3857: Polygon) -> float:
    """Mercator area scaled to the ground at the polygon's latitude (within 0.1 % across a ward)."""
    lat = reproject(geom_3857.centroid, WEB_MERCATOR, WGS84).y
    return geom_3857.area * math.cos(math.radians(lat)) ** 2


def _matches(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """How well two outlines are the same candidate (0: not at all)."""
    inter = a.intersection(b).area
    if inter <= 0:
        return 0.0
    iou = inter / a.union(b).area
    cover = inter / min(a.area, b.area)
    return iou if iou >= MATCH_IOU or cover >= MATCH_COVER else 0.0


def upsert_flags(run: DetectionRun, merged: list[Merged]) -> tuple[int, int]:
    """Create or update the pair's flags for these candidates; returns (new, updated)."""
    area = GEOSGeometry(run.area.wkt, srid=WGS84)
    existing = list(ChangeFlag.objects.filter(before=run.before_id, after=run.after_id, geom__intersects=area))
    known = [reproject(shapely.from_wkt(f.geom.wkt), WGS84, WEB_MERCATOR) for f in existing]
    tree = STRtree(known)  # a ward holds thousands of flags: compare each candidate with its neighbours only
    taken: set[int] = set()
    new = updated = 0
    for cand in merged:
        best, best_i = 0.0, None
        for i in sorted(int(i) for i in tree.query(cand.geometry, predicate="intersects")) if known else []:
            if i not in taken and (m := _matches(cand.geometry, known[i])) > best:
                best, best_i = m, i
        outline = reproject(cand.geometry, WEB_MERCATOR, WGS84)
        geos = cast(GeosPolygon, GEOSGeometry(outline.wkt, srid=WGS84))  # an outline is one polygon
        score, area_m2 = round(cand.score, 4), round(_area_m2(cand.geometry), 2)
        if best_i is None:
            verdict = crosscheck(geos, run.before, run.after)
            ChangeFlag.objects.create(
                before_id=run.before_id,
                after_id=run.after_id,
                run=run,
                last_run=run,
                ward_id=run.ward_id,
                geom=geos,
                area_m2=area_m2,
                score=score,
                status=verdict.status,
                permit=verdict.permit,
                structure=verdict.structure,
                earlier_flag=verdict.earlier_flag,
            )
            new += 1
            continue
        taken.add(best_i)
        flag = existing[best_i]
        changed = _update(flag, run, geos, outline, score, area_m2)
        if changed:
            flag.version += 1
            flag.save()
            updated += 1
        else:
            ChangeFlag.objects.filter(pk=flag.pk).update(last_run=run)  # seen again, nothing to record
    return new, updated


def _update(flag: ChangeFlag, run: DetectionRun, geos, outline, score: float, area_m2: float) -> bool:
    """Apply a re-run's outline and score (and, if undecided, a fresh cross-check); whether anything changed."""
    changed = False
    if not outline.equals_exact(shapely.from_wkt(flag.geom.wkt), 1e-9) or abs(flag.score - score) > 1e-4:
        flag.geom, flag.score, flag.area_m2 = geos, score, area_m2
        changed = True
    flag.last_run = run
    if not flag.decided:
        verdict = crosscheck(geos, run.before, run.after)
        fresh = (verdict.status, verdict.permit, verdict.structure, verdict.earlier_flag)
        if (flag.status, flag.permit, flag.structure, flag.earlier_flag) != fresh:
            flag.status, flag.permit, flag.structure, flag.earlier_flag = fresh
            changed = True
    return changed
