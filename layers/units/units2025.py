"""HCMC's 168 units of 1 July 2025 and the whole pre-2025 structure, from the reference table.

``reference/hcmc_units_2025.csv`` (see ``reference/SOURCE.md``) holds, one per line: today's units
(``period=current``: code, name, type, area, former districts and province, predecessors) and the units
they replaced (``period=former``: the old city's 22 districts and 273 wards with their GSO codes, and
those of the former Bình Dương and Bà Rịa–Vũng Tàu). A predecessor is written as a code, or as a name
with its district in brackets ('Phường 4 (Quận 3)') — a name alone must mean one former ward.

``load`` checks the whole table first (and the boundary file, when given) and writes nothing unless
every line passes; loading twice changes nothing. Former units are valid until 30 June 2025; each
points at its successors: ``successor`` the first, ``successors`` all of them (a ward split in 2025
has two or three).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from gisportal.errors import InvalidInput
from gisportal.text import nfc
from layers.models import AdminUnit
from layers.units.units2025_table import Row, Table, bare

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
REFERENCE_FILE = REFERENCE_DIR / "hcmc_units_2025.csv"
COLUMNS = ("period", "level", "code", "name", "kind", "area_km2", "parent", "former_districts", "province")
MERGER_DAY = dt.date(2025, 7, 1)
LAST_OLD_DAY = dt.date(2025, 6, 30)
# Our sources do not date the pre-2025 units; the day the city took its name, as the demo ward uses.
FORMER_FROM = dt.date(1976, 5, 20)
EMPTY = "SRID=4326;MULTIPOLYGON EMPTY"
_CODE = re.compile(r"^[0-9]{2,5}$|^[0-9]{2}-[0-9a-f]{8}$")
_BRACKET = re.compile(r"^(.*?)\s*\(([^)]*)\)\s*$")


class UnitsRefused(InvalidInput):
    """The table or boundary file has problems; nothing was written."""


@dataclass
class LoadReport:
    units: list[dict] = field(default_factory=list)  # one per today's unit: code, name, predecessors, boundary
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"counts": dict(self.counts), "units": self.units, "notes": self.notes}


def read_table(path: Path | str) -> tuple[list[Row], list[dict]]:
    """Rows of the file and the problems of their form (columns, values), each with its line."""
    problems: list[dict] = []
    rows: list[Row] = []
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in (*COLUMNS, "predecessors") if c not in (reader.fieldnames or [])]
        if missing:
            return [], [_problem(1, f"thiếu cột {', '.join(missing)}", f"missing column(s) {', '.join(missing)}")]
        for line, raw in enumerate(reader, start=2):
            values = {k: nfc(raw.get(k) or "") for k in (*COLUMNS, "predecessors")}
            period, level, code = values["period"], values["level"], values["code"]
            if period not in ("current", "former") or level not in ("ward", "district"):
                problems.append(_problem(line, f"period/level không hợp lệ: {period}/{level}", "bad period/level"))
                continue
            if not _CODE.match(code):
                problems.append(_problem(line, f"mã '{code}' không hợp lệ", f"invalid code {code!r}"))
                continue
            if values["kind"] not in AdminUnit.Kind.values or not values["name"]:
                problems.append(_problem(line, f"loại '{values['kind']}' hoặc tên trống", "bad kind or empty name"))
                continue
            try:
                area = float(values["area_km2"]) if values["area_km2"] else None
            except ValueError:
                problems.append(_problem(line, f"diện tích '{values['area_km2']}'", "area is not a number"))
                continue
            tokens = [t.strip() for t in re.split(r"[;]", values["predecessors"]) if t.strip()]
            rows.append(
                Row(
                    line,
                    period,
                    level,
                    code,
                    values["name"],
                    values["kind"],
                    area,
                    values["parent"],
                    values["former_districts"],
                    values["province"],
                    tokens,
                )
            )
    return rows, problems


def _file_problem(path: Path | str, exc: Exception) -> dict:
    name = Path(path).name
    return {
        "line": 0,
        "message": f"Không đọc được tệp ranh giới {name}: {exc}.",
        "message_en": f"Cannot read the boundary file {name}: {exc}.",
    }


def _problem(line: int, vi: str, en: str) -> dict:
    return {"line": line, "message": f"Dòng {line}: {vi}.", "message_en": f"Line {line}: {en}."}


def check(rows: list[Row]) -> tuple[Table, list[dict]]:
    """Duplicates, parents, and every predecessor resolved to exactly one former ward."""
    problems: list[dict] = []
    seen: dict[tuple[str, str, str], int] = {}
    for row in rows:
        key = (row.period, row.level, row.code)
        if key in seen:
            problems.append(
                _problem(
                    row.line, f"mã {row.code} trùng với dòng {seen[key]}", f"code {row.code} repeats line {seen[key]}"
                )
            )
        else:
            seen[key] = row.line
    districts = {r.code: r for r in rows if r.period == "former" and r.level == "district"}
    wards = {r.code: r for r in rows if r.period == "former" and r.level == "ward"}
    current = [r for r in rows if r.period == "current"]
    for row in wards.values():
        if row.parent and row.parent not in districts:
            problems.append(
                _problem(row.line, f"không có quận/huyện cũ mã {row.parent}", f"no former district {row.parent}")
            )
    by_name: dict[str, list[Row]] = defaultdict(list)
    for row in wards.values():
        by_name[bare(row.name)].append(row)
    successors: dict[str, list[str]] = defaultdict(list)
    for row in current:
        resolved: list[str] = []
        for token in row.predecessors:
            code, problem = _resolve_token(token, wards, districts, by_name)
            if problem:
                problems.append(_problem(row.line, *problem))
            elif code is not None and code not in resolved:  # no problem: a code
                resolved.append(code)
                successors[code].append(row.code)
        row.predecessors = resolved
    return Table(current, wards, districts, dict(successors)), problems


def _resolve_token(token: str, wards: dict, districts: dict, by_name: dict) -> tuple[str | None, tuple | None]:
    if _CODE.match(token):
        if token in wards:
            return token, None
        return None, (f"tiền thân mã {token} không có trong bảng", f"predecessor code {token} exists nowhere")
    m = _BRACKET.match(token)
    name, district = (m[1], m[2]) if m else (token, None)
    found = by_name.get(bare(name), [])
    if district:
        key = bare(district)
        found = [w for w in found if w.parent in districts and bare(districts[w.parent].name) == key]
    if not found:
        return None, (f"tiền thân '{token}' không có trong bảng", f"predecessor {token!r} exists nowhere")
    if len(found) > 1:
        where = ", ".join(sorted(districts[w.parent].name if w.parent in districts else "?" for w in found))
        return None, (
            f"tên '{token}' trùng {len(found)} đơn vị ({where}): ghi kèm quận/huyện cũ",
            f"name {token!r} matches {len(found)} units ({where}): add the former district",
        )
    return found[0].code, None


def load(
    table_path: Path | str = REFERENCE_FILE, boundaries: Path | str | None = None, *, dry_run: bool = False
) -> LoadReport:
    """Check everything, then upsert every unit in one transaction; raise UnitsRefused listing all problems."""
    rows, problems = read_table(table_path)
    table, more = check(rows)
    problems += more
    shapes = None
    if boundaries is not None and not problems:
        from layers.units.units2025_boundaries import dissolve  # geopandas: only when boundaries are given

        try:
            shapes, more = dissolve(boundaries, table)
        except (OSError, RuntimeError, ValueError) as exc:  # missing, or not a file GDAL reads (pyogrio's errors)
            shapes, more = None, [_file_problem(boundaries, exc)]
        problems += more
    if problems:
        raise UnitsRefused(
            f"Bảng đơn vị có {len(problems)} lỗi; chưa nạp gì.",
            f"The unit table has {len(problems)} problem(s); nothing was loaded.",
            {"problems": problems},
            code="units_refused",
        )
    report = LoadReport(notes=list(shapes.notes) if shapes else [])
    with transaction.atomic():
        _write(table, shapes, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


class _Existing:
    """The units the table may touch, read in three queries: a reload that changes nothing (seed_demo runs it on
    every `make run`) then costs a few hundred milliseconds instead of a query per unit."""

    def __init__(self) -> None:
        units = AdminUnit.objects.filter(
            level__in=("city", "district", "ward"), valid_from__in=(MERGER_DAY, FORMER_FROM)
        )
        self.units = {(u.level, u.code, u.valid_from): u for u in units}
        self.own_boundary = set(
            AdminUnit.objects.filter(
                level=AdminUnit.Level.WARD, valid_from=MERGER_DAY, children__level=AdminUnit.Level.KHU_PHO
            ).values_list("code", flat=True)
        )
        self.successors: dict[int, set[int]] = defaultdict(set)
        through = AdminUnit.successors.through
        for src, dst in through.objects.values_list("from_adminunit_id", "to_adminunit_id"):
            self.successors[src].add(dst)


def _upsert(
    existing: _Existing, level: str, code: str, valid_from: dt.date, values: dict, report: LoadReport
) -> AdminUnit:
    unit = existing.units.get((level, code, valid_from))
    if unit is None:
        unit = AdminUnit(level=level, code=code, valid_from=valid_from, boundary=EMPTY)  # type: ignore[misc]  # EWKT
        report.counts[f"{level} created"] += 1
    changed = [k for k, v in values.items() if not _same(unit, k, v)]
    if changed or unit.pk is None:
        for key in changed:
            setattr(unit, key, values[key])
        if unit.pk is not None:
            unit.version += 1
            report.counts[f"{level} updated"] += 1
        unit.save()
        existing.units[(level, code, valid_from)] = unit
    return unit


def _same(unit: AdminUnit, key: str, value) -> bool:
    """Compare a related unit by id: reading `unit.parent` would cost a query per unit."""
    if key in ("parent", "successor"):
        return getattr(unit, f"{key}_id") == (value.pk if value is not None else None)
    return getattr(unit, key) == value


def _write(table: Table, shapes, report: LoadReport) -> None:
    existing = _Existing()
    # Today's city, whichever day it was recorded from (the demo and older loads used the merger day too).
    city = AdminUnit.objects.filter(level=AdminUnit.Level.CITY, code="79", valid_to__isnull=True).first()
    if city is None:
        city = _upsert(
            existing, "city", "79", MERGER_DAY, {"kind": "thanh_pho", "name": "Thành phố Hồ Chí Minh"}, report
        )
    old = {"valid_to": LAST_OLD_DAY}
    districts = {
        code: _upsert(existing, "district", code, FORMER_FROM, {"kind": r.kind, "name": r.name} | old, report)
        for code, r in table.former_districts.items()
    }
    today: dict[str, AdminUnit] = {}
    for row in table.current:
        values: dict[str, Any] = {
            "kind": row.kind,
            "name": row.name,
            "parent": city,
            "area_km2": row.area_km2,
            "valid_to": None,
        }
        # A ward that drew its own khu phố inside its boundary keeps it: a dissolved one would cut them.
        kept = row.code in existing.own_boundary
        if shapes is not None and row.code in shapes.boundaries and not kept:
            values["boundary"] = GEOSGeometry(shapes.boundaries[row.code].wkt, srid=4326)
            values["approximate"] = row.code in shapes.approximate
        unit = _upsert(existing, "ward", row.code, MERGER_DAY, values, report)
        today[row.code] = unit
        boundary = "none" if unit.boundary.empty else ("approximate" if unit.approximate else "dissolved")
        boundary = "kept (the ward's own, with its khu phố)" if kept else boundary
        report.counts[f"boundary {boundary}"] += 1
        report.units.append(
            {"code": row.code, "name": row.name, "predecessors": len(row.predecessors), "boundary": boundary}
        )
    for code, row in table.former_wards.items():
        succ = [today[c] for c in table.successors.get(code, [])]
        values = {"kind": row.kind, "name": row.name, "parent": districts.get(row.parent)} | old
        values["successor"] = succ[0] if succ else None
        unit = _upsert(existing, "ward", code, FORMER_FROM, values, report)
        if existing.successors.get(unit.pk, set()) != {s.pk for s in succ}:
            unit.successors.set(succ)
        if len(succ) > 1:
            report.counts["split predecessors"] += 1
    report.counts["current units"] = len(today)
    report.counts["former wards"] = len(table.former_wards)
    report.counts["former districts"] = len(districts)


# Resolution 1685/NQ-UBTVQH15: 113 phường, 54 xã and the Côn Đảo special zone.
EXPECTED_KINDS = {"phuong": 113, "xa": 54, "dac_khu": 1}


def check_reference(path: Path | str = REFERENCE_FILE) -> list[str]:
    """What is wrong with a reference table: its lines' problems, and counts other than the resolution's."""
    rows, problems = read_table(path)
    table, more = check(rows)
    messages = [p["message_en"] for p in problems + more]
    kinds = Counter(r.kind for r in table.current)
    if dict(kinds) != EXPECTED_KINDS:
        messages.append(f"today's units by type {dict(kinds)}, the resolution has {EXPECTED_KINDS}")
    missing = [r.code for r in table.current if not r.predecessors]
    messages += [f"unit {code} has no predecessor" for code in missing]
    return messages
