"""Reading an admin-unit file: the GIS file itself (through `layers.gisfiles`), its name, code, parent and type
columns (named by the officer or guessed), and each feature as a `Unit` with its name cleaned and its kind."""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from gisportal.errors import InvalidInput
from gisportal.text import fold, nfc
from layers import gisfiles
from layers.models import AdminUnit
from layers.units.admin_report import Fix, ImportReport, Refusal

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
class Unit:
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


def col_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(str(name))).strip("_")


def pick(columns: list[str], wanted: list[str]) -> str | None:
    keys = {col_key(c): c for c in columns}
    return next((keys[w] for w in wanted if w in keys), None)


def gadm_name(frame, columns: list[str]) -> str | None:
    """GADM-like NAME_0..NAME_n: the deepest level whose values tell the units apart."""
    levels = sorted(
        ((int(m.group(1)), c) for c in columns if (m := re.fullmatch(r"name_(\d)", col_key(c)))), reverse=True
    )
    for _, col in levels:
        if frame[col].nunique(dropna=True) >= 0.9 * len(frame):
            return col
    return None


def text_of(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = nfc(str(value))
    return text or None


def kind_of(level: str, name: str, type_value: str | None) -> str:
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


def local_code(name: str) -> str:
    """A stable code for a unit whose file carries none: 'N-' + a hash of its folded name."""
    return "N-" + hashlib.sha1(fold(name).encode()).hexdigest()[:10]


def type_column(columns: list[str]) -> str | None:
    """The unit-type column: a usual name, else GADM's deepest TYPE_n."""
    return pick(columns, TYPE_FIELDS) or next(
        (c for c in sorted(columns, reverse=True) if re.fullmatch(r"type_\d", col_key(c))), None
    )


def read_file(path: Path, report: ImportReport):
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


def field_of(frame, given: str | None, guesses: list[str], what: str, what_en: str) -> str | None:
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
    return pick(columns, guesses)


def read_units(frame, level, name_col, code_col, parent_col, type_col, report: ImportReport) -> list[Unit]:
    units = []
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        raw = text_of(rec.get(name_col))
        code = text_of(rec.get(code_col)) if code_col else None
        parent_code = text_of(rec.get(parent_col)) if parent_col else None
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
        kind = kind_of(level, name, text_of(rec.get(type_col)) if type_col else None)
        units.append(Unit(i, name, code, parent_code, kind, geom))
    return units
