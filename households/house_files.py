"""Reading a house-number file: CSV, XLSX, GeoPackage or Shapefile (a .shp, or a .zip holding one) into columns.

Everything a file can be refused for is checked here, before a row is looked at: its size, its format,
a zip that would inflate far beyond its size (a zip bomb) or holds paths outside itself, an XLSX with
macros or formulas (those three through gisportal/uploads.py), a header without an address or
coordinates, and the coordinate reference system of a GIS file. Row-level checks (HTML in text, a
point outside Vietnam…) belong to the import.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gisportal.errors import InvalidInput
from gisportal.uploads import check_upload_size, check_zip, xlsx_rows
from layers.text import fold

FORMATS = {".csv", ".xlsx", ".gpkg", ".shp", ".zip"}
MAX_ROWS = 1_000_000
# MAX_ROWS rows, as sheet XML or a .dbf, may inflate past the shared 1 GB cap (gisportal/uploads.py).
ZIP_MAX_UNCOMPRESSED = 2 * 2**30

# field → accepted headers, compared folded ('Số nhà', 'so_nha', 'SO NHA' → 'so nha').
COLUMNS: dict[str, tuple[str, ...]] = {
    "address": ("address", "dia chi", "dia chi day du", "full address"),
    "number": ("number", "house number", "so nha", "so", "house no"),
    "street": ("street", "duong", "ten duong", "street name", "duong pho"),
    "ward": ("ward", "phuong", "phuong xa", "xa"),
    "khu_pho": ("khu pho", "kp", "ap"),
    "lat": ("lat", "latitude", "vi do"),
    "lon": ("lon", "lng", "long", "longitude", "kinh do"),
    "x": ("x", "toa do x"),
    "y": ("y", "toa do y"),
    "easting": ("easting",),
    "northing": ("northing",),
    "crs": ("crs", "epsg", "srid", "he toa do"),
}
IGNORED = {"stt", "id", "fid", "objectid", "ghi chu", "note", "notes"}
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in (name, *aliases)}


@dataclass
class Table:
    """A file's rows as columns of raw values (strings from CSV, typed cells from XLSX and GIS files)."""

    columns: dict[str, list[Any]]
    rows: list[int]  # the file's own row numbers (the header is row 1), or feature numbers
    points: tuple[np.ndarray, np.ndarray] | None = None  # x (easting/lon), y of a GIS file's geometry
    file_crs: int | None = None  # EPSG code read from the file (.prj, GeoPackage SRS)
    file_crs_name: str | None = None  # what the file said, when no EPSG code could be read from it
    ignored_columns: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def header_key(header: Any) -> str:
    """'Số nhà' and 'so_nha' → 'so nha'."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(str(header or ""))))


def check_format(name: str) -> str:
    ext = Path(name).suffix.lower()
    if ext not in FORMATS:
        raise InvalidInput(
            f"Không nhận định dạng '{ext or name}': chỉ nhận .csv, .xlsx, .gpkg, .shp hoặc .zip chứa shapefile.",
            f"Unsupported format {ext or name!r}: send .csv, .xlsx, .gpkg, .shp, or a .zip holding a shapefile.",
            {"file_name": name, "accepted": sorted(FORMATS)},
            code="unsupported_format",
        )
    return ext


def read_table(path: str | Path, name: str | None = None) -> Table:
    """The file's columns, every file-level check passed; raises InvalidInput / TooLarge otherwise."""
    path = Path(path)
    name = name or path.name
    ext = check_format(name)
    check_upload_size(path.stat().st_size)
    if ext == ".csv":
        return _read_csv(path)
    if ext == ".xlsx":
        return _read_xlsx(path)
    if ext == ".zip":
        with tempfile.TemporaryDirectory(prefix="house-import-") as tmp:
            return read_table(extract_zip(path, Path(tmp)))
    return _read_gis(path)


