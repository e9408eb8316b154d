"""Demo streets: a slightly skewed grid with names of central HCMC streets, clipped to the ward."""

from __future__ import annotations

from shapely import affinity
from shapely.geometry import LineString, MultiLineString

from gisportal.demo import DemoContext
from households.models import Street
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


def build_streets(ctx: DemoContext, ward_m) -> list[tuple[str, MultiLineString]]:
    """Pure: (name, metric multilinestring) for each street crossing the ward."""
    rng = ctx.rng("streets")
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
