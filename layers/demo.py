"""Demo admin units and POIs: a ward shaped like a central HCMC ward after the 2025 merger.

The boundary is synthetic (an irregular polygon around Bàn Cờ, District 3 of old), not the
official one: it is demo data, generated from the seed.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box
from shapely.ops import split, unary_union

from gisportal.demo import DemoContext, copy_rows
from layers.crs import UTM48N, WGS84, reproject, to_shapely, transformer
from layers.models import POI, AdminUnit

WARD_CODE = "27154"  # Phường Bàn Cờ's code (Resolution 1685; layers/reference/hcmc_units_2025.csv)
WARD_NAME = "Phường Bàn Cờ"
MERGER_DAY = dt.date(2025, 7, 1)
LAST_OLD_DAY = MERGER_DAY - dt.timedelta(days=1)
FORMER_FROM = dt.date(1976, 5, 20)  # as layers/units/units2025.py: our sources do not date the old units
CENTER = (106.6835, 10.7745)  # lon, lat

# Its predecessors in Quận 3, with their GSO codes (Phường 4 was split with Phường Xuân Hòa).
OLD_WARDS = [
    ("27160", "Phường 1"),
    ("27157", "Phường 2"),
    ("27154", "Phường 3"),
    ("27148", "Phường 4"),
    ("27151", "Phường 5"),
]
KHU_PHO_HEADS = [
    "Nguyễn Văn Hùng",
    "Trần Thị Lan",
    "Lê Minh Tâm",
    "Phạm Thị Hoa",
    "Võ Văn Sáu",
    "Huỳnh Thị Mai",
    "Đặng Quốc Bảo",
    "Bùi Thị Ngọc",
    "Đỗ Thanh Phong",
    "Hồ Thị Thu",
]


def to_deg(geom):
    return reproject(geom, UTM48N, WGS84)


def to_m(geom):
    return reproject(geom, WGS84, UTM48N)


def metric(geos_geom):
    """A stored (EPSG:4326, GEOS) geometry as shapely in UTM 48N metres."""
    return to_m(to_shapely(geos_geom))


def ward_polygon_m(rng: random.Random) -> Polygon:
    """An irregular ~1.5 km² polygon in UTM 48N metres."""
    cx, cy = transformer(WGS84, UTM48N).transform(*CENTER)
    points = []
    n = 16
    for i in range(n):
        angle = 2 * math.pi * i / n
        radius = rng.uniform(600, 820)
        points.append((cx + radius * math.cos(angle) * 1.15, cy + radius * math.sin(angle)))
    return affinity.rotate(Polygon(points), rng.uniform(-20, 20), origin=(cx, cy)).buffer(0)


def khu_pho_polygons_m(ward: Polygon, rng: random.Random) -> list[Polygon]:
    """Split the ward by a jittered 3×3 grid into khu phố, largest part of each cell."""
    minx, miny, maxx, maxy = ward.bounds
    xs = (
        [minx]
        + sorted(rng.uniform(minx + (maxx - minx) * f - 60, minx + (maxx - minx) * f + 60) for f in (1 / 3, 2 / 3))
        + [maxx]
    )
    ys = (
        [miny]
        + sorted(rng.uniform(miny + (maxy - miny) * f - 60, miny + (maxy - miny) * f + 60) for f in (1 / 3, 2 / 3))
        + [maxy]
    )
    parts = []
    for j in range(3):
        for i in range(3):
            cell = ward.intersection(box(xs[i], ys[j], xs[i + 1], ys[j + 1]))
            if cell.is_empty or cell.area < 20_000:
                continue
            parts.append(max(getattr(cell, "geoms", [cell]), key=lambda g: g.area))
    return parts


def old_ward_polygons_m(ward: Polygon) -> list[Polygon]:
    """The pre-merger wards: the ward cut into as many strips, west to east, as OLD_WARDS has names."""
    minx, miny, maxx, maxy = ward.bounds
    parts = [ward]
    for i in range(1, len(OLD_WARDS)):
        x = minx + (maxx - minx) * i / len(OLD_WARDS)
        last = parts.pop()
        pieces = sorted(split(last, LineString([(x, miny - 10), (x, maxy + 10)])).geoms, key=lambda g: g.centroid.x)
        west = [g for g in pieces if g.centroid.x < x]
        east = [g for g in pieces if g.centroid.x >= x]
        parts += [unary_union(west), unary_union(east)]
    return parts


def random_point_in(poly: Polygon, rng: random.Random) -> Point:
    minx, miny, maxx, maxy = poly.bounds
    while True:
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if poly.contains(p):
            return p


def multi(geom) -> MultiPolygon:
    return geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])


def build_admin_units(ctx: DemoContext) -> dict:
    """Pure: the demo's admin geometries (metres) for a seed, so tests can compare runs."""
    rng = ctx.rng("admin_units")
    ward = ward_polygon_m(rng)
    return {"ward": ward, "khu_pho": khu_pho_polygons_m(ward, rng), "old_wards": old_ward_polygons_m(ward)}


