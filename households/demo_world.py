"""The demo ward's physical world, as BasemapFeature rows: streets with widths, alleys, blocks, buildings, a canal,
parks and street trees. All from the seed and from what earlier steps stored (the ward, its streets, its alley house
numbers, its facilities), so it lines up with them: house points fall inside the tube houses that front the streets.

Buildings carry `first_year` (most before the first demo epoch, 2019) and ~40 stand up later (first_year in
2020–2024), a few are demolished (`last_year`); the aerial epochs (imagery/demo.py) are rendered from these rows.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.ops import unary_union

from gisportal.demo import DemoContext, copy_rows
from households.models import HouseNumber, Street
from layers.demo import metric, to_deg
from layers.models import POI, BasemapFeature

EPOCHS = (2019, 2022, 2025)  # the demo's aerial epochs (imagery/demo.py)
MAJOR_STREETS = {"Cách Mạng Tháng Tám", "Nguyễn Đình Chiểu", "Điện Biên Phủ", "Võ Văn Tần", "Lê Văn Sỹ", "Cao Thắng"}
MAJOR_WIDTH_M, STREET_WIDTH_M, ALLEY_WIDTH_M = 14.0, 10.0, 3.0
PAVEMENT_M = 1.5
TUBE_WIDTH_M, TUBE_DEPTH_M = (4.0, 6.0), (10.0, 25.0)
NEW_BUILDINGS = 40
DEMOLISHED = 8
ROOFS = [  # HCMC roofs from the air: terracotta tiles, grey concrete, blue and rusty corrugated sheets
    (170, 85, 60), (185, 100, 70), (150, 75, 55), (160, 160, 155), (135, 135, 130), (190, 188, 180),
    (80, 110, 150), (70, 95, 130), (140, 95, 70), (205, 200, 190),
]  # fmt: skip
BIG = {"school": (45, 30, "school"), "market": (55, 40, "market"), "office": (30, 22, "office")}
COLUMNS = ["kind", "name", "subkind", "width_m", "attrs", "first_year", "last_year", "source", "source_id"]
COLUMNS += ["ward_id", "geom"]


def _unit(dx: float, dy: float) -> tuple[float, float]:
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def street_width(name: str) -> tuple[str, float]:
    return ("primary", MAJOR_WIDTH_M) if name in MAJOR_STREETS else ("residential", STREET_WIDTH_M)


def alley_lines(streets: list[tuple[str, MultiLineString]], houses: list[tuple[int, int, float, float]]):
    """Alley centre lines from the alley house numbers: (street index, main number) → street to farthest house."""
    groups: dict[tuple[int, int], list[tuple[float, float]]] = defaultdict(list)
    for street, main, x, y in houses:
        groups[(street, main)].append((x, y))
    out = []
    for (street, main), pts in sorted(groups.items()):
        if len(pts) < 2:
            continue
        line = streets[street][1]
        cx, cy = np.mean(pts, axis=0)
        start = line.interpolate(line.project(Point(cx, cy)))
        dx, dy = _unit(cx - start.x, cy - start.y)
        reach = max((px - start.x) * dx + (py - start.y) * dy for px, py in pts) + 3
        if reach < 15:
            continue
        out.append(
            (
                f"Hẻm {main} {streets[street][0]}",
                LineString([(start.x, start.y), (start.x + dx * reach, start.y + dy * reach)]),
            )
        )
    return out


def _rect(cx: float, cy: float, ux: float, uy: float, along: float, deep: float) -> Polygon:
    """A rectangle centred on (cx, cy), `along` wide in direction u and `deep` across it."""
    vx, vy = -uy, ux
    a, d = along / 2, deep / 2
    return Polygon(
        [
            (cx + sx * a * ux + sy * d * vx, cy + sx * a * uy + sy * d * vy)
            for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
    )


def frontage(rng: random.Random, line: LineString, offset: float) -> list[Polygon]:
    """Tube houses on both sides of a line, their fronts `offset` metres from its centre."""
    out = []
    for part in getattr(line, "geoms", [line]):
        d = rng.uniform(1, 4)
        while d < part.length - 3:
            w = rng.uniform(*TUBE_WIDTH_M)
            a, b = part.interpolate(max(d - 0.5, 0)), part.interpolate(min(d + 0.5, part.length))
            ux, uy = _unit(b.x - a.x, b.y - a.y)
            p = part.interpolate(d + w / 2)
            for sign in (1, -1):
                deep = rng.uniform(*TUBE_DEPTH_M)
                nx, ny = -uy * sign, ux * sign
                c = (p.x + nx * (offset + deep / 2), p.y + ny * (offset + deep / 2))
                out.append(_rect(*c, ux, uy, w - 0.3, deep))
            d += w
    return out


def infill(block: Polygon, angle: float, rng: random.Random) -> list[Polygon]:
    """Back-lot houses on a grid aligned with the streets, inside the block's interior."""
    inner = block.buffer(-2)
    if inner.is_empty:
        return []
    c = block.centroid
    flat = affinity.rotate(inner, -angle, origin=c)
    minx, miny, maxx, maxy = flat.bounds
    out = []
    y = miny
    while y < maxy:
        depth = rng.uniform(10, 16)
        x = minx
        while x < maxx:
            w = rng.uniform(4.5, 7)
            cell = box(x, y, x + w - 0.4, y + depth - 0.6)
            if rng.random() < 0.9:
                out.append(cell)
            x += w
        y += depth
    rotated = [affinity.rotate(g, angle, origin=c) for g in out]
    return [g for g in rotated if inner.contains(g)]


