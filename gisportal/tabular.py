"""Reading tabular and zipped uploads, one implementation for every importer that takes a file.

Business syncs (`businesses/sync_files.py`), house-number imports (`households/house_files.py`) and
GIS layer imports (`layers/gisfiles.py`) read a CSV or an XLSX here, and unpack the members of a zip
that matter; each importer keeps only its own column rules (which columns, which aliases, what a row
must hold). The safety checks stay in `gisportal/uploads.py`: size, zip bomb and paths outside the
zip (judged from the central directory before anything inflates), XLSX macros.

- Encoding: UTF-8 with or without a BOM, and UTF-16 (Excel's "Unicode Text", with a BOM or found by
  its NUL bytes). Anything else is refused (`bad_encoding`) with the way to save the file from Excel:
  a Windows-1258 or CP1252 file decodes without error into wrong letters, so guessing it would import
  misspelled names without a word to the officer.
- CSV delimiter: the one of `,` `;` tab the header line holds most (Vietnamese Excel saves with `;`,
  the comma being its decimal mark).
- XLSX: the first sheet through openpyxl, read-only, values only (a formula refuses the file).
- Rows: blank rows are skipped wherever they stand; the first non-blank row is the header; a row's
  number is its line in the CSV (where it starts) or its row in the sheet, as the officer sees it.
- Headers: folded ('Số nhà', 'so_nha', 'SO NHA' → 'so nha') and mapped through the importer's alias
  table to its field names.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import shutil
import zipfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from gisportal.errors import InvalidInput
from gisportal.text import fold
from gisportal.uploads import ZIP_MAX_UNCOMPRESSED, Source, check_xlsx, check_zip, not_xlsx

DELIMITERS = ",;\t"
_HEAD_BYTES = 4096  # enough of the file to tell UTF-16 without a BOM from UTF-8

# --- errors --------------------------------------------------------------------------------------


def empty_file() -> InvalidInput:
    return InvalidInput("Tệp không có dữ liệu.", "The file has no data.", code="empty_file")


def too_many_rows(max_rows: int) -> InvalidInput:
    return InvalidInput(
        f"Quá nhiều dòng (tối đa {max_rows:,}); hãy chia tệp.",
        f"Too many rows (at most {max_rows:,}); split the file.",
        code="too_many_rows",
    )


def bad_encoding(position: int | None = None) -> InvalidInput:
    return InvalidInput(
        "Tệp CSV không phải UTF-8. Trong Excel chọn 'CSV UTF-8' khi lưu.",
        "The CSV file is not UTF-8. In Excel, save as 'CSV UTF-8'.",
        None if position is None else {"position": position},
        code="bad_encoding",
    )


# --- headers -------------------------------------------------------------------------------------


def _folded_key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def header_key(header: Any) -> str:
    """A header's comparable form: 'Số GCN', 'so_gcn' and 'SO GCN' → 'so gcn'; None → ''."""
    return _folded_key("" if header is None else str(header))


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def alias_table(columns: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Folded alias → field, from field → the headers accepted for it (the field's own name among them)."""
    return {header_key(alias): name for name, aliases in columns.items() for alias in (name, *aliases)}


@dataclass(frozen=True)
class Header:
    """A header row read against an alias table."""

    cells: list[Any]
    keys: list[str]  # folded, '' for a column without a header
    fields: list[str | None]  # the field of each column; None: no header, ignored, unknown or a repeat
    unknown: list[str] = field(default_factory=list)  # headers neither an alias nor ignored
    duplicate: list[str] = field(default_factory=list)  # headers naming a field an earlier column took

    def index(self, name: str) -> int | None:
        """The column of a field, None when the header lacks it."""
        return self.fields.index(name) if name in self.fields else None


def map_header(cells: Iterable[Any], aliases: Mapping[str, str], ignored: Collection[str] = ()) -> Header:
    """Each column's field through `aliases` (folded alias → field, see `alias_table`); `ignored` are folded keys."""
    cells = list(cells)
    keys = [header_key(c) for c in cells]
    fields: list[str | None] = []
    unknown, duplicate = [], []
    for cell, key in zip(cells, keys, strict=True):
        name = aliases.get(key)
        if name is not None and name in fields:
            duplicate.append(str(cell).strip())
            name = None
        elif name is None and key and key not in ignored:
            unknown.append(str(cell).strip())
        fields.append(name)
    return Header(cells, keys, fields, unknown, duplicate)


# --- encodings -----------------------------------------------------------------------------------


def detect_encoding(head: bytes) -> str:
    """The codec for a text file from its first bytes: UTF-16 by its BOM or its NULs, else UTF-8 (BOM or not)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # the codec reads the BOM and the byte order from it
    if b"\x00" in head:
        # Text in a Latin script saved as UTF-16 without a BOM: every other byte is NUL.
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even < odd // 4:
            return "utf-16-le"
        if even > len(head) // 4 and odd < even // 4:
            return "utf-16-be"
    return "utf-8-sig"


def sniff_delimiter(line: str) -> str:
    """The one of `,` `;` tab the header line holds most (`,` when it holds none)."""
    return max(DELIMITERS, key=line.count)


# --- XLSX ----------------------------------------------------------------------------------------

_XLSX_ERRORS = (
    zipfile.BadZipFile,
    InvalidFileException,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    OSError,
    ParseError,
)


def _value(cell: Any) -> Any:
    if cell.data_type == "f":
        # A formula's value is whatever Excel last computed, or nothing: never data to import.
        raise InvalidInput(
            f"Ô {cell.coordinate} chứa công thức; hãy dán giá trị (Paste Values) rồi gửi lại.",
            f"Cell {cell.coordinate} holds a formula; paste values only and send again.",
            {"cell": cell.coordinate},
            code="xlsx_formula",
        )
    return cell.value


def xlsx_rows(source: Source, *, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cell values) of every row of the first sheet, blank ones included, after `check_xlsx`.

    A formula anywhere refuses the file. The workbook is closed when the rows run out or the
    generator is dropped.
    """
    check_xlsx(source, max_uncompressed=max_uncompressed)
    try:
        wb = openpyxl.load_workbook(source, read_only=True, data_only=False)
    except _XLSX_ERRORS as exc:
        raise not_xlsx(exc) from exc
    try:
        # read_only sheets yield every row from 1, empty ones included: the count is the row number.
        for row_no, cells in enumerate(wb.worksheets[0].iter_rows(), start=1):
            yield row_no, [_value(cell) for cell in cells]
    except _XLSX_ERRORS as exc:
        raise not_xlsx(exc) from exc
    finally:
        wb.close()


# --- rows ----------------------------------------------------------------------------------------


def _opened(source: Source) -> tuple[IO[bytes], bool]:
    if isinstance(source, str | Path):
        return open(source, "rb"), True
    return source, False


def _csv_records(source: Source) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of every record, blank ones included, decoded and split by the header's delimiter."""
    f, owned = _opened(source)
    start = f.tell()
    encoding = detect_encoding(f.read(_HEAD_BYTES))
    f.seek(start)
    # newline='' as the csv module wants it: a quoted cell may hold a line break.
    text = io.TextIOWrapper(f, encoding=encoding, newline="")
    reader = None
    try:
        lines = iter(text)
        head: list[str] = []
        for line in lines:  # the delimiter is the header's: look past leading blank lines (',,,' too)
            head.append(line)
            if line.strip(DELIMITERS + " \r\n"):
                break
        reader = csv.reader(itertools.chain(head, lines), delimiter=sniff_delimiter(head[-1] if head else ""))
        first = 1
        for cells in reader:
            yield first, cells
            first = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise bad_encoding(exc.start) from exc
    except csv.Error as exc:
        line_no = reader.line_num if reader else 1
        raise InvalidInput(
            f"Tệp CSV hỏng ở dòng {line_no}: {exc}.", f"Malformed CSV at line {line_no}: {exc}.", code="bad_csv"
        ) from exc
    finally:
        text.detach()  # the caller's file stays open (a wrapper closes what it wraps)
        if owned:
            f.close()


def _records(source: Source, fmt: str, max_uncompressed: int) -> Iterator[tuple[int, list[Any]]]:
    if fmt == "csv":
        return _csv_records(source)
    if fmt == "xlsx":
        return xlsx_rows(source, max_uncompressed=max_uncompressed)
    raise ValueError(f"not a table format: {fmt!r}")


@dataclass
class Sheet:
    """A CSV or the first sheet of an XLSX: its header row, then its non-blank rows as they are read.

    Use it in a `with` block (or call `close`): a file opened from a path is closed at the end.
    """

    header: list[Any]
    header_row: int
    _rest: Iterator[tuple[int, list[Any]]]
    max_rows: int | None = None

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cells) of every non-blank row after the header; more than `max_rows` refuses the file."""
        count = 0
        for row_no, cells in self._rest:
            if all(is_blank(c) for c in cells):
                continue
            count += 1
            if self.max_rows is not None and count > self.max_rows:
                raise too_many_rows(self.max_rows)
            yield row_no, cells

    def close(self) -> None:
        close = getattr(self._rest, "close", None)
        if close:
            close()

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_sheet(
    source: Source,
    fmt: str,
    *,
    max_rows: int | None = None,
    max_uncompressed: int = ZIP_MAX_UNCOMPRESSED,
) -> Sheet:
    """Open a table (`fmt` 'csv' or 'xlsx') at its header row, the first non-blank one; `empty_file` without one."""
    records = _records(source, fmt, max_uncompressed)
    for row_no, cells in records:
        if not all(is_blank(c) for c in cells):
            return Sheet(list(cells), row_no, records, max_rows)
    raise empty_file()


# --- zips ----------------------------------------------------------------------------------------


def zip_files(
    source: Source, what: str = "zip", *, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED
) -> list[zipfile.ZipInfo]:
    """The files of a zip after `uploads.check_zip`, without folders and what macOS adds (__MACOSX/, '._x')."""
    return [
        i
        for i in check_zip(source, what, max_uncompressed=max_uncompressed)
        if not i.is_dir() and "__MACOSX" not in i.filename and not PurePosixPath(i.filename).name.startswith(".")
    ]


def siblings(infos: Iterable[zipfile.ZipInfo], main: zipfile.ZipInfo) -> dict[str, zipfile.ZipInfo]:
    """The members beside `main` with its name and another extension (a shapefile's parts), by lower-case extension."""
    stem = PurePosixPath(main.filename).with_suffix("")
    return {
        PurePosixPath(i.filename).suffix.lower(): i for i in infos if PurePosixPath(i.filename).with_suffix("") == stem
    }


def extract(source: str | Path, members: Iterable[zipfile.ZipInfo], dest: Path) -> dict[str, Path]:
    """Extract members (already checked by `zip_files`) flat into `dest`, by their bare names; member name → path.

    Flattened, nothing lands outside `dest` whatever the archive says, and a file inside a folder is found.
    """
    dest.mkdir(parents=True, exist_ok=True)
    out = {}
    with zipfile.ZipFile(source) as zf:
        for info in members:
            target = dest / PurePosixPath(info.filename).name
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            out[info.filename] = target
    return out