def seed_city_units(ctx: DemoContext) -> None:
    """The real city around the demo ward: the committed table of the 168 units of 2025 and their predecessors
    (layers/reference/hcmc_units_2025.csv), so Bàn Cờ's neighbours exist with their names, and with approximate
    boundaries when a ward has the 2019 polygons (`seed_demo --units-boundaries SHP`). Idempotent, and in either
    order with seed_admin_units: the table upserts by code and validity, the demo fills in what the table lacks."""
    from layers.units.units2025 import load  # geopandas only with boundaries, inside load

    report = load(boundaries=ctx.data.get("units_boundaries"))
    made = sum(v for k, v in report.counts.items() if k.endswith((" created", " updated")))
    ctx.log(f"  city units (2025 table): {report.counts['current units']} units, {made} rows written")


def _fill_boundary(unit: AdminUnit, geom_m) -> None:
    """A unit the table loaded has no boundary (or an approximate one): the demo's synthetic one goes in."""
    if unit.boundary is None or unit.boundary.empty:
        unit.boundary = multi(to_deg(geom_m)).wkt
        unit.save(update_fields=["boundary"])


def _unit(level: str, kind: str, code: str, valid_from, valid_to, geom_m, **fields) -> AdminUnit:
    """The unit of that level and code ending on `valid_to` (None: in force), as the table loaded it or made here
    with the demo's boundary `geom_m` (metric); a loaded unit without a boundary gets that one."""
    unit = AdminUnit.objects.filter(level=level, code=code, valid_to=valid_to).first()
    if unit is None:
        unit = AdminUnit.objects.create(
            level=level,
            kind=kind,
            code=code,
            valid_from=valid_from,
            valid_to=valid_to,
            boundary=multi(to_deg(geom_m)).wkt,
            **fields,
        )
    _fill_boundary(unit, geom_m)
    return unit


