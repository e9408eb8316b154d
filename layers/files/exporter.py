"""Exporting a registry layer, or a filtered selection of it, as GeoJSON, GeoPackage, zipped Shapefile, KML,
GPX, CSV or XLSX.

The rows are the OGC items of the same query (`layers.ogc.features`: public fields, the public filter, `bbox`
and property filters), so an export holds exactly what a QGIS connection would: GeoJSON is streamed
straight from that SQL; the other formats are written by GDAL (pyogrio) from it, into a temporary
folder, and sent as a file. Spreadsheet cells that would start a formula are defused with a quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
from openpyxl import Workbook

from gisportal.errors import InvalidInput
from layers.ogc import features as ogc
from layers.registry import Layer

FORMATS = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "zip"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "gpx": ("application/gpx+xml", "gpx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def geojson_chunks(layer: Layer, q: ogc.Query) -> Iterator[bytes]:
    """A FeatureCollection, streamed in keyset chunks."""
    yield b'{"type":"FeatureCollection","name":' + f'"{layer.name}"'.encode() + b',"features":['
    first = True
    for text, _count, _last in ogc.chunks(layer, q):
        yield (b"" if first else b",") + text
        first = False
    yield b"]}"


def frame(layer: Layer, q: ogc.Query) -> gpd.GeoDataFrame:
    """The selection as a GeoDataFrame (`id` first), read by GDAL from the same GeoJSON."""
    body = b"".join(geojson_chunks(layer, q))
    gdf = pyogrio.read_dataframe(io.BytesIO(body), fid_as_index=True)  # the Features' ids are GDAL's FIDs
    gdf.index.name = "id"
    gdf = gdf.reset_index()
    if gdf.crs is None:
        gdf = gdf.set_crs(4326)
    return gdf


def _defuse(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.copy()
    for column in out.columns:
        if column != out.geometry.name and out[column].dtype == object:
            out[column] = [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA) else v for v in out[column]]
    return out


def write(layer: Layer, q: ogc.Query, fmt: str, workdir: Path) -> Path:
    """The export file in `workdir`."""
    gdf = frame(layer, q)
    path = workdir / f"{layer.name}.{FORMATS[fmt][1]}"
    if fmt == "gpkg":
        pyogrio.write_dataframe(gdf, path, layer=layer.name, driver="GPKG", geometry_type=layer.geometry_type)
    elif fmt == "shp":
        folder = workdir / "shp"
        folder.mkdir()
        # Shapefile field names stop at 10 characters: GDAL shortens them (collection_schedule → collection).
        pyogrio.write_dataframe(
            gdf,
            folder / f"{layer.name}.shp",
            driver="ESRI Shapefile",
            encoding="UTF-8",
            geometry_type=layer.geometry_type,
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(folder.iterdir()):
                zf.write(part, part.name)
    elif fmt == "kml":
        pyogrio.write_dataframe(
            gdf, path, driver="KML", layer=layer.name, dataset_options={"NameField": _name_field(layer)}
        )
    elif fmt == "gpx":
        if not layer.is_point:
            raise InvalidInput(
                "GPX chỉ chứa điểm: lớp này là đường hoặc vùng, hãy chọn KML hoặc GeoPackage.",
                "GPX holds points only: this layer is lines or polygons; choose KML or GeoPackage.",
                {"format": fmt},
                code="unsupported_format",
            )
        gpx = gdf.rename(columns={_name_field(layer): "name"}) if _name_field(layer) != "name" else gdf
        pyogrio.write_dataframe(gpx, path, driver="GPX", layer="waypoints", GPX_USE_EXTENSIONS="YES")
    elif fmt == "csv":
        # UTF-8 with a BOM: Excel then reads the Vietnamese text right.
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(_table(_defuse(gdf), layer))
    elif fmt == "xlsx":
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(layer.name[:31])
        for row in _table(_defuse(gdf), layer):
            ws.append(row)
        wb.save(path)
    return path


def _name_field(layer: Layer) -> str:
    names = [f.name for f in layer.public_fields]
    return next((n for n in ("name", "code", "signboard") if n in names), names[0])


def _cell(value):
    if value != value:  # NaN, NaT
        return None
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp read from a date: the day, as ISO
        value = value.to_pydatetime()
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return value


def _table(gdf: gpd.GeoDataFrame, layer: Layer) -> Iterator[list]:
    """Header, then rows: the attributes, then lon/lat (points) or WKT (polygons)."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    yield [*columns, *(["lon", "lat"] if layer.is_point else ["wkt"])]
    for row, geom in zip(gdf[columns].itertuples(index=False), gdf.geometry, strict=True):
        cells = [_cell(v) for v in row]
        yield [*cells, *([geom.x, geom.y] if layer.is_point else [geom.wkt])]


def export_file(layer: Layer, q: ogc.Query, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, content type, file name) of a non-GeoJSON export."""
    with tempfile.TemporaryDirectory(prefix="gis-export-") as tmp:
        path = write(layer, q, fmt, Path(tmp))
        return path.read_bytes(), FORMATS[fmt][0], path.name
