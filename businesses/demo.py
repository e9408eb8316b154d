"""Demo business households: ~5,000 per ward over the common VSIC lines, written with COPY.

Points, names and attributes come from one seeded numpy generator; at --scale 200 the same
code writes a million rows (one ward's worth per bench ward) in a few minutes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from django.db import connection

from businesses.models import Business, Industry
from businesses.vsic import ensure_reference
from gisportal.demo import DemoContext, copy_rows
from households.models import Street
from layers.crs import UTM48N, WGS84, transformer
from layers.demo import metric
from layers.models import AdminUnit

PER_WARD = 5200

# (VSIC 2018 code, weight, signboard words): what a central HCMC ward's street fronts hold.
LINES = [
    ("5610", 22, ["Phở", "Cơm tấm", "Bún bò", "Quán ăn", "Bánh mì", "Hủ tiếu", "Bún riêu", "Lẩu"]),
    ("5630", 16, ["Cà phê", "Trà sữa", "Nước mía", "Sinh tố", "Cafe"]),
    ("4711", 12, ["Tạp hóa", "Cửa hàng tiện lợi", "Tạp hóa"]),
    ("4722", 5, ["Trái cây", "Thực phẩm sạch", "Bánh kẹo"]),
    ("4781", 5, ["Sạp", "Quầy"]),
    ("9631", 7, ["Tiệm tóc", "Salon tóc", "Hớt tóc"]),  # VSIC 2018 hairdressing (9602 is ISIC's code)
    ("4542", 5, ["Sửa xe", "Honda", "Rửa xe"]),
    ("4772", 4, ["Nhà thuốc", "Mỹ phẩm"]),
    ("4771", 6, ["Shop", "Thời trang", "Giày dép"]),
    ("4741", 3, ["Điện thoại", "Vi tính"]),
    ("4752", 2, ["Điện nước", "Kim khí"]),
    ("5510", 3, ["Nhà nghỉ", "Khách sạn mini"]),
    ("1071", 2, ["Lò bánh", "Bánh"]),
    ("1410", 2, ["Nhà may", "May đo"]),
    ("9620", 2, ["Giặt ủi"]),
    ("8559", 1, ["Trung tâm Anh ngữ", "Lớp năng khiếu"]),
    ("7420", 1, ["Studio", "Chụp ảnh"]),
    ("9511", 1, ["Sửa máy tính"]),
    ("4724", 1, ["Thuốc lá"]),
    ("6810", 1, ["Nhà đất"]),
]
PROPER = [
    "Hòa",
    "Lan",
    "Minh",
    "Phúc",
    "Thành Công",
    "Ngọc",
    "Hạnh",
    "Bảo Anh",
    "Kim",
    "Tâm",
    "Phát Đạt",
    "Hưng Thịnh",
    "Mai",
    "Thu",
    "Hoàng",
    "Tuấn",
    "Cô Ba",
    "Bà Tư",
    "Út",
    "Sáu",
    "Hải",
    "Vy",
    "Thảo",
    "Long",
    "An Khang",
    "Gia Huy",
    "Kim Chi",
    "Sài Gòn",
    "Bàn Cờ",
    "Ông Tám",
    "Phương",
    "Nam",
    "Hiền",
    "Đức",
    "Quỳnh",
    "Tú",
    "Yến",
    "Trang",
    "Khánh",
    "Liên",
    "Hồng",
    "Bảy",
    "Chín",
    "Tư",
    "Năm",
]
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi", "Đặng", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hoàng", "Quốc", "Kim", "Hữu"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Hà", "Hùng", "Lan", "Long", "Mai", "Nam", "Phúc", "Sơn", "Tâm", "Vy"]
STATUSES = ["active", "suspended", "terminated", "revoked"]
STATUS_P = [0.86, 0.06, 0.06, 0.02]


def _ward_parts(ward: AdminUnit):
    """(khu phố ids, khu phố metric polygons) of a ward; the ward itself when it has none."""
    kps = list(AdminUnit.objects.filter(parent=ward, level=AdminUnit.Level.KHU_PHO).order_by("code"))
    if kps:
        return [k.id for k in kps], [metric(k.boundary) for k in kps]
    return [None], [metric(ward.boundary)]


def _points_in(poly, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        cand = np.column_stack([rng.uniform(minx, maxx, n * 2), rng.uniform(miny, maxy, n * 2)])
        out = np.vstack([out, cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]])
    return out[:n]


def build_ward_rows(ward: AdminUnit, seq0: int, n: int, rng: np.random.Generator, industries: dict, streets: list):
    """Rows for COPY: one ward's businesses (pure given the generator's state).

    The ward's geometry is read here, eagerly: the rows are consumed inside COPY, when the
    connection cannot run another query.
    """
    kp_ids, kp_polys = _ward_parts(ward)
    areas = np.array([p.area for p in kp_polys])
    per_kp = rng.multinomial(n, areas / areas.sum())
    weights = np.array([w for _, w, _ in LINES], dtype=float)
    old = {}
    if ward.code and not ward.code.startswith("BENCH-"):
        old = {u.name: metric(u.boundary) for u in AdminUnit.objects.filter(successor=ward).order_by("code")}
    to_deg = transformer(UTM48N, WGS84)
    return _rows(ward, seq0, n, rng, industries, streets, kp_ids, kp_polys, per_kp, weights, old, to_deg)


def _rows(ward, seq0, n, rng, industries, streets, kp_ids, kp_polys, per_kp, weights, old, to_deg):
    seq = seq0
    for kp_id, poly, count in zip(kp_ids, kp_polys, per_kp, strict=True):
        pts = _points_in(poly, int(count), rng)
        lons, lats = to_deg.transform(pts[:, 0], pts[:, 1])
        line_idx = rng.choice(len(LINES), size=len(pts), p=weights / weights.sum())
        status_idx = rng.choice(4, size=len(pts), p=STATUS_P)
        for k in range(len(pts)):
            code, _, words = LINES[line_idx[k]]
            industry_id, section = industries[code]
            proper = PROPER[rng.integers(len(PROPER))]
            suffix = f" {rng.integers(2, 5)}" if rng.random() < 0.15 else ""
            signboard = f"{words[rng.integers(len(words))]} {proper}{suffix}"
            house = f"{rng.integers(1, 600)}" + (f"/{rng.integers(1, 60)}" if rng.random() < 0.4 else "")
            house += "ABC"[rng.integers(3)] if rng.random() < 0.08 else ""
            street = streets[rng.integers(len(streets))] if streets else "Đường số 1"
            current = f"{house} {street}, {ward.name}, Thành phố Hồ Chí Minh"
            legacy = ""
            for old_name, old_poly in old.items():
                if old_poly.contains(shapely.Point(pts[k])):
                    legacy = f"{house} {street}, {old_name}, Quận 3, Thành phố Hồ Chí Minh"
                    break
            licences = []
            if code in ("4711", "4781") and rng.random() < 0.5:
                licences = ["alcohol_retail", "tobacco_retail"] if rng.random() < 0.6 else ["alcohol_retail"]
            if code == "4724":
                licences = ["tobacco_retail"]
            if code == "4711" and rng.random() < 0.1:
                licences.append("lpg")
            status = STATUSES[status_idx[k]]
            registered = dt.date(2010, 1, 1) + dt.timedelta(days=int(rng.integers(0, 5800)))
            owner = " ".join(part[rng.integers(len(part))] for part in (SURNAMES, MIDDLE, GIVEN))
            block = f"Ô {int(pts[k][0] // 200) % 100:02d}-{int(pts[k][1] // 200) % 100:02d}"
            seq += 1
            yield (
                f"41A8{seq:07d}",
                signboard,
                owner,
                f"09{rng.integers(10_000_000, 99_999_999)}",
                industry_id,
                section,
                legacy,
                current,
                ward.id,
                kp_id,
                block,
                status,
                registered.isoformat(),
                None if status == "active" else (registered + dt.timedelta(days=400)).isoformat(),
                "{" + ",".join(licences) + "}",
                f"SRID=4326;POINT({lons[k]:.7f} {lats[k]:.7f})",
                "f",
                1,
            )


COLUMNS = [
    "registration_no",
    "signboard",
    "owner_name",
    "owner_phone",
    "industry_id",
    "section",
    "address_legacy",
    "address_current",
    "ward_id",
    "khu_pho_id",
    "street_block",
    "status",
    "registered_on",
    "status_changed_on",
    "licences",
    "geom",
    "is_deleted",
    "version",
]


def seed_businesses(ctx: DemoContext) -> None:
    todo = ctx.wards_to_fill(Business, "businesses")
    if not todo:
        return
    ensure_reference()  # a test database flushed between tests has lost the migration's rows
    industries = {
        code: (pk, section)
        for pk, code, section in Industry.objects.filter(version=Industry.Version.VSIC2018).values_list(
            "id", "code", "section"
        )
    }
    total = 0
    seq0 = Business.objects.count()
    for ward in todo:
        rng = np.random.default_rng([ctx.seed, ward.id if ward.code.startswith("BENCH-") else 0, 7])
        streets = list(Street.objects.filter(ward=ward).order_by("name").values_list("name", flat=True))
        streets = streets or ctx.data.get("street_names") or []
        rows = build_ward_rows(ward, seq0 + total, PER_WARD, rng, industries, streets)
        total += copy_rows(Business._meta.db_table, COLUMNS, rows)
        if len(todo) > 20 and total % (PER_WARD * 20) == 0:
            ctx.log(f"    {total:,} businesses")
    with connection.cursor() as cur:
        if total > 100_000:
            # Spatially sorted heap: a radius scan then reads a few pages, not thousands.
            # CLUSTER refuses to run while deferred FK checks of this transaction are pending.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("CLUSTER businesses_business USING business_geom_m_gist")
            cur.execute("CLUSTER businesses_radius_point USING radius_point_geom_m")
        cur.execute("ANALYZE businesses_business")
        cur.execute("ANALYZE businesses_radius_point")
        cur.execute("ANALYZE businesses_tile_cell")
    ctx.log(f"  businesses: {total:,} in {len(todo)} ward(s)")
