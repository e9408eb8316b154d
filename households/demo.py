"""Demo streets, house numbers and households.

Streets: a slightly skewed grid with names of central HCMC streets, clipped to the ward. House numbers:
odd on the left of a street and even on the right, a lot every 4–7 m, with alleys (hẻm 123 → 123/1,
123/2 …), sub-alleys (123/4/1 …) and letter lots (12A, 123/4A), as in a central ward. Households:
one or more per house, with made-up private data. All from the seed; bulk rows through COPY, and at
``--scale`` N every bench ward gets the same treatment (scale 31 ≈ 252,000 house numbers).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import zlib
from dataclasses import dataclass

import numpy as np
import shapely
from django.db import connection
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, Polygon

from gisportal.demo import DemoContext, copy_rows
from households import house_rows
from households.addresses import HouseNumber as Number
from households.models import Household, HouseholdMove, HouseNumber, Street
from layers.crs import UTM48N, WGS84, transformer
from layers.demo import metric, to_deg
from layers.models import AdminUnit

STREET_NAMES = [
    "Nguyễn Đình Chiểu",
    "Võ Văn Tần",
    "Cách Mạng Tháng Tám",
    "Trần Quốc Thảo",
    "Bàn Cờ",
    "Nguyễn Thiện Thuật",
    "Lý Thái Tổ",
    "Điện Biên Phủ",
    "Đường số 7",
    "Đường 26/3",
    "Cao Thắng",
    "Nguyễn Thượng Hiền",
    "Vườn Chuối",
    "Lê Văn Sỹ",
    "Rạch Bùng Binh",
    "Trần Văn Đang",
]


def build_streets(ctx: DemoContext, ward_m, step: str = "streets") -> list[tuple[str, MultiLineString]]:
    """Pure: (name, metric multilinestring) for each street crossing the ward."""
    rng = ctx.rng(step)
    minx, miny, maxx, maxy = ward_m.bounds
    c = ward_m.centroid
    lines = []
    y = miny + rng.uniform(60, 140)
    while y < maxy:
        lines.append(LineString([(minx - 50, y), (maxx + 50, y + rng.uniform(-40, 40))]))
        y += rng.uniform(150, 260)
    x = minx + rng.uniform(60, 140)
    while x < maxx:
        lines.append(LineString([(x, miny - 50), (x + rng.uniform(-40, 40), maxy + 50)]))
        x += rng.uniform(150, 260)
    angle = rng.uniform(-15, 15)
    names = STREET_NAMES[:]
    rng.shuffle(names)
    out = []
    for name, line in zip(names, lines, strict=False):
        clipped = affinity.rotate(line, angle, origin=c).intersection(ward_m)
        if clipped.is_empty or clipped.length < 100:
            continue
        parts = [g for g in getattr(clipped, "geoms", [clipped]) if isinstance(g, LineString)]
        out.append((name, MultiLineString(parts)))
    return out


def seed_streets(ctx: DemoContext) -> None:
    ward: AdminUnit = ctx.data["ward"]
    existing = list(Street.objects.filter(ward=ward).values_list("name", flat=True))
    if existing:
        ctx.data["street_names"] = existing
        ctx.log("  streets: already loaded")
        return
    ward_m = metric(ward.boundary)
    streets = build_streets(ctx, ward_m)
    for name, geom in streets:
        Street.objects.create(name=name, ward=ward, geom=to_deg(geom).wkt)
    ctx.data["street_names"] = [name for name, _ in streets]
    ctx.log(f"  streets: {len(streets)}")


# --- House numbers ----------------------------------------------------------------------------------

LOT_M = (5.0, 8.0)  # street frontage of one lot
FRONT_OFFSET_M = 9.0  # street centre line → house point (half a road, a pavement, half a house)
CLEAR_M = 10.0  # no house point this close to another street: corners belong to one street only
ALLEY_P = 0.03  # chance that a lot is beside an alley entrance
ALLEY_M = (30.0, 90.0)
ALLEY_LOT_M = (4.5, 7.0)
ALLEY_OFFSET_M = 3.0
SUB_ALLEY_P = 0.06
SUB_ALLEY_M = (12.0, 35.0)
LETTER_P = 0.04  # a lot split in two: 12 and 12A
STACKED_M = 1.5  # two house points never closer than this


@dataclass(frozen=True)
class DemoHouse:
    street: int  # index into the street list
    number: Number
    x: float  # UTM 48N metres
    y: float


def _unit(dx: float, dy: float) -> tuple[float, float]:
    n = math.hypot(dx, dy) or 1.0
    return dx / n, dy / n


def _alley(
    rng: random.Random, street: int, main: Number, start: tuple[float, float], direction: tuple[float, float], avoid
) -> list[DemoHouse]:
    """The houses of one alley (and its sub-alleys) running from ``start`` along ``direction``."""
    for length in (rng.uniform(*ALLEY_M), ALLEY_M[0]):
        end = (start[0] + direction[0] * length, start[1] + direction[1] * length)
        if LineString([start, end]).distance(avoid) > CLEAR_M:
            break
    else:
        return []
    left = (-direction[1], direction[0])
    houses, counters, d = [], [1, 2], rng.uniform(3, 6)
    while d < length:
        px, py = start[0] + direction[0] * d, start[1] + direction[1] * d
        for side, sign in ((0, 1), (1, -1)):
            k = counters[side]
            counters[side] += 2
            number = Number(main.main, main.main_suffix, (*main.alleys, str(k)), main.prefix)
            hx, hy = px + sign * left[0] * ALLEY_OFFSET_M, py + sign * left[1] * ALLEY_OFFSET_M
            houses.append(DemoHouse(street, number, hx, hy))
            if rng.random() < LETTER_P:
                lettered = Number(main.main, main.main_suffix, (*main.alleys, f"{k}A"), main.prefix)
                houses.append(DemoHouse(street, lettered, hx + direction[0] * 2, hy + direction[1] * 2))
            if not main.alleys and rng.random() < SUB_ALLEY_P:
                sub_dir = (sign * left[0], sign * left[1])
                sub_start = (hx + sub_dir[0] * 2, hy + sub_dir[1] * 2)
                houses += _alley(rng, street, number, sub_start, sub_dir, avoid)
        d += rng.uniform(*ALLEY_LOT_M)
    return houses


def build_house_numbers(rng: random.Random, ward_m: Polygon, streets: list[MultiLineString]) -> list[DemoHouse]:
    """Pure: every house of the ward, street-front and in alleys, inside the ward and clear of other streets."""
    houses: list[DemoHouse] = []
    for i, geom in enumerate(streets):
        others = shapely.union_all([g for j, g in enumerate(streets) if j != i]) if len(streets) > 1 else Polygon()
        odd = rng.randrange(1, 300, 2)  # the street runs on through other wards: numbers start mid-way
        next_number = [odd, odd + 1]  # left side odd, right side even
        for line in geom.geoms:
            d = rng.uniform(2, 6)
            while d < line.length - 2:
                a, b = line.interpolate(max(d - 0.5, 0)), line.interpolate(min(d + 0.5, line.length))
                tx, ty = _unit(b.x - a.x, b.y - a.y)
                p = line.interpolate(d)
                for side, sign in ((0, 1), (1, -1)):
                    main = Number(next_number[side], "", ())
                    next_number[side] += 2
                    nx, ny = -ty * sign, tx * sign
                    hx, hy = p.x + nx * FRONT_OFFSET_M, p.y + ny * FRONT_OFFSET_M
                    houses.append(DemoHouse(i, main, hx, hy))
                    if rng.random() < LETTER_P:
                        houses.append(DemoHouse(i, Number(main.main, "A", ()), hx + tx * 2, hy + ty * 2))
                    if rng.random() < ALLEY_P:
                        start = (p.x + nx * (FRONT_OFFSET_M - 3), p.y + ny * (FRONT_OFFSET_M - 3))
                        houses += _alley(rng, i, main, start, (nx, ny), others)
                d += rng.uniform(*LOT_M)
    if not houses:
        return []
    xs = np.array([h.x for h in houses])
    ys = np.array([h.y for h in houses])
    keep = shapely.contains_xy(ward_m, xs, ys)
    points = shapely.points(xs, ys)
    for i in range(len(streets)):
        mine = np.array([h.street == i for h in houses])
        others = [g for j, g in enumerate(streets) if j != i]
        if others and mine.any():
            near = shapely.distance(points[mine], shapely.union_all(others)) < CLEAR_M
            keep[np.flatnonzero(mine)[near]] = False
    # Sub-alleys of neighbouring alley houses can run side by side: one house per spot (the report's
    # "stacked" check would rightly call two numbers within half a metre a duplicate).
    first, second = shapely.STRtree(points).query(points, predicate="dwithin", distance=STACKED_M)
    for i, j in zip(first.tolist(), second.tolist(), strict=True):
        if i < j and keep[i]:
            keep[j] = False
    return [h for h, k in zip(houses, keep, strict=True) if k]


def _bench_streets(ctx: DemoContext, ward: AdminUnit) -> None:
    """Bench wards get streets of their own, so their house numbers have somewhere to stand."""
    if Street.objects.filter(ward=ward).exists():
        return
    for name, geom in build_streets(ctx, metric(ward.boundary), step=f"streets:{ward.code}"):
        Street.objects.create(name=name, ward=ward, geom=to_deg(geom).wkt)


def seed_house_numbers(ctx: DemoContext) -> None:
    todo = ctx.wards_to_fill(HouseNumber, "house numbers")
    if not todo:
        return
    to_deg_tr = transformer(UTM48N, WGS84)
    total = 0
    for ward in todo:
        if ward.code.startswith("BENCH-"):
            _bench_streets(ctx, ward)
        streets = list(Street.objects.filter(ward=ward).order_by("name"))
        kps = [
            (k.id, k.name, metric(k.boundary))
            for k in AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code")
        ]
        rng = ctx.rng(f"house_numbers:{ward.code}")
        houses = build_house_numbers(rng, metric(ward.boundary), [metric(s.geom) for s in streets])
        if not houses:
            continue
        xs = np.array([h.x for h in houses])
        ys = np.array([h.y for h in houses])
        lon, lat = to_deg_tr.transform(xs, ys)
        geoms = house_rows.ewkb_hex(np.round(lon, 7), np.round(lat, 7))
        kp_ids = house_rows.khu_pho_of(xs, ys, [(k, poly) for k, _, poly in kps])
        kp_names: dict[int | None, str] = {k: name for k, name, _ in kps}
        ids = house_rows.reserve_ids(house_rows.HOUSE_TABLE, len(houses))
        rows = (
            house_rows.house_row(
                pk,
                ward.id,
                kp,
                streets[h.street].id,
                h.number,
                house_rows.canonical_address(h.number.canonical(), streets[h.street].name, kp_names.get(kp), ward.name),
                g,
                HouseNumber.Source.DEMO,
            )
            for pk, h, kp, g in zip(ids, houses, kp_ids, geoms, strict=True)
        )
        total += copy_rows(house_rows.HOUSE_TABLE, house_rows.HOUSE_COLUMNS, rows)
        if len(todo) > 5:
            ctx.log(f"    {ward.name}: {len(houses):,} house numbers")
    with connection.cursor() as cur:
        cur.execute("ANALYZE households_housenumber")
    ctx.log(f"  house numbers: {total:,} in {len(todo)} ward(s)")


# --- Households -------------------------------------------------------------------------------------

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô"]
MIDDLE_M = ["Văn", "Minh", "Quốc", "Hữu", "Thanh", "Đức", "Hoàng"]
MIDDLE_F = ["Thị", "Ngọc", "Thanh", "Kim", "Thu", "Mỹ", "Bích"]
GIVEN_M = ["An", "Bình", "Dũng", "Hùng", "Long", "Nam", "Phúc", "Sơn", "Tâm", "Tuấn", "Khoa", "Hải", "Trung"]
GIVEN_F = ["Châu", "Hà", "Lan", "Mai", "Vy", "Hương", "Linh", "Trang", "Thảo", "Ngân", "Yến", "Hạnh", "Nhung"]
PER_HOUSE = [0, 1, 2, 3]
PER_HOUSE_P = [0.10, 0.70, 0.15, 0.05]
PLACES = ["Quận 7", "Bình Dương", "Đồng Nai", "Long An", "Hà Nội", "Cần Thơ", "Tiền Giang", "Bến Tre", "Thủ Đức"]
TODAY = dt.date(2025, 11, 1)  # fixed, so the seed alone decides the data
HOUSEHOLD_COLUMNS = [
    "id",
    "house_number_id",
    "ward_id",
    "khu_pho_id",
    "code",
    *Household.record_fields,
    "moved_in_on",
    "moved_out_on",
    "version",
]
MOVE_COLUMNS = ["household_id", "kind", "date", "persons", "place", "version"]


def _person(rng: np.random.Generator, male: bool, surname: str, born: int, relation: str) -> dict:
    middle, given = (MIDDLE_M, GIVEN_M) if male else (MIDDLE_F, GIVEN_F)
    name = f"{surname} {middle[rng.integers(len(middle))]} {given[rng.integers(len(given))]}"
    person = {"name": name, "birth_year": born, "sex": "M" if male else "F", "relation": relation}
    if born <= TODAY.year - 16 and rng.random() < 0.8:
        person["phone"] = f"09{rng.integers(10_000_000, 99_999_999)}"
    return person


def build_household(rng: np.random.Generator) -> dict:
    """Pure: one made-up household (head, members, flags), drawn from the generator."""
    surname = SURNAMES[rng.integers(len(SURNAMES))]
    head_male = rng.random() < 0.7
    head_born = int(rng.integers(1945, 2000))
    members = [_person(rng, head_male, surname, head_born, "Chủ hộ")]
    if rng.random() < 0.8:
        members.append(_person(rng, not head_male, SURNAMES[rng.integers(len(SURNAMES))], head_born + 2, "Vợ/Chồng"))
    for _ in range(int(rng.integers(0, 4))):
        members.append(_person(rng, rng.random() < 0.5, surname, int(rng.integers(head_born + 20, 2025)), "Con"))
    if rng.random() < 0.15:
        members.append(_person(rng, rng.random() < 0.4, surname, int(rng.integers(1935, 1960)), "Cha/Mẹ"))
    youth = sum(1 for m in members if m["sex"] == "M" and 18 <= TODAY.year - m["birth_year"] <= 27)
    poor = rng.random() < 0.02
    return {
        "head_name": members[0]["name"],
        "head_phone": members[0].get("phone", ""),
        "members": members,
        "size": len(members),
        "poor": poor,
        "near_poor": not poor and rng.random() < 0.03,
        "policy_family": rng.random() < 0.03,
        "social_allowance": rng.random() < 0.06,
        "military_age_youth": youth,
    }


def seed_households(ctx: DemoContext) -> None:
    todo = ctx.wards_to_fill(Household, "households")
    if not todo:
        return
    households = moves = 0
    for ward in todo:
        houses = list(
            HouseNumber.objects.filter(ward=ward, status=HouseNumber.Status.ACTIVE)
            .order_by("street__name", "sort_key")
            .values_list("id", "khu_pho_id")
        )
        rng = np.random.default_rng([ctx.seed, zlib.crc32(ward.code.encode()), 13])
        counts = rng.choice(PER_HOUSE, size=len(houses), p=PER_HOUSE_P)
        ids = house_rows.reserve_ids(Household._meta.db_table, int(counts.sum()))
        rows, move_rows, k = [], [], 0
        for (house_id, kp_id), n in zip(houses, counts, strict=True):
            for _ in range(n):
                h = build_household(rng)
                pk = ids[k]
                k += 1
                moved_in = TODAY - dt.timedelta(days=int(rng.integers(30, 9000))) if rng.random() < 0.35 else None
                moved_out = TODAY - dt.timedelta(days=int(rng.integers(1, 700))) if rng.random() < 0.05 else None
                status = Household.Status.MOVED_OUT if moved_out else Household.Status.RESIDENT
                rows.append(
                    (
                        pk,
                        house_id,
                        ward.id,
                        kp_id,
                        f"{ward.code}-H{pk:07d}",
                        h["head_name"],
                        h["head_phone"],
                        json.dumps(h["members"], ensure_ascii=False),
                        h["size"],
                        *("t" if h[f] else "f" for f in ("poor", "near_poor", "policy_family", "social_allowance")),
                        h["military_age_youth"],
                        status,
                        moved_in,
                        moved_out,
                        1,
                    )
                )
                place = PLACES[rng.integers(len(PLACES))]
                if moved_in:
                    move_rows.append((pk, "in", moved_in, h["size"], place, 1))
                if moved_out:
                    move_rows.append((pk, "out", moved_out, h["size"], PLACES[rng.integers(len(PLACES))], 1))
                elif rng.random() < 0.04:  # one member leaves (study, work, marriage)
                    day = TODAY - dt.timedelta(days=int(rng.integers(1, 700)))
                    move_rows.append((pk, "out", day, 1, place, 1))
        households += copy_rows(Household._meta.db_table, HOUSEHOLD_COLUMNS, rows)
        moves += copy_rows(HouseholdMove._meta.db_table, MOVE_COLUMNS, move_rows)
    with connection.cursor() as cur:
        cur.execute("ANALYZE households_household")
        cur.execute("ANALYZE households_householdmove")
    ctx.log(f"  households: {households:,}, moves: {moves:,}")
