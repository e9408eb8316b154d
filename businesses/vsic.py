"""VSIC, the Vietnamese classification of economic activities: both versions, all five levels.

- VSIC 2018: Decision 27/2018/QĐ-TTg (in force until 14 November 2025).
- VSIC 2025: Decision 36/2025/QĐ-TTg (in force since 15 November 2025).

The two versions reuse codes with different meanings (4711, 9620, …), so a code is only meaningful
with its version: the Industry table is keyed by (version, code). The official tables ship as
`businesses/reference/vsic2018.csv` and `vsic2025.csv` (where they come from and what was checked:
`businesses/reference/SOURCE.md`). `ensure_reference()` loads them; `import_table()` (behind
`manage.py import_industries`) loads a table a ward downloads, all or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
FILES = {"VSIC2018": "vsic2018.csv", "VSIC2025": "vsic2025.csv"}
COLUMNS = ["code", "level", "name", "name_en", "section", "parent"]

# What the shipped tables hold, per level. VSIC 2025 equals the totals of Decision 36/2025. For VSIC 2018
# Article 1 of Decision 27/2018 states 486 level-4 codes, but the decision's own table has 464: every one of the
# 734 level-5 codes sits under one of those 464 (see SOURCE.md), so no level-4 code can be missing.
LEVEL_COUNTS = {
    "VSIC2018": {1: 21, 2: 88, 3: 242, 4: 464, 5: 734},
    "VSIC2025": {1: 22, 2: 87, 3: 259, 4: 495, 5: 743},
}


@dataclass(frozen=True)
class Row:
    code: str
    level: int
    name: str
    name_en: str
    section: str
    parent: str


def clean_text(value: object) -> str:
    """NFC and single spaces: the official files mix composed and decomposed Vietnamese and double spaces."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(value))).strip()


def level_of(code: str) -> int | None:
    """1 for a section letter, else the number of digits (2–5); None when the code has neither shape."""
    if re.fullmatch(r"[A-Z]", code):
        return 1
    if re.fullmatch(r"\d{2,5}", code):
        return len(code)
    return None


@cache
def table(version: str) -> tuple[Row, ...]:
    """The shipped official table of one version, in the decision's order."""
    with open(REFERENCE_DIR / FILES[version], encoding="utf-8", newline="") as fh:
        return tuple(
            Row(r["code"], int(r["level"]), r["name"], r["name_en"], r["section"], r["parent"])
            for r in csv.DictReader(fh)
        )


@cache
def division_sections(version: str) -> dict[str, str]:
    """Division (first two digits) → section letter, e.g. '56' → 'I'. Sections are ranges of divisions."""
    return {row.code: row.section for row in table(version) if row.level == 2}


def section_of(code: str, version: str = "VSIC2018") -> str | None:
    """The level-1 section of a code: the section whose division range holds its first two digits."""
    if level_of(code) == 1:
        return code
    return division_sections(version).get(code[:2])


def parent_of(code: str, version: str = "VSIC2018") -> str | None:
    """The code one level up: the section for a division, else the code without its last digit."""
    level = level_of(code)
    if level is None or level == 1:
        return None
    return section_of(code, version) if level == 2 else code[:-1]


# The names the rest of the portal has used since the first reference set.
SECTIONS_2018 = {row.code: row.name for row in table("VSIC2018") if row.level == 1}
CODES_2018 = [(row.code, row.section, row.name) for row in table("VSIC2018") if row.level == 4]


def reference_rows(version: str | None = None) -> list[dict]:
    """Rows for the Industry table: the official tables (one version or both) and the legacy rows."""
    versions = [version] if version else list(FILES)
    rows = [
        {
            "version": v,
            "code": row.code,
            "level": row.level,
            "name": row.name,
            "name_en": row.name_en,
            "section": row.section,
        }
        for v in versions
        for row in table(v)
    ]
    return rows


