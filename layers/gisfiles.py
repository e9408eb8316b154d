"""Reading uploaded GIS files safely: GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ, GPX, CSV/XLSX with coordinates.

Everything that can make a file dangerous or unreadable is refused before GDAL parses a byte of it,
each with its own message: over the size limit, a zip bomb or a zip member escaping its folder
(both judged from the central directory before anything inflates), an XLSX with macros or formulas
(those three in gisportal/uploads.py), a Shapefile without its .dbf/.shx or without a .prj (unless
the officer names the CRS), a KML with network links (it would make the server fetch URLs) or any
XML with a DOCTYPE (entity expansion). A CSV/XLSX (its encoding, delimiter, header) and the members of
a zip are read by gisportal/tabular.py, as every importer reads them; this module keeps the GIS rules.

Then the CRS: the file's own (a .prj, a GeoPackage's, GeoJSON/KML/GPX are WGS 84 by definition),
or the one the officer names, or — for CSV/XLSX — WGS 84 when the columns are longitude/latitude.
Projected columns (x/y, Bắc/Đông) need the officer to name the CRS: VN-2000 / TM-3 105-45,
107-45 and VN-2000 / UTM 48N differ by tens of kilometres or by 200 m, and guessing wrong would
land features in the wrong place; the message lists the candidates their values fit. Survey
documents write X as the northing: a column pair is read by magnitude (northings in Vietnam are
over a million metres, eastings under one), never by name alone. Rows come out in WGS 84.
"""

from __future__ import annotations

import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely
from django.conf import settings
from pyproj import CRS
from pyproj.exceptions import CRSError

from gisportal import tabular
from gisportal.errors import InvalidInput
from gisportal.uploads import check_upload_size, check_xlsx, stream_size
from layers.crs import transformer

FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".zip": "shapefile",
    ".kml": "kml",
    ".kmz": "kmz",
    ".gpx": "gpx",
    ".csv": "csv",
    ".xlsx": "xlsx",
}
MAX_FEATURES = 100_000
# CRSs an officer may name; anything else PROJ knows by an EPSG code is accepted too.
NAMED_CRS = {
    4326: "WGS 84 (kinh độ, vĩ độ)",
    9210: "VN-2000 / TM-3 105-45 (TP.HCM cũ, Bình Dương)",
    5899: "VN-2000 / TM-3 107-45 (Bà Rịa–Vũng Tàu cũ)",
    3405: "VN-2000 / UTM 48N",
    32648: "WGS 84 / UTM 48N",
}
# The coordinate columns of a CSV/XLSX, by folded header; every other column is a property.
_COORDINATES = tabular.alias_table(
    {
        "lon": ("lng", "long", "longitude", "kinh do", "kd"),
        "lat": ("latitude", "vi do", "vd"),
        "x": ("x bac", "x m", "toa do x", "northing", "bac"),
        "y": ("y dong", "y m", "toa do y", "easting", "dong"),
    }
)


def refuse(code: str, vi: str, en: str, details: Any = None) -> InvalidInput:
    return InvalidInput(vi, en, details, code=code)


@dataclass
class Source:
    """An upload on disk, checked, with the path GDAL opens and what the officer said about it."""

    path: Path
    name: str
    format: str
    crs_override: int | None = None
    notes: list[str] = field(default_factory=list)


def save_upload(f: IO[bytes], name: str, workdir: Path, crs: int | None = None) -> Source:
    """Copy the upload into `workdir` after the size check, unpack what needs unpacking, refuse what is unsafe."""
    check_upload_size(stream_size(f), settings.GIS_IMPORT_MAX_MB)
    ext = Path(name).suffix.lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise refuse(
            "unsupported_format",
            f"Không đọc được tệp '{name}': nhận GeoJSON, GeoPackage, Shapefile (.zip), KML/KMZ, GPX, CSV, XLSX.",
            f"Cannot read {name!r}: GeoJSON, GeoPackage, Shapefile (.zip), KML/KMZ, GPX, CSV and XLSX are accepted.",
            {"file_name": name, "accepted": sorted(FORMATS)},
        )
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"upload{ext}"
    with open(path, "wb") as out:
        shutil.copyfileobj(f, out)
    if crs is not None:
        check_crs(crs)
    src = Source(path=path, name=name, format=fmt, crs_override=crs)
    if fmt == "shapefile":
        src.path = _unpack_shapefile(path, workdir / "shp", crs)
    elif fmt == "kmz":
        src.path = _unpack_kmz(path, workdir / "kmz")
        src.format = "kml"
    if src.format in ("kml", "gpx"):
        _check_xml(src.path)
    elif fmt == "xlsx":
        check_xlsx(path)
    return src