def seed_admin_units(ctx: DemoContext) -> None:
    # Today's ward, by validity: its code 27154 is also that of Phường 3 of Quận 3 (valid until 2025-06-30).
    ward = AdminUnit.objects.filter(level=AdminUnit.Level.WARD, code=WARD_CODE, valid_to__isnull=True).first()
    if ward is not None and ward.children.filter(level=AdminUnit.Level.KHU_PHO).exists():
        ctx.data["ward"] = ward
        ctx.log(f"  admin units: already loaded ({ward.name})")
        return
    geo = build_admin_units(ctx)
    ward_m = geo["ward"]
    city = _unit(
        AdminUnit.Level.CITY,
        AdminUnit.Kind.THANH_PHO,
        "79",
        MERGER_DAY,
        None,
        ward_m.buffer(25_000, quad_segs=4),
        name="Thành phố Hồ Chí Minh",
    )
    demo = {"population": 62_000, "head_name": "Nguyễn Thị Thanh Hương", "head_phone": "0283 930 0101"}
    if ward is None:
        ward = AdminUnit.objects.create(
            level=AdminUnit.Level.WARD,
            kind=AdminUnit.Kind.PHUONG,
            code=WARD_CODE,
            name=WARD_NAME,
            parent=city,
            valid_from=MERGER_DAY,
            boundary=multi(to_deg(ward_m)).wkt,
            **demo,
        )
    else:
        # The table's unit (loaded first): the demo's boundary, which its khu phố, streets and houses fill,
        # replaces an empty or approximate one, as load_units_2025 keeps a ward's own after the demo.
        for key, value in demo.items():
            setattr(ward, key, value)
        ward.boundary = multi(to_deg(ward_m)).wkt
        ward.approximate = False
        ward.save()
    district = _unit(
        AdminUnit.Level.DISTRICT,
        AdminUnit.Kind.QUAN,
        "770",
        FORMER_FROM,
        LAST_OLD_DAY,
        ward_m.buffer(900, quad_segs=4),
        name="Quận 3",
    )
    for (code, name), poly in zip(OLD_WARDS, geo["old_wards"], strict=True):
        old = _unit(
            AdminUnit.Level.WARD,
            AdminUnit.Kind.PHUONG,
            code,
            FORMER_FROM,
            LAST_OLD_DAY,
            poly,
            name=name,
            parent=district,
            successor=ward,
        )
        old.successors.add(ward)  # the table's links stay (Phường 4 also went to Xuân Hòa)
    rng = ctx.rng("khu_pho_heads")
    for i, poly in enumerate(geo["khu_pho"], start=1):
        AdminUnit.objects.create(
            level=AdminUnit.Level.KHU_PHO,
            kind=AdminUnit.Kind.KHU_PHO,
            code=f"{WARD_CODE}-KP{i:02d}",
            name=f"Khu phố {i}",
            parent=ward,
            valid_from=MERGER_DAY,
            population=rng.randint(4000, 9000),
            head_name=KHU_PHO_HEADS[(i - 1) % len(KHU_PHO_HEADS)],
            head_phone=f"09{rng.randint(10_000_000, 99_999_999)}",
            boundary=multi(to_deg(poly)).wkt,
        )
    ctx.data["ward"] = ward
    ctx.log(f"  admin units: {WARD_NAME}, {len(geo['khu_pho'])} khu phố, {len(OLD_WARDS)} pre-merger wards")


POI_TEMPLATES = [
    ("office", "Ủy ban nhân dân {ward}", 1),
    ("office", "Trung tâm Phục vụ hành chính công {ward}", 1),
    ("police", "Công an {ward}", 1),
    ("school", "Trường Tiểu học {name}", 3),
    ("school", "Trường THCS {name}", 2),
    ("school", "Trường Mầm non {name}", 3),
    ("health", "Trạm Y tế {ward}", 1),
    ("health", "Phòng khám Đa khoa {name}", 3),
    ("health", "Nhà thuốc {name}", 4),
    ("market", "Chợ {name}", 2),
]
POI_NAMES = [
    "Lê Quý Đôn",
    "Nguyễn Thiện Thuật",
    "Kỳ Đồng",
    "Phan Đình Phùng",
    "Lương Định Của",
    "Bàn Cờ",
    "Hoa Sen",
    "Sương Nguyệt Ánh",
    "Tân Định",
    "Hồng Bàng",
    "Minh Khai",
    "Hòa Hưng",
    "An Phú",
    "Sài Gòn",
]