def ensure_reference(industry_model=None, *, update: bool = False) -> int:
    """Insert the reference rows that are missing (fresh or flushed database). Returns how many were inserted.

    With `update`, rows that exist get the official name, level and section back (the migration does this once);
    without it a ward's own imported names stay as they are. An English name is only written, never blanked.
    """
    if industry_model is None:
        from businesses.models import Industry as industry_model
    if not update:
        # Test factories call this for every row they make; reading 3,000 keys each time cost 11 ms. When the count
        # is exactly the reference's, the rows are there (only a flush or a test deletes them, and both lower it).
        expected = sum(len(table(v)) for v in FILES)
        if industry_model.objects.filter(version__in=list(FILES)).count() == expected:
            return 0
    rows = reference_rows()
    if not update:
        have = set(industry_model.objects.values_list("version", "code"))
        missing = [industry_model(**row) for row in rows if (row["version"], row["code"]) not in have]
        industry_model.objects.bulk_create(missing, batch_size=1000)
        return len(missing)
    existing = {(i.version, i.code): i for i in industry_model.objects.all()}
    missing = [industry_model(**row) for row in rows if (row["version"], row["code"]) not in existing]
    industry_model.objects.bulk_create(missing, batch_size=1000)
    changed = []
    for row in rows:
        current = existing.get((row["version"], row["code"]))
        if current is None:
            continue
        wanted = {k: row[k] for k in ("name", "level", "section")}
        if row["name_en"]:
            wanted["name_en"] = row["name_en"]
        if any(getattr(current, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(current, k, v)
            changed.append(current)
    industry_model.objects.bulk_update(changed, ["name", "name_en", "level", "section"], batch_size=1000)
    return len(missing)


# --- Importing a table a ward downloads -------------------------------------------------------------------------

# Header aliases, compared after lower-casing and stripping accents: the official tables are Vietnamese.
_HEADERS = {
    "code": {"code", "ma", "ma nganh", "ma so", "ma vsic"},
    "name": {"name", "ten", "ten nganh", "ten nganh kinh te"},
    "name_en": {"name_en", "name en", "english", "ten tieng anh"},
    "level": {"level", "cap"},
    "parent": {"parent", "ma cha", "nganh cha"},
    "section": {"section", "nganh cap 1"},
}
# The decision's own layout: one column per level (Cấp 1 … Cấp 5), the code in the column of its level.
_LEVEL_COLUMNS = {f"cap {n}": n for n in range(1, 6)} | {f"cap{n}": n for n in range(1, 6)}


@dataclass
class BadRow:
    row: int
    code: str
    reason: str
    reason_en: str


@dataclass
class ImportReport:
    version: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[BadRow] = field(default_factory=list)


class ImportRejected(Exception):
    """The file has bad rows; nothing was written. `report.errors` says which and why."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} bad row(s)")
        self.report = report


def _plain(text: str) -> str:
    """Header key: lower case, no accents, đ → d, single spaces."""
    text = unicodedata.normalize("NFD", clean_text(text).lower().replace("đ", "d"))
    return re.sub(r"\s+", " ", "".join(ch for ch in text if unicodedata.category(ch) != "Mn")).strip(" :.")


def _cell(value: object, digits: int | None = None) -> str:
    """A cell as text. Spreadsheets turn 0111 into the number 111: pad it back when the level is known."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = clean_text(value)
    if digits and isinstance(value, int) and len(text) < digits:
        text = text.zfill(digits)
    return text


def _grid(path: Path) -> list[list[object]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    text = path.read_bytes().decode("utf-8-sig")
    first = next((line for line in text.splitlines() if line.strip()), "")
    # Excel in a Vietnamese locale saves CSV with ';'; names hold commas, so count on the header line only.
    delimiter = max([",", ";", "\t"], key=first.count)
    return [list[object](row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _header(grid: list[list[object]]) -> tuple[int, dict[int, str]]:
    """(row index, column → canonical name) of the first row naming a code column and a name column: the official
    files open with a title or two."""
    for index, cells in enumerate(grid):
        mapping: dict[int, str] = {}
        for col, cell in enumerate(cells):
            key = _plain(str(cell)) if cell is not None else ""
            if key in _LEVEL_COLUMNS:
                mapping[col] = f"level{_LEVEL_COLUMNS[key]}"
                continue
            for canonical, aliases in _HEADERS.items():
                if key in aliases and canonical not in mapping.values():
                    mapping[col] = canonical
        names = set(mapping.values())
        if "name" in names and ("code" in names or any(n[-1].isdigit() for n in names)):
            return index, mapping
    raise ValueError(
        "Không thấy dòng tiêu đề có cột mã (code / mã ngành / Cấp 1…5) và cột tên (name / tên ngành). / "
        "No header row with a code column (code / mã ngành / Cấp 1…5) and a name column (name / tên ngành)."
    )


def read_file(path: Path) -> list[tuple[int, dict[str, object]]]:
    """(spreadsheet row number, raw cells by canonical column) for each non-empty row of a .csv or .xlsx file."""
    grid = _grid(path)
    index, mapping = _header(grid)
    rows = []
    for number, cells in enumerate(grid[index + 1 :], start=index + 2):
        record = {canonical: cells[col] if col < len(cells) else None for col, canonical in mapping.items()}
        if any(clean_text(v) for v in record.values()):
            rows.append((number, record))
    return rows


def _code_of(record: dict[str, object]) -> tuple[str, int | None]:
    """(code, level the file states or None; -1 when several level columns are filled).

    In the decision's layout (Cấp 1 … Cấp 5) the column of the code is its level."""
    by_level = [(n, _cell(record.get(f"level{n}"), n)) for n in range(1, 6) if clean_text(record.get(f"level{n}"))]
    if len(by_level) > 1:
        return ",".join(code for _, code in by_level), -1
    if by_level:
        return by_level[0][1].upper(), by_level[0][0]
    stated = clean_text(record.get("level"))
    level = int(stated) if stated.isdigit() else None
    return _cell(record.get("code"), level if level and level > 1 else None).upper(), level


def validate(
    records: Iterable[tuple[int, dict[str, object]]], version: str, known: dict[str, str]
) -> tuple[list[Row], list[BadRow]]:
    """Check rows against the shape of the classification: (good rows, bad rows).

    `known` maps the codes already stored for this version to their sections; they count as parents, so a ward
    can load level 5 alone once the upper levels are in."""
    errors: list[BadRow] = []
    candidates: list[tuple[int, dict[str, object], str, int, str]] = []
    seen: dict[str, int] = {}
    last_section = ""
    for number, record in records:
        code, stated = _code_of(record)
        level = level_of(code)
        if not code:
            errors.append(BadRow(number, "", "thiếu mã ngành.", "missing code."))
        elif stated == -1:
            errors.append(BadRow(number, code, "có mã ở nhiều cột cấp.", "codes in more than one level column."))
        elif level is None:
            errors.append(
                BadRow(
                    number, code, "mã là một chữ cái (cấp 1) hoặc 2–5 chữ số.", "one letter (level 1) or 2–5 digits."
                )
            )
        elif stated is not None and stated != level:
            errors.append(
                BadRow(
                    number,
                    code,
                    f"cấp {stated} không khớp độ dài mã ({len(code)} ký tự là cấp {level}).",
                    f"level {stated} does not match the code's length ({len(code)} characters is level {level}).",
                )
            )
        elif code in seen:
            errors.append(
                BadRow(
                    number, code, f"trùng mã, đã có ở dòng {seen[code]}.", f"duplicate, already on row {seen[code]}."
                )
            )
        elif not clean_text(record.get("name")):
            seen[code] = number
            errors.append(BadRow(number, code, "thiếu tên ngành.", "missing name."))
        else:
            seen[code] = number
            if level == 1:
                last_section = code
            # The section a division sits under in the decision's layout: the last section row above it.
            candidates.append((number, record, code, level, last_section))

    # Parents may come after their children (a file sorted by code puts the letters last): check on a second pass.
    def division_section(record: dict[str, object], code: str, section_above: str) -> str:
        stated = clean_text(record.get("parent") or "").upper() or clean_text(record.get("section") or "").upper()
        return stated or section_of(code, version) or section_above

    in_file = {code: (record, above) for _, record, code, level, above in candidates if level == 2}
    good: list[Row] = []
    for number, record, code, level, above in candidates:
        if level == 1:
            parent = section = code
        elif level == 2:
            parent = section = division_section(record, code, above)
            if level_of(parent) != 1:
                reason = f"ngành cấp 1 {parent!r} phải là một chữ cái." if parent else "không rõ thuộc ngành cấp 1 nào."
                reason_en = f"section {parent!r} must be one letter." if parent else "no section for this division."
                errors.append(BadRow(number, code, reason, reason_en))
                continue
        else:
            parent = code[:-1]
            stated_parent = clean_text(record.get("parent") or "").upper()
            if stated_parent and stated_parent != parent:
                errors.append(
                    BadRow(number, code, f"mã cha {stated_parent} phải là {parent}.", f"parent must be {parent}.")
                )
                continue
            division = code[:2]
            section = (
                division_section(in_file[division][0], division, in_file[division][1])
                if division in in_file
                else known.get(division) or section_of(code, version) or ""
            )
        if level > 1 and parent not in seen and parent not in known:
            errors.append(
                BadRow(
                    number,
                    code,
                    f"không có ngành cha {parent or '(cấp 1)'} trong tệp hay trong {version}.",
                    f"parent {parent or '(section)'} is neither in the file nor in {version}.",
                )
            )
            continue
        good.append(
            Row(code, level, clean_text(record.get("name")), clean_text(record.get("name_en")), section, parent)
        )
    errors.sort(key=lambda e: e.row)
    return good, errors


def import_table(path: Path | str, version: str, *, dry_run: bool = False) -> ImportReport:
    """Load a VSIC table from a .csv or .xlsx file, all or nothing: new codes are created, changed names updated.

    Raises ImportRejected (writing nothing) when any row is bad, ValueError when the file has no usable header.
    """
    from django.db import transaction

    from businesses.models import Industry

    if version not in FILES:
        raise ValueError(f"Phiên bản không hợp lệ / unknown version {version!r}: {', '.join(FILES)}")
    report = ImportReport(version)
    records = read_file(Path(path))
    with transaction.atomic():
        existing = {i.code: i for i in Industry.objects.select_for_update().filter(version=version)}
        good, report.errors = validate(records, version, {code: i.section for code, i in existing.items()})
        if report.errors:
            raise ImportRejected(report)
        new, changed = [], []
        for row in good:
            current = existing.get(row.code)
            if current is None:
                new.append(
                    Industry(
                        version=version,
                        code=row.code,
                        level=row.level,
                        name=row.name,
                        name_en=row.name_en,
                        section=row.section,
                    )
                )
                continue
            wanted = {"name": row.name, "level": row.level, "section": row.section}
            if row.name_en:
                wanted["name_en"] = row.name_en
            if any(getattr(current, k) != v for k, v in wanted.items()):
                for k, v in wanted.items():
                    setattr(current, k, v)
                changed.append(current)
            else:
                report.unchanged += 1
        report.created, report.updated = len(new), len(changed)
        if not dry_run:
            Industry.objects.bulk_create(new, batch_size=1000)
            Industry.objects.bulk_update(changed, ["name", "name_en", "level", "section"], batch_size=1000)
    return report
