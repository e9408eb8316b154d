"""Reading the sync files: CSV or XLSX (or JSON rows) into rows keyed by the portal's field names.

The file is read by gisportal/tabular.py; this module holds the sync's column rules. Headers are
matched in English or Vietnamese, with or without accents ('Số GCN', 'so_gcn'). A file is refused
whole, before any row is checked, when it cannot be read safely: over the size limit, neither UTF-8
nor UTF-16, an .xlsx that is a zip bomb or holds formulas or macros (gisportal/uploads.py), or a
header that misses a required column or holds an unknown one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from businesses.models import Industry
from gisportal import tabular
from gisportal.errors import InvalidInput
from gisportal.tabular import is_blank
from gisportal.uploads import check_upload_size, stream_size

DEFAULT_VSIC = Industry.Version.VSIC2018
MAX_ROWS = 200_000
# MAX_ROWS rows of sheet XML inflate to ~170 MB (50,000 rows: 43 MB); far more is no sync file.
XLSX_MAX_UNCOMPRESSED = 512 * 2**20


@dataclass(frozen=True)
class Column:
    """A field of the sync file: its Vietnamese header (used in messages) and the headers accepted."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None


COLUMNS = [
    Column(
        "registration_no", "Số GCN", ("registration number", "so giay chung nhan", "so dang ky", "so dkkd"), True, 30
    ),
    Column("signboard", "Tên biển hiệu", ("ten ho kinh doanh", "bien hieu"), True, 200),
    Column("owner_name", "Chủ hộ", ("ho ten chu ho", "chu ho kinh doanh"), True, 120),
    Column("owner_phone", "Điện thoại", ("so dien thoai", "sdt"), max_length=20),
    Column("industry_code", "Mã ngành", ("ma nganh chinh", "nganh chinh"), True),
    Column("industry_version", "Phiên bản VSIC", ("vsic", "phien ban")),
    Column("other_industry_codes", "Mã ngành khác", ("nganh khac",)),
    Column("address_legacy", "Địa chỉ cũ", ("dia chi dang ky",), max_length=300),
    Column("address_current", "Địa chỉ", ("dia chi moi", "dia chi hien tai"), True, 300),
    Column("khu_pho", "Khu phố", ("ap",)),
    Column("street_block", "Ô phố", (), max_length=30),
    Column("status", "Trạng thái", ()),
    Column("registered_on", "Ngày đăng ký", ("ngay cap",), True),
    Column("status_changed_on", "Ngày đổi trạng thái", ("ngay thay doi trang thai",)),
    Column("licences", "Giấy phép", ("licenses", "giay phep con")),
    # Without coordinates the address is geocoded against the house numbers (households/geocode.py).
    Column("lat", "Vĩ độ", ("latitude",)),
    Column("lon", "Kinh độ", ("lng", "long", "longitude")),
]
BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = [c.name for c in COLUMNS if c.required]
IGNORED = {"stt", "ghi chu", "note", "notes"}  # row counters and remarks that spreadsheets carry
# The sync's checks (businesses/sync.py) fold cell values and refuse an empty file as the reader does.
folded_key = tabular.header_key
empty_file_error = tabular.empty_file
ALIASES = tabular.alias_table({c.name: (c.label, *c.aliases) for c in COLUMNS})

# --- reading -------------------------------------------------------------------------------------


def read_rows(source: str | Path | IO[bytes], name: str | None = None) -> list[dict]:
    """Rows of a CSV (UTF-8, `,` `;` or tab) or XLSX file, keyed by field name, each with its `_row` number.

    Checks the header (every required column, no unknown one) before reading a row.
    """
    if isinstance(source, str | Path):
        with open(source, "rb") as f:
            return read_rows(f, name or Path(source).name)
    name = name or str(getattr(source, "name", ""))
    check_upload_size(stream_size(source))
    ext = Path(name).suffix.lower()
    if ext in (".csv", ".xlsx"):
        return _read(source, ext[1:])
    raise InvalidInput(
        f"Chỉ nhận tệp .csv hoặc .xlsx (tệp gửi lên: '{name}'). Tệp .xls cũ hãy lưu lại thành .xlsx.",
        f"Only .csv or .xlsx files are accepted (got {name!r}). Save an old .xls as .xlsx.",
        {"file_name": name},
        code="unsupported_format",
    )


def normalise_rows(raw: Any) -> list[dict]:
    """JSON rows (a list of objects, keys as in a file header) → rows as `read_rows` returns them."""
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise InvalidInput(
            "`rows` phải là một danh sách các đối tượng.", "`rows` must be a list of objects.", code="bad_rows"
        )
    if len(raw) > MAX_ROWS:
        raise tabular.too_many_rows(MAX_ROWS)
    keys = list(dict.fromkeys(str(k) for r in raw for k in r))
    columns = _map_header(keys)
    rows = []
    for i, r in enumerate(raw, start=1):
        rows.append(_row(columns, [r.get(k) for k in keys], i))
    return rows


def _map_header(header: Iterable[Any]) -> list[str | None]:
    """Field name per column ('' for an ignored column, None for one with no header); one error for all problems."""
    head = tabular.map_header(header, ALIASES, IGNORED)
    # A column without a header is None (a value under it is an error), an ignored or unknown one ''.
    columns = [None if not key else name or "" for key, name in zip(head.keys, head.fields, strict=True)]
    unknown, duplicate = head.unknown, head.duplicate
    missing = [BY_NAME[n] for n in REQUIRED if n not in columns]
    if unknown or missing or duplicate:
        parts_vi, parts_en = [], []
        if missing:
            parts_vi.append("thiếu cột " + ", ".join(f"{c.label} ({c.name})" for c in missing))
            parts_en.append("missing columns " + ", ".join(c.name for c in missing))
        if unknown:
            parts_vi.append("cột không rõ " + ", ".join(repr(u) for u in unknown))
            parts_en.append("unknown columns " + ", ".join(repr(u) for u in unknown))
        if duplicate:
            parts_vi.append("cột lặp " + ", ".join(repr(d) for d in duplicate))
            parts_en.append("duplicate columns " + ", ".join(repr(d) for d in duplicate))
        raise InvalidInput(
            "Dòng tiêu đề không hợp lệ: " + "; ".join(parts_vi) + ".",
            "Bad header row: " + "; ".join(parts_en) + ".",
            {
                "missing_columns": [c.name for c in missing],
                "unknown_columns": unknown,
                "duplicate_columns": duplicate,
                "accepted_columns": {c.name: [c.label, *c.aliases] for c in COLUMNS},
            },
            code="bad_header",
        )
    return columns


def _row(columns: list[str | None], cells: Iterable[Any], row_no: int) -> dict:
    """One row keyed by field; values under no header are counted in `_extra` (and rejected later)."""
    row: dict[str, Any] = {name: None for name in columns if name}
    extra = 0
    for col, value in itertools.zip_longest(columns, cells):
        if col:
            row[col] = value
        elif col is None and not is_blank(value):
            extra += 1
    row["_row"] = row_no
    if extra:
        row["_extra"] = extra
    return row


def _read(f: IO[bytes], fmt: str) -> list[dict]:
    """Rows of a CSV or of the first sheet of an XLSX; the first non-blank row is the header."""
    with tabular.read_sheet(f, fmt, max_rows=MAX_ROWS, max_uncompressed=XLSX_MAX_UNCOMPRESSED) as sheet:
        columns = _map_header(sheet.header)
        return [_row(columns, cells, row_no) for row_no, cells in sheet]
