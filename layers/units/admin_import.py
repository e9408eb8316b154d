"""Importing administrative boundaries (wards, districts) from any vector file GDAL reads.

The file is read through `layers.gisfiles` (its own CRS, reprojected to WGS 84; a file without one is
refused), the name and code fields are guessed when not named, names are NFC-normalised and look-alike
letters fixed ('Ð' U+00D0 → 'Đ' U+0110). Before anything is written every unit is checked: an invalid
geometry is refused (or repaired with PostGIS ST_MakeValid under `repair`), two units of the import
overlapping by more than 1% of the smaller one are reported (and refused unless `allow_overlaps`).
Units are upserted by (level, code), or by folded name when the file has no code; all in one
transaction, rolled back on a dry run. Every decision goes into the report.

The file's columns and units are read in `admin_columns.py`, checked in `admin_checks.py`, reported in
`admin_report.py`; this module decides and writes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

import shapely
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from gisportal.errors import InvalidInput
from gisportal.text import fold
from layers.models import AdminUnit
from layers.units.admin_checks import check_duplicates, check_geometries, check_overlaps, check_parents
from layers.units.admin_columns import (
    CODE_FIELDS,
    GENERIC_CODE_FIELDS,
    GENERIC_NAME_FIELDS,
    NAME_FIELDS,
    Unit,
    field_of,
    gadm_name,
    local_code,
    read_file,
    read_units,
    type_column,
)
from layers.units.admin_report import ImportRefused, ImportReport

__all__ = ["ImportRefused", "ImportReport", "import_admin_units"]


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
    frame = read_file(path, report)
    report.features = len(frame)
    columns = [c for c in frame.columns if c not in ("geometry", "_layer")]
    name_col = field_of(frame, name_field, NAME_FIELDS[level] + GENERIC_NAME_FIELDS, "tên", "name")
    name_col = name_col or gadm_name(frame, columns)
    if name_col is None:
        raise InvalidInput(
            f"Không đoán được trường tên; hãy chỉ rõ --name-field (các trường: {', '.join(columns)}).",
            f"Cannot guess the name field; please give --name-field (fields: {', '.join(columns)}).",
            {"columns": columns},
            code="no_name_field",
        )
    code_col = field_of(frame, code_field, CODE_FIELDS[level] + GENERIC_CODE_FIELDS, "mã", "code")
    parent_col = field_of(frame, parent_code_field, [], "mã cấp trên", "parent code") if parent_code_field else None
    type_col = type_column(columns)
    report.name_field, report.code_field = name_col, code_col
    if code_col is None:
        report.notes.append("Không có trường mã: so khớp theo tên (bỏ dấu). / No code field: matched by folded name.")

    units = read_units(frame, level, name_col, code_col, parent_col, type_col, report)
    check_geometries(units, repair, report)
    check_duplicates(units, code_col is not None, report)
    check_overlaps(units, report)
    parents = check_parents(units, level, report) if parent_col else {}
    if report.refused:
        raise ImportRefused(report)

    with transaction.atomic():
        _write(units, level, parents, valid_from, valid_to, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def _existing(u: Unit, level: str) -> AdminUnit | None:
    qs = AdminUnit.objects.filter(level=level)
    if u.code:
        return qs.filter(code=u.code).order_by("-valid_from").first()
    matches = list(qs.filter(name_folded=fold(u.name)).order_by("-valid_from"))
    current = [m for m in matches if m.valid_to is None]
    found = current or matches
    return found[0] if found else None


def _write(units, level, parents, valid_from, valid_to, report: ImportReport) -> None:
    for u in units:
        boundary = cast(MultiPolygon, GEOSGeometry(memoryview(shapely.to_wkb(u.geom)), srid=4326))
        parent = parents.get(u.parent_code) if u.parent_code else None
        obj = _existing(u, level)
        if obj is None:
            AdminUnit.objects.create(
                level=level,
                kind=u.kind,
                code=u.code or local_code(u.name),
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