def _free(candidates: list[Polygon], taken: list[Polygon]) -> list[Polygon]:
    """The candidates that meet none of `taken` nor an earlier accepted candidate."""
    tree = shapely.STRtree(taken) if taken else None
    accepted: list[Polygon] = []
    grid: dict[tuple[int, int], list[Polygon]] = defaultdict(list)
    for g in candidates:
        if tree is not None and len(tree.query(g, predicate="intersects")):
            continue
        minx, miny, maxx, maxy = g.bounds
        cells = [
            (i, j)
            for i in range(int(minx // 30), int(maxx // 30) + 1)
            for j in range(int(miny // 30), int(maxy // 30) + 1)
        ]
        if any(g.intersects(o) for cell in cells for o in grid[cell]):
            continue
        accepted.append(g)
        for cell in cells:
            grid[cell].append(g)
    return accepted


def build_world(ctx: DemoContext, ward_m: Polygon, streets, alley_houses, pois) -> list[dict]:
    """Pure: the rows (metric shapely geometries) of the ward's world for a seed."""
    rng = ctx.rng("world")
    rows: list[dict] = []
    roads = []  # (line, width)
    for name, geom in streets:
        cls, width = street_width(name)
        rows.append({"kind": "street", "name": name, "subkind": cls, "width_m": width, "geom": geom})
        roads.append((geom, width))
    for name, line in alley_lines(streets, alley_houses):
        line = line.intersection(ward_m)
        if line.is_empty or line.length < 10:
            continue
        rows.append({"kind": "street", "name": name, "subkind": "alley", "width_m": ALLEY_WIDTH_M, "geom": line})
        roads.append((line, ALLEY_WIDTH_M))
    # Streets run on past the ward (flat ends at its edge); alleys are dead ends (round: nothing built at the end).
    road_area = unary_union(
        [g.buffer(w / 2 + PAVEMENT_M, cap_style="round" if w <= ALLEY_WIDTH_M else "flat") for g, w in roads]
    )
    # The canal hugs the ward's southern edge outside it (like Nhiêu Lộc–Thị Nghè), so no house number is wet.
    _, miny, _, maxy = ward_m.bounds
    ring = list(ward_m.exterior.coords)
    low = [p for p in ring if p[1] < miny + (maxy - miny) * 0.35]
    low.sort(key=lambda p: p[0])
    canal = LineString([(low[0][0] - 120, low[0][1] + 20), *low, (low[-1][0] + 120, low[-1][1] - 10)])
    water = canal.buffer(16).difference(ward_m.buffer(4))
    rows.append({"kind": "water", "name": "Kênh Bàn Cờ", "subkind": "canal", "geom": water})
    blocks = [g for g in getattr(ward_m.difference(road_area), "geoms", [ward_m.difference(road_area)]) if g.area > 400]
    for b in blocks:
        rows.append({"kind": "block", "geom": b})
    # Parks: two rectangles in the middle of medium blocks.
    parks = []
    for b in sorted((b for b in blocks if 8_000 < b.area < 60_000), key=lambda b: b.centroid.x)[1:3]:
        c = b.centroid
        park = box(c.x - 35, c.y - 28, c.x + 35, c.y + 28).intersection(b.buffer(-3))
        if park.area > 1500:
            parks.append(park)
    for i, park in enumerate(parks):
        rows.append(
            {"kind": "park", "name": ["Công viên Bàn Cờ", "Vườn hoa Kỳ Đồng"][i], "subkind": "park", "geom": park}
        )
    # Big buildings at the facilities, then tube houses along streets and alleys, then back lots.
    first = streets[0][1].geoms[0]
    (x0, y0), (x1, y1) = first.coords[0], first.coords[-1]
    angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
    big = []
    for kind, name, x, y in pois:
        w, d, cls = BIG[kind]
        g = affinity.rotate(box(x - w / 2, y - d / 2, x + w / 2, y + d / 2), angle, origin=(x, y))
        big.append((g, cls, name))
    big_ok = [(g, cls, name) for g, cls, name in big if ward_m.contains(g) and not g.intersects(road_area)]
    big_ok = [big_ok[i] for i in range(len(big_ok)) if not any(big_ok[i][0].intersects(big_ok[j][0]) for j in range(i))]
    obstacles = [road_area, water, *parks, *(g for g, _, _ in big_ok)]
    front = []
    for geom, width in roads:
        front += frontage(rng, geom, width / 2 + PAVEMENT_M + 0.3)  # clear of the road area, not touching it
    front = [g for g in front if ward_m.contains(g)]
    houses = _free(front, [o for o in obstacles])
    backs = []
    for b in blocks:
        backs += infill(b, angle, rng)
    # The 40 new buildings go on back lots that were empty before: take them from the infill candidates.
    backs = _free(backs, [*obstacles, *houses])
    rng.shuffle(backs)
    new, backs = backs[:NEW_BUILDINGS], backs[NEW_BUILDINGS:]
    existing = houses + backs
    gone = set(rng.sample(range(len(existing)), DEMOLISHED)) if len(existing) > DEMOLISHED else set()
    for i, g in enumerate(existing):
        rows.append(
            _building(rng, g, "house", rng.randint(1975, 2016), rng.choice((2020, 2023)) if i in gone else None)
        )
    for i, g in enumerate(new):
        year = rng.choice((2020, 2021)) if i % 2 else rng.choice((2023, 2024))
        rows.append(_building(rng, g, "house", year, None, new=True))
    for g, cls, name in big_ok:
        rows.append(_building(rng, g, cls, rng.randint(1970, 2005), None, name=name, floors=rng.randint(2, 5)))
    # Street trees every ~9 m on both pavements of the main streets, and a few dozen in each park.
    trees = []
    for name, geom in streets:
        cls, width = street_width(name)
        if cls != "primary":
            continue
        for part in geom.geoms:
            for side in (1, -1):
                off = part.offset_curve(side * (width / 2 + 0.8))
                if off.is_empty:
                    continue
                for d in np.arange(rng.uniform(2, 8), off.length, 9.0):
                    trees.append(off.interpolate(d))
    for park in parks:
        pminx, pminy, pmaxx, pmaxy = park.bounds
        for _ in range(30):
            p = Point(rng.uniform(pminx, pmaxx), rng.uniform(pminy, pmaxy))
            if park.contains(p):
                trees.append(p)
    for p in trees:
        if ward_m.contains(p):
            rows.append(
                {"kind": "tree", "subkind": "tree", "attrs": {"crown_m": round(rng.uniform(2.5, 5), 1)}, "geom": p}
            )
    return rows


def _building(rng, geom, cls, first, last, *, new=False, name="", floors=None) -> dict:
    attrs = {"roof": list(rng.choice(ROOFS)), "floors": floors or rng.choice((1, 2, 2, 3, 3, 4, 5))}
    if new:
        attrs["new"] = True
    return {"kind": "building", "name": name, "subkind": cls, "attrs": attrs, "first_year": first, "last_year": last,
            "geom": geom}  # fmt: skip


def seed_world(ctx: DemoContext) -> None:
    ward = ctx.data["ward"]
    if BasemapFeature.objects.filter(ward=ward, source=BasemapFeature.Source.DEMO).exists():
        ctx.log("  basemap world: already loaded")
        return
    ward_m = metric(ward.boundary)
    ward_m = max(getattr(ward_m, "geoms", [ward_m]), key=lambda g: g.area)  # stored as a one-part multipolygon
    street_rows = list(Street.objects.filter(ward=ward).order_by("name"))
    streets = [(s.name, metric(s.geom)) for s in street_rows]
    if not streets:
        ctx.log("  basemap world: the ward has no streets (run households.demo.seed_streets first)")
        return
    index = {s.id: i for i, s in enumerate(street_rows)}
    alley_houses = []
    # First-level alley houses (123/4) outline their alley; sub-alleys (123/4/1) would bend it.
    for street_id, number, geom in HouseNumber.objects.filter(ward=ward, alleys__len=1).values_list(
        "street_id", "main", "geom"
    ):
        p = metric(geom)
        alley_houses.append((index[street_id], number, p.x, p.y))
    pois = [
        (k, n, *metric(g).coords[0])
        for k, n, g in POI.objects.filter(ward=ward, kind__in=BIG).order_by("id").values_list("kind", "name", "geom")
    ]
    rows = build_world(ctx, ward_m, streets, alley_houses, pois)
    n = copy_rows(
        BasemapFeature._meta.db_table,
        COLUMNS,
        (
            (
                r["kind"], r.get("name", ""), r.get("subkind", ""), r.get("width_m"),
                json.dumps(r.get("attrs", {}), ensure_ascii=False), r.get("first_year"), r.get("last_year"),
                BasemapFeature.Source.DEMO, "", ward.id, f"SRID=4326;{to_deg(r['geom']).wkt}",
            )
            for r in rows
        ),
    )  # fmt: skip
    counts: defaultdict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kind"]] += 1
    ctx.log(f"  basemap world: {n} features ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})")
