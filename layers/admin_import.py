"""Importing administrative boundaries (wards, districts) from any vector file GDAL reads.

The file is read through `layers.gisfiles` (its own CRS, reprojected to WGS 84; a file without one is
refused), the name and code fields are guessed when not named, names are NFC-normalised and look-alike
letters fixed ('Ð' U+00D0 → 'Đ' U+0110). Before anything is written every unit is checked: an invalid
geometry is refused (or repaired with PostGIS ST_MakeValid under `repair`), two units of the import
overlapping by more than 1% of the smaller one are reported (and refused unless `allow_overlaps`).
Units are upserted by (level, code), or by folded name when the file has no code; all in one
transaction, rolled back on a dry run. Every decision goes into the report.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction

from gisportal.errors import InvalidInput
from layers import gisfiles
from layers.crs import UTM48N, WGS84, reproject
from layers.models import AdminUnit
from layers.text import fold, nfc

OVERLAP_SHARE = 0.01  # of the smaller unit's area
# Letters that look like Vietnamese ones but are not: Icelandic eth, African D with hook.
LOOK_ALIKES = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"}
_LOOK_ALIKE_RE = re.compile("[" + "".join(LOOK_ALIKES) + "]")

EXTENSIONS = {
    ".shp": "shapefile",
    ".gpkg": "gpkg",
    ".geojson": "geojson",
    ".json": "geojson",
    ".topojson": "geojson",
    ".fgb": "gpkg",
    ".kml": "kml",
}
# Field names (folded, lower-case) tried in order when the officer names none.
NAME_FIELDS = {
    "ward": ["com_name", "ward_name", "ten_xa", "ten_phuong", "tenxa"],
    "district": ["dist_name", "district_name", "ten_huyen", "ten_quan", "tenhuyen"],
}
GENERIC_NAME_FIELDS = ["name", "ten", "ten_dvhc", "tendvhc", "localname", "name_vi", "ten_don_vi"]
CODE_FIELDS = {
    "ward": ["com_id", "ward_code", "ward_id", "ma_xa", "ma_phuong", "maxa", "level3_id"],
    "district": ["dist_id", "district_code", "district_id", "ma_huyen", "ma_quan", "mahuyen", "level2_id"],
}
GENERIC_CODE_FIELDS = ["code", "ma", "ma_dvhc", "madvhc", "gso_code"]
TYPE_FIELDS = ["type", "loai", "cap"]
PARENT_LEVEL = {"ward": AdminUnit.Level.DISTRICT, "district": AdminUnit.Level.CITY}
KIND_PREFIXES = [
    ("thanh pho", AdminUnit.Kind.THANH_PHO),
    ("tp ", AdminUnit.Kind.THANH_PHO),
    ("tp.", AdminUnit.Kind.THANH_PHO),
    ("quan", AdminUnit.Kind.QUAN),
    ("huyen", AdminUnit.Kind.HUYEN),
    ("phuong", AdminUnit.Kind.PHUONG),
    ("xa", AdminUnit.Kind.XA),
    ("dac khu", AdminUnit.Kind.DAC_KHU),
]
DEFAULT_KIND = {"ward": AdminUnit.Kind.PHUONG, "district": AdminUnit.Kind.QUAN}


@dataclass
class Refusal:
    unit: str
    reason: str
    reason_en: str


@dataclass
class Repair:
    unit: str
    area_before_m2: float
    area_after_m2: float

    @property
    def change_pct(self) -> float | None:
        if self.area_before_m2 <= 0:
            return None
        return (self.area_after_m2 - self.area_before_m2) / self.area_before_m2 * 100


@dataclass
class Overlap:
    a: str
    b: str
    share: float  # of the smaller unit's area


@dataclass
class Fix:
    unit: str
    before: str
    after: str


@dataclass
class ImportReport:
    file: str
    level: str
    features: int = 0
    name_field: str = ""
    code_field: str | None = None
    notes: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)
    allow_overlaps: bool = False
    dry_run: bool = False

    @property
    def refused(self) -> bool:
        return bool(self.refusals) or (bool(self.overlaps) and not self.allow_overlaps)

    def lines(self) -> list[str]:
        out = [
            f"Tệp / File: {self.file} (cấp / level: {self.level}, {self.features} đối tượng / features)",
            f"Trường tên / name field: {self.name_field}; trường mã / code field: {self.code_field or '—'}",
            *[f"  {n}" for n in self.notes],
        ]
        for f in self.fixes:
            out.append(f"Sửa ký tự / look-alike fixed: {f.unit}: {f.before!r} → {f.after!r}")
        for r in self.repairs:
            pct = "n/a" if r.change_pct is None else f"{r.change_pct:+.3f}%"
            out.append(
                f"Sửa hình học / repaired: {r.unit}: {r.area_before_m2:,.0f} m² → {r.area_after_m2:,.0f} m² ({pct})"
            )
        for o in self.overlaps:
            out.append(f"Chồng lấn / overlap: {o.a} × {o.b}: {o.share * 100:.1f}% of the smaller unit")
        for r in self.refusals:
            out.append(f"Từ chối / refused: {r.unit}: {r.reason} / {r.reason_en}")
        out.append(
            f"Thêm mới / imported: {len(self.created)}; cập nhật / updated: {len(self.updated)}; "
            f"không đổi / unchanged: {len(self.unchanged)}; sửa / repaired: {len(self.repairs)}; "
            f"từ chối / refused: {len(self.refusals)}; chồng lấn / overlaps: {len(self.overlaps)}; "
            f"sửa ký tự / look-alike fixes: {len(self.fixes)}"
        )
        if self.refused:
            out.append("KẾT QUẢ: từ chối, không ghi gì. / RESULT: refused, nothing written.")
        elif self.dry_run:
            out.append("KẾT QUẢ: chạy thử, không ghi gì. / RESULT: dry run, rolled back.")
        else:
            out.append("KẾT QUẢ: đã ghi. / RESULT: written.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "level": self.level,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "repairs": [vars(r) for r in self.repairs],
            "refusals": [vars(r) for r in self.refusals],
            "overlaps": [vars(o) for o in self.overlaps],
            "fixes": [vars(f) for f in self.fixes],
        }


class ImportRefused(InvalidInput):
    """The import was refused as a whole; `report` says why, unit by unit."""

    code = "admin_import_refused"

    def __init__(self, report: ImportReport):
        self.report = report
        n = len(report.refusals)
        super().__init__(
            f"Không nhập tệp {report.file}: {n} đơn vị bị từ chối, {len(report.overlaps)} chỗ chồng lấn.",
            f"The import of {report.file} was refused: {n} units refused, {len(report.overlaps)} overlaps.",
            report.as_dict(),
        )


@dataclass
class _Unit:
    row: int
    name: str
    code: str | None
    parent_code: str | None
    kind: str
    geom: shapely.Geometry | None  # WGS 84
    ok: bool = True

    @property
    def label(self) -> str:
        return f"{self.name} [{self.code}]" if self.code else self.name


def fix_look_alikes(text: str) -> str:
    return _LOOK_ALIKE_RE.sub(lambda m: LOOK_ALIKES[m.group()], text)


def _col_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(str(name))).strip("_")


def _pick(columns: list[str], wanted: list[str]) -> str | None:
    keys = {_col_key(c): c for c in columns}
    return next((keys[w] for w in wanted if w in keys), None)


def _gadm_name(frame, columns: list[str]) -> str | None:
    """GADM-like NAME_0..NAME_n: the deepest level whose values tell the units apart."""
    levels = sorted(
        ((int(m.group(1)), c) for c in columns if (m := re.fullmatch(r"name_(\d)", _col_key(c)))), reverse=True
    )
    for _, col in levels:
        if frame[col].nunique(dropna=True) >= 0.9 * len(frame):
            return col
    return None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfc(str(value))
    return text or None


def _kind(level: str, name: str, type_value: str | None) -> str:
    for text in (type_value, name):
        if not text:
            continue
        key = fold(text)
        for prefix, kind in KIND_PREFIXES:
            if key.startswith(prefix):
                if level == "district" and kind in (AdminUnit.Kind.PHUONG, AdminUnit.Kind.XA):
                    continue
                if level == "ward" and kind in (AdminUnit.Kind.QUAN, AdminUnit.Kind.HUYEN, AdminUnit.Kind.THANH_PHO):
                    continue
                return kind
    return DEFAULT_KIND[level]


def _local_code(name: str) -> str:
    """A stable code for a unit whose file carries none: 'N-' + a hash of its folded name."""
    return "N-" + hashlib.sha1(fold(name).encode()).hexdigest()[:10]


def _multipolygon(geom: shapely.Geometry) -> shapely.Geometry | None:
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


def _make_valid(geom: shapely.Geometry) -> tuple[shapely.Geometry | None, float, float]:
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
    return _multipolygon(fixed), float(before or 0), float(after or 0)


def _read(path: Path, report: ImportReport):
    fmt = EXTENSIONS.get(path.suffix.lower(), "gpkg")
    src = gisfiles.Source(path=path, name=path.name, format=fmt)
    if not path.exists():
        raise InvalidInput(f"Không có tệp {path}.", f"No such file: {path}.", code="no_file")
    if fmt == "shapefile" and not path.with_suffix(".prj").exists() and not path.with_suffix(".PRJ").exists():
        raise gisfiles.refuse(
            "missing_crs",
            f"Shapefile {path.name} không có tệp .prj nên không biết hệ tọa độ; không nhập.",
            f"The Shapefile {path.name} has no .prj, so its coordinate system is unknown; not imported.",
            {"suggested": gisfiles.NAMED_CRS},
        )
    frame = gisfiles.read(src)
    report.notes.extend(src.notes)
    return frame


def _field(frame, given: str | None, guesses: list[str], what: str, what_en: str) -> str | None:
    columns = [c for c in frame.columns if c not in ("geometry", "_layer")]
    if given:
        if given not in columns:
            raise InvalidInput(
                f"Tệp không có trường {what} '{given}'; các trường: {', '.join(columns)}.",
                f"The file has no {what_en} field {given!r}; fields: {', '.join(columns)}.",
                {"columns": columns},
                code="unknown_field",
            )
        return given
    return _pick(columns, guesses)


def import_admin_units(
    path: str | Path,
    level: str,
    *,
    name_field: str | None = None,
    code_field: str | None = None,
    parent_code_field: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    repair: bool = False,
    allow_overlaps: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Check every unit of the file, then write all of them or none; raise ImportRefused when refused."""
    if level not in NAME_FIELDS:
        raise InvalidInput(
            f"Cấp '{level}' không nhập được; chọn ward hoặc district.",
            f"Level {level!r} cannot be imported; choose ward or district.",
            code="bad_level",
        )
    path = Path(path)
    report = ImportReport(file=str(path), level=level, allow_overlaps=allow_overlaps, dry_run=dry_run)
    frame = _read(path, report)
    report.features = len(frame)
    columns = [c for c in frame.columns if c not in ("geometry", "_layer")]
    name_col = _field(frame, name_field, NAME_FIELDS[level] + GENERIC_NAME_FIELDS, "tên", "name")
    name_col = name_col or _gadm_name(frame, columns)
    if name_col is None:
        raise InvalidInput(
            f"Không đoán được trường tên; hãy chỉ rõ --name-field (các trường: {', '.join(columns)}).",
            f"Cannot guess the name field; please give --name-field (fields: {', '.join(columns)}).",
            {"columns": columns},
            code="no_name_field",
        )
    code_col = _field(frame, code_field, CODE_FIELDS[level] + GENERIC_CODE_FIELDS, "mã", "code")
    parent_col = _field(frame, parent_code_field, [], "mã cấp trên", "parent code") if parent_code_field else None
    type_col = _pick(columns, TYPE_FIELDS) or next(
        (c for c in sorted(columns, reverse=True) if re.fullmatch(r"type_\d", _col_key(c))), None
    )
    report.name_field, report.code_field = name_col, code_col
    if code_col is None:
        report.notes.append("Không có trường mã: so khớp theo tên (bỏ dấu). / No code field: matched by folded name.")

    units = _units(frame, level, name_col, code_col, parent_col, type_col, report)
    _check_geometries(units, repair, report)
    _check_duplicates(units, code_col is not None, report)
    _check_overlaps(units, report)
    parents = _parents(units, level, report) if parent_col else {}
    if report.refused:
        raise ImportRefused(report)

    with transaction.atomic():
        _write(units, level, parents, valid_from, valid_to, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _units(frame, level, name_col, code_col, parent_col, type_col, report: ImportReport) -> list[_Unit]:
    units = []
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        raw = _text(rec.get(name_col))
        code = _text(rec.get(code_col)) if code_col else None
        parent_code = _text(rec.get(parent_col)) if parent_col else None
        geom = rec.get(frame.geometry.name)
        if raw is None:
            report.refusals.append(Refusal(f"#{i}", "không có tên", "no name"))
            continue
        name = fix_look_alikes(raw)
        if name != raw:
            report.fixes.append(Fix(f"#{i} {code or ''}".strip(), raw, name))
        if len(name) > 120 or (code and len(code) > 20):
            report.refusals.append(Refusal(name, "tên hoặc mã quá dài", "name or code too long"))
            continue
        kind = _kind(level, name, _text(rec.get(type_col)) if type_col else None)
        units.append(_Unit(i, name, code, parent_code, kind, geom))
    return units


def _check_geometries(units: list[_Unit], repair: bool, report: ImportReport) -> None:
    for u in units:
        if u.geom is None or u.geom.is_empty:
            u.ok = False
            report.refusals.append(Refusal(u.label, "không có hình học", "no geometry"))
            continue
        if _multipolygon(u.geom) is None or not isinstance(u.geom, shapely.Polygon | shapely.MultiPolygon):
            u.ok = False
            report.refusals.append(
                Refusal(u.label, f"không phải vùng ({u.geom.geom_type})", f"not a polygon ({u.geom.geom_type})")
            )
            continue
        if shapely.is_valid(u.geom):
            u.geom = _multipolygon(u.geom)
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
        fixed, before, after = _make_valid(u.geom)
        if fixed is None or fixed.is_empty:
            u.ok = False
            report.refusals.append(
                Refusal(u.label, "sửa hình học không còn vùng nào", "the repaired geometry has no polygon left")
            )
            continue
        u.geom = fixed
        report.repairs.append(Repair(f"{u.label} ({reason})", before, after))


def _check_duplicates(units: list[_Unit], by_code: bool, report: ImportReport) -> None:
    seen: dict[str, _Unit] = {}
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


def _check_overlaps(units: list[_Unit], report: ImportReport) -> None:
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


def _parents(units: list[_Unit], level: str, report: ImportReport) -> dict[str, AdminUnit]:
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


def _existing(u: _Unit, level: str) -> AdminUnit | None:
    qs = AdminUnit.objects.filter(level=level)
    if u.code:
        return qs.filter(code=u.code).order_by("-valid_from").first()
    matches = list(qs.filter(name_folded=fold(u.name)).order_by("-valid_from"))
    current = [m for m in matches if m.valid_to is None]
    return (current or matches or [None])[0]


def _write(units, level, parents, valid_from, valid_to, report: ImportReport) -> None:
    for u in units:
        boundary = GEOSGeometry(memoryview(shapely.to_wkb(u.geom)), srid=4326)
        parent = parents.get(u.parent_code) if u.parent_code else None
        obj = _existing(u, level)
        if obj is None:
            AdminUnit.objects.create(
                level=level,
                kind=u.kind,
                code=u.code or _local_code(u.name),
                name=u.name,
                parent=parent,
                valid_from=valid_from or dt.date.today(),
                valid_to=valid_to,
                boundary=boundary,
            )
            report.created.append(u.label)
            continue
        changes: dict[str, Any] = {}
        if obj.name != u.name:
            changes["name"] = u.name
        if obj.kind != u.kind:
            changes["kind"] = u.kind
        if parent is not None and obj.parent_id != parent.pk:
            changes["parent"] = parent
        if valid_from and obj.valid_from != valid_from:
            changes["valid_from"] = valid_from
        if valid_to and obj.valid_to != valid_to:
            changes["valid_to"] = valid_to
        if not obj.boundary.equals_exact(boundary, 1e-9):
            changes["boundary"] = boundary
        if not changes:
            report.unchanged.append(u.label)
            continue
        for attr, value in changes.items():
            setattr(obj, attr, value)
        obj.version += 1
        obj.save()
        report.updated.append(f"{u.label} ({', '.join(changes)})")
