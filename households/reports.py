"""The standardisation report of house numbers: per import (before anything is written) and per ward.

The checks are plain functions over arrays, run by the import on the rows it is about to write and
by ``ward_report`` on the rows a ward holds, so both say the same thing about the same data:

- duplicates: a number twice on a street in a file; in a ward, two numbers at the same spot (< 0.5 m);
- unparseable: text that is not a house number (in a ward: a stored number that no longer parses to
  itself, e.g. typed in by hand);
- outside their ward: a point outside the ward it is filed under;
- far from their street: a street-front number more than 50 m from its street, an alley number more
  than 300 m (HCMC alleys run deep, but not that deep);
- out of sequence: walking a street (or an alley from its entrance), the numbers of one side should
  only grow or only shrink; the fewest numbers that break the longest run are listed.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection

from households.addresses import AddressError, parse_house_number
from households.addresses import HouseNumber as Number
from households.models import Street
from layers.crs import UTM48N, WGS84, reproject, to_shapely

FRONT_LIMIT_M = 50.0
ALLEY_LIMIT_M = 300.0
STACKED_M = 0.5
MAX_LISTED = 1000  # per kind: the counts are exact, the lists stop here to keep a report readable


@dataclass(frozen=True)
class Placed:
    """A house number where it stands: ``key`` identifies it to the caller (a file row, a database id)."""

    key: tuple[str, int]  # ("row", index in the file) or ("id", database id)
    street: int
    number: Number
    x: float  # UTM 48N metres
    y: float


def street_distances(placed: Sequence[Placed], streets_m: dict[int, shapely.Geometry]) -> np.ndarray:
    """Metres from each house to its own street's centre line (vectorised over all houses)."""
    if not placed:
        return np.zeros(0)
    lines = np.array([streets_m[p.street] for p in placed], dtype=object)
    points = shapely.points([p.x for p in placed], [p.y for p in placed])
    return shapely.distance(lines, points)


def far_from_street(placed: Sequence[Placed], streets_m: dict[int, shapely.Geometry]) -> list[tuple[Placed, float]]:
    """Houses further from their street than a street-front (50 m) or alley (300 m) house can be."""
    dist = street_distances(placed, streets_m)
    limit = np.array([ALLEY_LIMIT_M if p.number.alleys else FRONT_LIMIT_M for p in placed])
    return [(placed[int(i)], float(dist[i])) for i in np.flatnonzero(dist > limit)]


def _longest_monotone(values: list[int]) -> set[int]:
    """Positions of a longest non-decreasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []  # values
    tail_pos: list[int] = []  # position of each tail
    back = [-1] * len(values)
    for i, v in enumerate(values):
        j = bisect.bisect_right(tails, v)
        if j == len(tails):
            tails.append(v)
            tail_pos.append(i)
        else:
            tails[j] = v
            tail_pos[j] = i
        back[i] = tail_pos[j - 1] if j else -1
    keep, i = set(), tail_pos[-1] if tail_pos else -1
    while i >= 0:
        keep.add(i)
        i = back[i]
    return keep


def _breakers(order: list[Placed], numbers: list[int]) -> list[Placed]:
    """The houses outside the longest growing or shrinking run (whichever is longer)."""
    up = _longest_monotone(numbers)
    down = _longest_monotone([-n for n in numbers])
    keep = up if len(up) >= len(down) else down
    return [p for i, p in enumerate(order) if i not in keep]


_LEADING = re.compile(r"[A-Z]*(\d+)")


def _leading(alley: str) -> int:
    """The number an alley path's last part starts with ('12A' → 12); 0 when it starts with none."""
    m = _LEADING.match(alley)
    return int(m[1]) if m else 0