def check_crs(code: int) -> CRS:
    try:
        crs = CRS.from_epsg(code)
    except CRSError:
        raise refuse(
            "unknown_crs",
            f"Không biết hệ tọa độ EPSG:{code}.",
            f"EPSG:{code} is not a known coordinate reference system.",
            {"crs": code, "suggested": NAMED_CRS},
        ) from None
    return crs


# --- zips ----------------------------------------------------------------------------------------


def _unpack_shapefile(path: Path, dest: Path, crs: int | None) -> Path:
    infos = tabular.zip_files(path, "Shapefile")
    shps = [i for i in infos if i.filename.lower().endswith(".shp")]
    if len(shps) != 1:
        raise refuse(
            "bad_shapefile",
            f"Tệp zip cần đúng một lớp Shapefile (.shp), có {len(shps)}.",
            f"The zip must hold exactly one Shapefile (.shp); it holds {len(shps)}.",
            {"shp": [i.filename for i in shps]},
        )
    parts = tabular.siblings(infos, shps[0])
    missing = [ext for ext in (".dbf", ".shx") if ext not in parts]
    if missing:
        raise refuse(
            "shapefile_incomplete",
            f"Shapefile thiếu tệp {', '.join(missing)} (cần .shp, .shx, .dbf và .prj trong cùng tệp zip).",
            f"The Shapefile lacks its {', '.join(missing)} (a zip needs .shp, .shx, .dbf and .prj).",
            {"missing": missing},
        )
    if ".prj" not in parts and crs is None:
        raise refuse(
            "missing_crs",
            "Shapefile không có tệp .prj nên không biết hệ tọa độ: thêm .prj hoặc chọn hệ tọa độ (ví dụ VN-2000).",
            "The Shapefile has no .prj, so its coordinate system is unknown: add the .prj or name the CRS.",
            {"suggested": NAMED_CRS},
        )
    keep = [i for ext, i in parts.items() if ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")]
    tabular.extract(path, keep, dest)
    return dest / PurePosixPath(shps[0].filename).name


def _unpack_kmz(path: Path, dest: Path) -> Path:
    infos = tabular.zip_files(path, "KMZ")
    kmls = [i for i in infos if i.filename.lower().endswith(".kml")]
    if not kmls:
        raise refuse("bad_kmz", "Tệp KMZ không chứa tệp .kml.", "The KMZ holds no .kml file.")
    doc = next((i for i in kmls if PurePosixPath(i.filename).name.lower() == "doc.kml"), kmls[0])
    return tabular.extract(path, [doc], dest)[doc.filename]


# --- XML (KML, GPX) ------------------------------------------------------------------------------

_NETWORK = re.compile(rb"<\s*(?:\w+:)?NetworkLink\b", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _check_xml(path: Path) -> None:
    data = path.read_bytes()
    if _DOCTYPE.search(data):
        raise refuse(
            "xml_doctype",
            "Tệp có khai báo DOCTYPE/ENTITY; vì an toàn không đọc tệp này.",
            "The file declares a DOCTYPE/ENTITY; it is not read, for safety.",
        )
    if _NETWORK.search(data):
        raise refuse(
            "kml_network_link",
            "Tệp KML có liên kết mạng (NetworkLink) tới dữ liệu bên ngoài: hãy lưu dữ liệu vào chính tệp "
            "(trong Google Earth: 'Lưu địa điểm thành…' sau khi mở hết các liên kết).",
            "The KML holds network links to outside data: save the data into the file itself "
            "(in Google Earth: 'Save Place As…' after opening every link).",
        )


# --- reading -------------------------------------------------------------------------------------


def layer_names(src: Source) -> list[str]:
    if src.format in ("csv", "xlsx"):
        return [src.name]
    try:
        return [str(name) for name, _ in pyogrio.list_layers(src.path)]
    except pyogrio.errors.DataSourceError as exc:
        raise _unreadable(src, exc) from exc


def _unreadable(src: Source, exc: Exception) -> InvalidInput:
    return refuse(
        "unreadable_file",
        f"Không đọc được tệp '{src.name}' dạng {src.format}.",
        f"Cannot read {src.name!r} as {src.format}.",
        {"reason": str(exc)[:300]},
    )


def read(src: Source, layer: str | None = None) -> gpd.GeoDataFrame:
    """The features (every layer of a KML/GPX unless one is named), in WGS 84, 2D, checked to lie in Vietnam."""
    if src.format in ("csv", "xlsx"):
        frame = _read_table(src)
    else:
        names = [layer] if layer else layer_names(src)
        if src.format == "gpx" and not layer:
            names = [n for n in names if n in ("waypoints", "tracks", "routes")]
        parts = []
        for name in names:
            try:
                part = pyogrio.read_dataframe(src.path, layer=name, max_features=MAX_FEATURES + 1)
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, ValueError) as exc:
                raise _unreadable(src, exc) from exc
            if len(part):
                part["_layer"] = name
                parts.append(part)
        frame = _concat(parts)
        frame = _set_crs(src, frame)
    if len(frame) > MAX_FEATURES:
        raise refuse(
            "too_many_features",
            f"Quá nhiều đối tượng (tối đa {MAX_FEATURES:,}); hãy chia tệp.",
            f"Too many features (at most {MAX_FEATURES:,}); split the file.",
        )
    if len(frame):
        frame = frame.set_geometry(shapely.force_2d(frame.geometry.values))
    return frame


def _concat(parts: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if not parts:
        return gpd.GeoDataFrame({"_layer": []}, geometry=gpd.GeoSeries([], crs=4326))
    if len(parts) == 1:
        return parts[0]
    crs = parts[0].crs
    return gpd.GeoDataFrame(
        gpd.pd.concat([p.to_crs(crs) if p.crs and crs and p.crs != crs else p for p in parts], ignore_index=True),
        crs=crs,
    )


def _set_crs(src: Source, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """To WGS 84 from the file's CRS, or the one named; a file whose CRS PROJ cannot identify is refused."""
    if src.crs_override is not None:
        if frame.crs is not None and src.format != "shapefile":
            src.notes.append(f"Tệp đã có hệ tọa độ; dùng EPSG:{src.crs_override} như bạn chọn.")
        frame = frame.set_crs(src.crs_override, allow_override=True)
    elif frame.crs is None:
        if src.format in ("geojson", "kml", "gpx"):
            frame = frame.set_crs(4326)  # these formats are WGS 84 by definition
        else:
            raise refuse(
                "missing_crs",
                "Tệp không ghi hệ tọa độ: hãy chọn hệ tọa độ (ví dụ VN-2000 / TM-3 105-45).",
                "The file names no coordinate system: please name it (e.g. VN-2000 / TM-3 105-45).",
                {"suggested": NAMED_CRS},
            )
    epsg = frame.crs.to_epsg(min_confidence=70)
    if epsg is None and not frame.crs.is_geographic and not frame.crs.is_projected:
        raise refuse(
            "unknown_crs",
            f"Không nhận ra hệ tọa độ của tệp ({frame.crs.name}); hãy chọn hệ tọa độ.",
            f"The file's coordinate system is not recognised ({frame.crs.name}); please name it.",
            {"crs": frame.crs.to_wkt()[:300], "suggested": NAMED_CRS},
        )
    src.notes.append(f"Hệ tọa độ: {f'EPSG:{epsg}' if epsg else frame.crs.name} ({frame.crs.name}).")
    if epsg == 4326:
        return frame
    try:
        return frame.to_crs(4326)
    except (CRSError, ValueError) as exc:
        raise refuse(
            "unknown_crs",
            "Không chuyển được tọa độ sang WGS 84.",
            "The coordinates cannot be transformed to WGS 84.",
            {"reason": str(exc)[:300]},
        ) from exc


# --- CSV / XLSX ----------------------------------------------------------------------------------


def _table_rows(src: Source) -> tuple[list[str], list[list[Any]]]:
    with tabular.read_sheet(src.path, src.format) as sheet:
        return [str(h or "").strip() for h in sheet.header], [cells for _, cells in sheet]


def _number(value: Any) -> float:
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "").strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # a Vietnamese decimal comma
    try:
        return float(text)
    except ValueError:
        return math.nan


def _read_table(src: Source) -> gpd.GeoDataFrame:
    header, rows = _table_rows(src)
    columns = tabular.map_header(header, _COORDINATES)
    lon_i, lat_i, x_i, y_i = (columns.index(name) for name in ("lon", "lat", "x", "y"))
    if lon_i is not None and lat_i is not None:
        a, b, projected = lon_i, lat_i, False
    elif x_i is not None and y_i is not None:
        a, b, projected = x_i, y_i, True
    else:
        raise refuse(
            "missing_coordinates",
            "Không thấy cột tọa độ: cần 'kinh độ'/'vĩ độ' (lon/lat) hoặc 'X'/'Y' (VN-2000).",
            "No coordinate columns: 'lon'/'lat' (kinh độ/vĩ độ) or 'X'/'Y' (VN-2000) are needed.",
            {"columns": header},
        )
    first = np.array([_number(r[a]) if a < len(r) else math.nan for r in rows])
    second = np.array([_number(r[b]) if b < len(r) else math.nan for r in rows])
    crs = src.crs_override
    if projected:
        # By magnitude: in Vietnam a northing is over 900,000 m and an easting under 900,000 m.
        finite = np.isfinite(first) & np.isfinite(second)
        if finite.any() and np.nanmedian(first[finite]) > np.nanmedian(second[finite]):
            east, north = second, first
            src.notes.append("Cột X là tọa độ Bắc (northing), Y là Đông (easting), theo cách ghi của hồ sơ đo đạc.")
        else:
            east, north = first, second
        if crs is None:
            raise refuse(
                "missing_crs",
                "Tọa độ X/Y là tọa độ phẳng: hãy chọn hệ tọa độ (ví dụ VN-2000 / TM-3 105-45).",
                "The X/Y columns are projected coordinates: please name the CRS (e.g. VN-2000 / TM-3 105-45).",
                {"suggested": _fitting_crs(east, north)},
            )
        xs, ys = east, north
    else:
        xs, ys, crs = first, second, crs or 4326
    props = {
        h or f"column_{i + 1}": [r[i] if i < len(r) else None for r in rows]
        for i, h in enumerate(header)
        if i not in (a, b)
    }
    geoms = [
        shapely.Point(x, y) if math.isfinite(x) and math.isfinite(y) else None for x, y in zip(xs, ys, strict=True)
    ]
    frame = gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(geoms), crs=check_crs(crs))
    frame["_layer"] = src.name
    src.notes.append(f"Hệ tọa độ: EPSG:{crs} ({frame.crs.name}).")
    return frame.to_crs(4326) if crs != 4326 else frame


# Ho Chi Minh City since July 2025 (with the former Bình Dương and Bà Rịa–Vũng Tàu), generously.
HCMC_BOX = (106.2, 10.2, 107.7, 11.6)


def _fitting_crs(east: np.ndarray, north: np.ndarray) -> dict[int, str]:
    """The named projected CRSs that put the median point inside Ho Chi Minh City (all of them if none does)."""
    finite = np.isfinite(east) & np.isfinite(north)
    if not finite.any():
        return {c: n for c, n in NAMED_CRS.items() if c != 4326}
    e, n = float(np.median(east[finite])), float(np.median(north[finite]))
    out = {}
    for code, name in NAMED_CRS.items():
        if code == 4326:
            continue
        lon, lat = transformer(code, 4326).transform(e, n)
        if HCMC_BOX[0] <= lon <= HCMC_BOX[2] and HCMC_BOX[1] <= lat <= HCMC_BOX[3]:
            out[code] = name
    return out or {c: n for c, n in NAMED_CRS.items() if c != 4326}
