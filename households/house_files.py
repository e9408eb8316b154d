"""Reading a house-number file: CSV, XLSX, GeoPackage or Shapefile (a .shp, or a .zip holding one) into columns.

Everything a file can be refused for is checked here, before a row is looked at: its size, its format,
a zip that would inflate far beyond its size (a zip bomb) or holds paths outside itself, an XLSX with
macros or formulas (those three through gisportal/uploads.py), a header without an address or
coordinates, and the coordinate reference system of a GIS file. CSV and XLSX files and zips are read
by gisportal/tabular.py; this module holds the house-number columns. Row-level checks (HTML in text,
a point outside Vietnam…) belong to the import.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from gisportal import tabular
from gisportal.errors import InvalidInput
from gisportal.uploads import check_upload_size

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
_ALIASES = tabular.alias_table(COLUMNS)


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
    if ext in (".csv", ".xlsx"):
        return _read_sheet(path, ext[1:])
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
    if ext in (".csv", ".xlsx"):
        with tabular.read_sheet(path, ext[1:], max_uncompressed=ZIP_MAX_UNCOMPRESSED) as sheet:
            return _table(sheet.header, [])
    source = str(path)
    if ext == ".zip":
        infos = tabular.zip_files(path, max_uncompressed=ZIP_MAX_UNCOMPRESSED)
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
    infos = tabular.zip_files(path, max_uncompressed=ZIP_MAX_UNCOMPRESSED)
    readable = [i for i in infos if Path(i.filename).suffix.lower() in {".shp", ".gpkg", ".csv", ".xlsx"}]
    if len(readable) != 1:
        raise InvalidInput(
            "Tệp .zip phải chứa đúng một shapefile (.shp kèm .shx, .dbf, .prj) hoặc một tệp dữ liệu.",
            "The .zip must hold exactly one shapefile (.shp with .shx, .dbf, .prj) or one data file.",
            {"found": [i.filename for i in readable]},
            code="bad_zip",
        )
    main = readable[0]
    return tabular.extract(path, tabular.siblings(infos, main).values(), into)[main.filename]


# --- tables --------------------------------------------------------------------------------------


def _map_header(header: list[Any]) -> tuple[list[str | None], list[str]]:
    """Our field name per column (None: ignored), and the headers we did not know; one error for all problems."""
    head = tabular.map_header(header, _ALIASES, IGNORED)
    names, unknown, duplicate = head.fields, head.unknown, head.duplicate
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


def _read_sheet(path: Path, fmt: str) -> Table:
    with tabular.read_sheet(path, fmt, max_rows=MAX_ROWS, max_uncompressed=ZIP_MAX_UNCOMPRESSED) as sheet:
        header, body = sheet.header, list(sheet)
    if not body:
        raise tabular.empty_file()
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
        raise tabular.too_many_rows(MAX_ROWS)
    if not len(field_data) and geometry is None:
        raise tabular.empty_file()
    n = len(geometry) if geometry is not None else len(field_data[0])
    if n == 0:
        raise tabular.empty_file()
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