def read_header(path: Path, name: str) -> Table:
    """The file's columns (without values), geometry and CRS, every file-level check but the rows' own.

    A zipped shapefile is read in place through GDAL's /vsizip/, not unpacked.
    """
    ext = check_format(name)
    check_upload_size(path.stat().st_size)
    if ext == ".csv":
        try:
            with open(path, encoding="utf-8-sig") as f:
                first = f.readline()
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                "Tệp CSV không phải UTF-8. Trong Excel chọn 'CSV UTF-8' khi lưu.",
                "The CSV file is not UTF-8. In Excel, save as 'CSV UTF-8'.",
                code="bad_encoding",
            ) from exc
        header = next(csv.reader([first], delimiter=max(",;\t", key=first.count)), None)
        if not header or _blank(header):
            raise _empty()
        return _table(header, [])
    if ext == ".xlsx":
        rows = xlsx_rows(path, max_uncompressed=ZIP_MAX_UNCOMPRESSED)
        header = next((values for _, values in rows if not _blank(values)), None)
        if header is None:
            raise _empty()
        return _table(header, [])
    source = str(path)
    if ext == ".zip":
        infos = check_zip(path, max_uncompressed=ZIP_MAX_UNCOMPRESSED)
        members = [i.filename for i in infos if Path(i.filename).suffix.lower() in {".shp", ".gpkg"}]
        if len(members) != 1:  # a zipped CSV or XLSX, or a bad archive: the full read will say which
            return read_table(path, name)
        source = f"/vsizip/{path}/{members[0]}"
    try:
        info = pyogrio.read_info(source)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InvalidInput(
            f"Không đọc được tệp GIS: {exc}", f"Cannot read the GIS file: {exc}", code="bad_gis_file"
        ) from exc
    names, unknown = _map_header(list(info["fields"]))
    points = (np.zeros(0), np.zeros(0)) if info.get("geometry_type") else None
    code, other = identify_crs(info.get("crs"))
    table = Table({n: [] for n in names if n}, [], points, code, other, unknown)
    check_columns(table)
    return table


# --- zips ----------------------------------------------------------------------------------------