def out_of_sequence(placed: Sequence[Placed], streets_m: dict[int, shapely.Geometry]) -> list[Placed]:
    """Numbers that break the order of their side of a street, or of their alley walked from its entrance."""
    front: dict[tuple, list[Placed]] = defaultdict(list)
    alleys: dict[tuple, list[Placed]] = defaultdict(list)
    by_number = {(p.street, p.number.canonical()): p for p in placed}
    for p in placed:
        if not p.number.alleys:
            front[(p.street, p.number.main % 2)].append(p)
        elif m := _LEADING.match(p.number.alleys[-1]):
            alleys[(p.street, p.number.alley_path(), int(m[1]) % 2)].append(p)
    out: list[Placed] = []
    for (street, _side), group in front.items():
        if len(group) < 3:
            continue
        along = shapely.line_locate_point(streets_m[street], shapely.points([p.x for p in group], [p.y for p in group]))
        order = [group[i] for i in np.argsort(along, kind="stable")]
        out += _breakers(order, [p.number.main for p in order])
    for (street, path, _side), group in alleys.items():
        entrance = by_number.get((street, path))
        if entrance is None or len(group) < 3:
            continue
        dist = np.hypot([p.x - entrance.x for p in group], [p.y - entrance.y for p in group])
        order = [group[i] for i in np.argsort(dist, kind="stable")]
        out += _breakers(order, [_leading(p.number.alleys[-1]) for p in order])
    return out


def listed(items: list[dict]) -> dict:
    """A report section: the exact count and the first MAX_LISTED items."""
    return {"count": len(items), "items": items[:MAX_LISTED]}


def streets_metric(street_ids: Sequence[int]) -> dict[int, shapely.Geometry]:
    """Streets' centre lines in UTM 48N metres, read once."""
    return {s.id: reproject(to_shapely(s.geom), WGS84, UTM48N) for s in Street.objects.filter(id__in=list(street_ids))}


# --- per ward ----------------------------------------------------------------------------------------

# The ward's live house numbers, each with its metric point and whether its ward's boundary covers it.
_WARD_ROWS = """
SELECT h.id, h.street_id, s.name, h.number, h.main, h.main_suffix, h.prefix, h.alleys,
       ST_X(h.geom_m), ST_Y(h.geom_m), ST_Covers(w.boundary, h.geom)
  FROM households_housenumber h
  JOIN households_street s ON s.id = h.street_id
  JOIN layers_adminunit w ON w.id = h.ward_id
 WHERE h.ward_id = %s AND h.status = 'active'
"""
# Two live numbers of the ward within STACKED_M of each other: one house filed twice under two numbers.
_STACKED = """
SELECT a.id, a.number, sa.name, b.id, b.number, sb.name, ST_Distance(a.geom_m, b.geom_m)
  FROM households_housenumber a
  JOIN households_housenumber b ON b.id > a.id AND b.status = 'active' AND ST_DWithin(a.geom_m, b.geom_m, %s)
  JOIN households_street sa ON sa.id = a.street_id
  JOIN households_street sb ON sb.id = b.street_id
 WHERE a.ward_id = %s AND a.status = 'active'
 ORDER BY a.id, b.id
"""


def ward_report(ward_id: int) -> dict:
    """Every check above over the live house numbers of one ward."""
    with connection.cursor() as cur:
        cur.execute(_WARD_ROWS, [ward_id])
        rows = cur.fetchall()
        cur.execute(_STACKED, [STACKED_M, ward_id])
        stacked = cur.fetchall()
    names: dict[int, str] = {}
    placed, outside, unparseable = [], [], []
    for pk, street, street_name, number, main, suffix, prefix, alleys, x, y, covered in rows:
        names[street] = street_name
        house = Number(main, suffix, tuple(alleys), prefix)
        try:
            reparsed = parse_house_number(number).canonical()
        except AddressError:
            reparsed = None
        if reparsed != number or house.canonical() != number:
            unparseable.append({"id": pk, "number": number, "street": street_name})
        if not covered:
            outside.append({"id": pk, "number": number, "street": street_name})
        placed.append(Placed(pk, street, house, x, y))
    streets_m = streets_metric(list(names))
    far = [
        {"id": p.key, "number": p.number.canonical(), "street": names[p.street], "distance_m": round(d, 1)}
        for p, d in far_from_street(placed, streets_m)
    ]
    seq = [
        {"id": p.key, "number": p.number.canonical(), "street": names[p.street]}
        for p in out_of_sequence(placed, streets_m)
    ]
    duplicates = [
        {"ids": [a, b], "numbers": [f"{na} {sa}", f"{nb} {sb}"], "distance_m": round(d, 2)}
        for a, na, sa, b, nb, sb, d in stacked
    ]
    return {
        "ward": ward_id,
        "house_numbers": len(rows),
        "duplicates": listed(duplicates),
        "unparseable": listed(unparseable),
        "outside_ward": listed(outside),
        "far_from_street": listed(far),
        "out_of_sequence": listed(seq),
    }