def build_pois(ctx: DemoContext, khu_pho: list[tuple[int, Polygon]]) -> list[tuple]:
    """Pure: (kind, name, address, phone, khu phố id, point in degrees) rows."""
    rng = ctx.rng("pois")
    streets = ctx.data.get("street_names") or ["Nguyễn Đình Chiểu"]
    repeat = max(1, round(ctx.scale))
    rows = []
    for copy in range(repeat):
        for kind, template, count in POI_TEMPLATES:
            for _ in range(count):
                kp_id, poly_m = khu_pho[rng.randrange(len(khu_pho))]
                name = template.format(ward=WARD_NAME, name=rng.choice(POI_NAMES))
                if copy:
                    name = f"{name} cơ sở {copy + 1}"
                number = f"{rng.randint(1, 400)}" + (f"/{rng.randint(1, 40)}" if rng.random() < 0.3 else "")
                address = f"{number} {rng.choice(streets)}, {WARD_NAME}, Thành phố Hồ Chí Minh"
                phone = f"028 3{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
                rows.append((kind, name, address, phone, kp_id, to_deg(random_point_in(poly_m, rng))))
    return rows


def seed_pois(ctx: DemoContext) -> None:
    ward = ctx.data["ward"]
    if POI.objects.filter(ward=ward).exists():
        ctx.log("  POIs: already loaded")
        return
    khu_pho = [
        (kp.id, metric(kp.boundary))
        for kp in AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code")
    ]
    rows = build_pois(ctx, khu_pho)
    n = copy_rows(
        POI._meta.db_table,
        ["kind", "name", "address", "phone", "ward_id", "khu_pho_id", "geom", "version"],
        ((k, name, addr, phone, ward.id, kp, f"SRID=4326;{pt.wkt}", 1) for k, name, addr, phone, kp, pt in rows),
    )
    ctx.log(f"  POIs: {n}")


BENCH_CELL_M = 1200  # a bench ward is a 1.2 km square, about a central ward's size


def bench_cell(i: int) -> tuple[int, int]:
    """Column and row of the i-th bench ward. Cells fill squares shell by shell (the first n² make an n×n
    square for every n), so a cell's place depends on i alone: raising the scale of a filled database
    adds wards beside the old ones, never on top of them."""
    shell = math.isqrt(i)
    k = i - shell * shell
    return (shell, k) if k <= shell else (k - shell - 1, shell)


def seed_bench_wards(ctx: DemoContext) -> None:
    """For --scale > 1: extra square wards on a grid east of the demo ward, each one more ward's worth of data.

    Scale 200 gives ~290 km² of wards, an HCMC-core-sized area, so a 1M-business benchmark
    has a realistic density instead of a million points in one ward.
    """
    ward = ctx.data["ward"]
    extra = max(0, round(ctx.scale) - 1)
    ctx.data["bench_wards"] = []
    if not extra:
        return
    existing = list(AdminUnit.objects.filter(code__startswith="BENCH-").order_by("code"))
    if len(existing) >= extra:
        ctx.data["bench_wards"] = existing[:extra]
        ctx.log(f"  bench wards: already loaded ({len(existing)})")
        return
    cx, cy = transformer(WGS84, UTM48N).transform(*CENTER)
    x0, y0 = cx + 3000, cy - BENCH_CELL_M / 2
    made = []
    for i in range(len(existing), extra):
        col, row = bench_cell(i)
        cell = box(
            x0 + col * BENCH_CELL_M,
            y0 + row * BENCH_CELL_M,
            x0 + (col + 1) * BENCH_CELL_M,
            y0 + (row + 1) * BENCH_CELL_M,
        )
        made.append(
            AdminUnit(
                level=AdminUnit.Level.WARD,
                kind=AdminUnit.Kind.PHUONG,
                code=f"BENCH-{i + 1:04d}",
                name=f"Phường Mẫu {i + 1:03d}",
                name_folded=f"phuong mau {i + 1:03d}",
                parent=ward.parent,
                valid_from=MERGER_DAY,
                boundary=multi(to_deg(cell)).wkt,
            )
        )
    AdminUnit.objects.bulk_create(made)
    ctx.data["bench_wards"] = list(AdminUnit.objects.filter(code__startswith="BENCH-").order_by("code"))[:extra]
    ctx.log(f"  bench wards: {len(made)}")