def extract_zip(path: Path, into: Path) -> Path:
    """Unpack a zipped shapefile (or one .gpkg/.csv/.xlsx) and return the file to read."""
    infos = [
        i
        for i in check_zip(path, max_uncompressed=ZIP_MAX_UNCOMPRESSED)
        if not i.is_dir() and not Path(i.filename).name.startswith(".")
    ]
    readable = [i for i in infos if Path(i.filename).suffix.lower() in {".shp", ".gpkg", ".csv", ".xlsx"}]
    if len(readable) != 1:
        raise InvalidInput(
            "Tệp .zip phải chứa đúng một shapefile (.shp kèm .shx, .dbf, .prj) hoặc một tệp dữ liệu.",
            "The .zip must hold exactly one shapefile (.shp with .shx, .dbf, .prj) or one data file.",
            {"found": [i.filename for i in readable]},
            code="bad_zip",
        )
    main = readable[0]
    stem = Path(main.filename).with_suffix("")
    with zipfile.ZipFile(path) as zf:
        for info in infos:
            if Path(info.filename).with_suffix("") == stem:
                # Flattened to bare names: nothing lands outside ``into`` whatever the archive says.
                with zf.open(info) as src, open(into / Path(info.filename).name, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    return into / Path(main.filename).name


# --- tables --------------------------------------------------------------------------------------


def _map_header(header: list[Any]) -> tuple[list[str | None], list[str]]:
    """Our field name per column (None: ignored), and the headers we did not know; one error for all problems."""
    names: list[str | None] = []
    unknown, duplicate = [], []
    for cell in header:
        key = header_key(cell)
        name = _ALIASES.get(key)
        if name in names:
            duplicate.append(str(cell))
            name = None
        elif name is None and key and key not in IGNORED:
            unknown.append(str(cell))
        names.append(name)
    if duplicate:
        raise InvalidInput(
            "Cột lặp: " + ", ".join(repr(d) for d in duplicate) + ".",
            "Duplicate columns: " + ", ".join(repr(d) for d in duplicate) + ".",
            {"duplicate_columns": duplicate},
            code="bad_header",
        )
    return names, unknown


def check_columns(table: Table) -> None:
    """An address (or a number and a street) and a way to place it: geometry, lat/lon, x/y or easting/northing."""
    cols = set(table.columns)
    has_address = "address" in cols or {"number", "street"} <= cols
    pairs = ({"lat", "lon"}, {"x", "y"}, {"easting", "northing"})
    has_place = table.points is not None or any(pair <= cols for pair in pairs)
    if has_address and has_place:
        return
    missing_vi, missing_en = [], []
    if not has_address:
        missing_vi.append("địa chỉ (cột 'dia_chi', hoặc 'so_nha' và 'duong')")
        missing_en.append("an address ('address', or 'number' and 'street')")
    if not has_place:
        missing_vi.append("tọa độ ('lat'/'lon', hoặc 'x'/'y' theo VN-2000)")
        missing_en.append("coordinates ('lat'/'lon', or VN-2000 'x'/'y')")
    raise InvalidInput(
        "Tệp thiếu " + " và ".join(missing_vi) + ".",
        "The file lacks " + " and ".join(missing_en) + ".",
        {"columns": sorted(cols), "accepted_columns": {k: list(v) for k, v in COLUMNS.items()}},
        code="bad_header",
    )


def _table(header: list[Any], body: list[tuple[int, list[Any]]]) -> Table:
    names, unknown = _map_header(header)
    columns: dict[str, list[Any]] = {n: [] for n in names if n}
    for _row, cells in body:
        for name, value in itertools.zip_longest(names, cells):
            if name:
                columns[name].append(value)
    table = Table(columns, [r for r, _ in body], ignored_columns=unknown)
    check_columns(table)
    return table


def _empty() -> InvalidInput:
    return InvalidInput("Tệp không có dữ liệu.", "The file has no data.", code="empty_file")


def _too_many() -> InvalidInput:
    return InvalidInput(
        f"Quá nhiều dòng (tối đa {MAX_ROWS:,}); hãy chia tệp.",
        f"Too many rows (at most {MAX_ROWS:,}); split the file.",
        code="too_many_rows",
    )


def _blank(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _read_csv(path: Path) -> Table:
    try:
        with open(path, "rb") as f:
            lines = codecs.iterdecode(f, "utf-8-sig")
            first = next(lines, "")
            # The header decides: Vietnamese Excel saves CSV with ';' (the comma is its decimal mark).
            delimiter = max(",;\t", key=first.count)
            reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
            header = next(reader, None)
            if not header or _blank(header):
                raise _empty()
            body = []
            for cells in reader:
                if not _blank(cells):
                    body.append((reader.line_num, cells))
                    if len(body) > MAX_ROWS:
                        raise _too_many()
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "Tệp CSV không phải UTF-8. Trong Excel chọn 'CSV UTF-8' khi lưu.",
            "The CSV file is not UTF-8. In Excel, save as 'CSV UTF-8'.",
            {"position": exc.start},
            code="bad_encoding",
        ) from exc
    except csv.Error as exc:
        raise InvalidInput(f"Tệp CSV hỏng: {exc}.", f"Malformed CSV: {exc}.", code="bad_csv") from exc
    if not body:
        raise _empty()
    return _table(header, body)


def _read_xlsx(path: Path) -> Table:
    header, body = None, []
    for row_no, values in xlsx_rows(path, max_uncompressed=ZIP_MAX_UNCOMPRESSED):
        if _blank(values):
            continue
        if header is None:
            header = values
        else:
            body.append((row_no, values))
            if len(body) > MAX_ROWS:
                raise _too_many()
    if header is None or not body:
        raise _empty()
    return _table(header, body)


def identify_crs(text: str | None) -> tuple[int | None, str | None]:
    """(EPSG code, None) when the file's CRS has one, (None, its name) when not, (None, None) without any."""
    if not text:
        return None, None
    try:
        crs = CRS.from_user_input(text)
    except CRSError:
        return None, text[:200]
    code = crs.to_epsg(min_confidence=70)
    return (code, None) if code else (None, crs.name)


def _read_gis(path: Path) -> Table:
    try:
        info = pyogrio.read_info(path)
        meta, _fids, geometry, field_data = pyogrio.raw.read(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise InvalidInput(
            f"Không đọc được tệp GIS: {exc}", f"Cannot read the GIS file: {exc}", code="bad_gis_file"
        ) from exc
    if info["features"] > MAX_ROWS:
        raise _too_many()
    if not len(field_data) and geometry is None:
        raise _empty()
    n = len(geometry) if geometry is not None else len(field_data[0])
    if n == 0:
        raise _empty()
    names, unknown = _map_header(list(meta["fields"]))
    columns = {name: list(values) for name, values in zip(names, field_data, strict=True) if name}
    points = None
    if geometry is not None:
        geoms = shapely.from_wkb(geometry)
        kinds = set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist())
        if kinds - {0, 4}:  # Point, MultiPoint
            raise InvalidInput(
                "Lớp dữ liệu phải là điểm (Point): mỗi số nhà là một điểm.",
                "The layer must hold points: one point per house number.",
                {"geometry_type": meta.get("geometry_type")},
                code="not_points",
            )
        first = shapely.get_geometry(geoms, 0)  # a one-point MultiPoint → its point
        points = (shapely.get_x(first), shapely.get_y(first))  # NaN where the geometry is missing
    code, other = identify_crs(meta.get("crs"))
    table = Table(columns, list(range(1, n + 1)), points, code, other, unknown)
    check_columns(table)
    return table
