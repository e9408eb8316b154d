"""An OpenStreetMap extract (.osm.pbf or .osm XML) → BasemapFeature rows, through GDAL's OSM driver (pyogrio).

GDAL's OSM driver exposes an extract as layers: `points` (nodes with tags), `lines` (ways that are not areas),
`multipolygons` (closed ways and multipolygon relations) and others. We keep what the basemap draws:

| OSM                                                         | kind     | subkind            |
|-------------------------------------------------------------|----------|--------------------|
| lines with `highway`                                        | street   | the highway value  |
| multipolygons with `building`                               | building | the building value |
| multipolygons natural=water, water=*, waterway=riverbank…   | water    |                    |
| multipolygons leisure=park/garden/playground, landuse=grass | park     |                    |
| points natural=tree                                         | tree     |                    |

Idempotent by OSM id (`source_id` = "node/…", "way/…", "relation/…"): a re-import replaces the rows of the ids
it reads and leaves the others. All or nothing: one transaction. Each row gets the ward (today's) it lies in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import shapely
from django.db import connection, transaction

from gisportal.demo import copy_rows
from layers.models import BasemapFeature

# Typical carriageway widths (m) when a way has no `width` tag: enough to draw it at the right weight.
WIDTHS = {"motorway": 24.0, "trunk": 20.0, "primary": 16.0, "secondary": 14.0, "tertiary": 12.0}
DEFAULT_WIDTH = {"residential": 8.0, "service": 5.0, "living_street": 5.0, "pedestrian": 5.0, "footway": 2.0}
WATER = {"water", "riverbank", "reservoir", "basin"}
PARKS = {"park", "garden", "playground", "pitch", "recreation_ground", "grass", "village_green"}
TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')
COLUMNS = ["kind", "name", "subkind", "width_m", "attrs", "first_year", "last_year", "source", "source_id", "geom"]


class OsmImportError(Exception):
    """A file or option the import refuses, with the reason in Vietnamese and English."""

    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


@dataclass
class Summary:
    counts: dict[str, int]
    replaced: int


def text(value) -> str:
    """A field as read by pyogrio: a string, or None / NaN for a missing tag."""
    return value if isinstance(value, str) else ""


def other_tags(raw) -> dict[str, str]:
    """GDAL's `other_tags` (an hstore text: "k"=>"v","k2"=>"v2") as a dict."""
    return {k: v for k, v in TAG.findall(text(raw))}


def _width(highway: str, tags: dict[str, str]) -> float:
    raw = tags.get("width", "").replace(",", ".").removesuffix("m").strip()
    try:
        return float(raw)
    except ValueError:
        return WIDTHS.get(highway, DEFAULT_WIDTH.get(highway, 7.0))


def _read(path: Path, layer: str, bbox: tuple[float, float, float, float] | None):
    import pyogrio

    return pyogrio.read_dataframe(path, layer=layer, bbox=bbox)


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise OsmImportError(
            f"--bbox phải là 'tây,nam,đông,bắc' bằng độ: {raw!r}.", f"--bbox must be 'west,south,east,north': {raw!r}."
        ) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise OsmImportError(f"--bbox không hợp lệ: {raw!r}.", f"--bbox is not a valid box: {raw!r}.")
    return west, south, east, north


def read_rows(path: Path, bbox: tuple[float, float, float, float] | None = None) -> list[tuple]:
    """The extract's basemap rows (COLUMNS order), or OsmImportError when GDAL cannot read it as OSM."""
    from pyogrio.errors import DataLayerError, DataSourceError

    if not path.is_file():
        raise OsmImportError(f"Không thấy tệp {path}.", f"No file {path}.")
    try:
        lines, polys, points = (_read(path, layer, bbox) for layer in ("lines", "multipolygons", "points"))
    except (DataSourceError, DataLayerError, RuntimeError) as exc:
        raise OsmImportError(
            f"GDAL không đọc được {path.name} như một tệp OpenStreetMap (.osm.pbf hoặc .osm): {exc}",
            f"GDAL cannot read {path.name} as an OpenStreetMap file (.osm.pbf or .osm): {exc}",
        ) from exc
    rows: list[tuple] = []

    def add(kind, name, subkind, width, tags, source_id, geom):
        if geom is None or geom.is_empty:
            return
        attrs = {k: v for k, v in tags.items() if k in ("building:levels", "roof:colour", "start_date", "layer")}
        ewkt = f"SRID=4326;{shapely.to_wkt(geom, rounding_precision=7)}"
        rows.append((kind, name or "", subkind, width, json.dumps(attrs), None, None, "osm", source_id, ewkt))

    for rec in lines.itertuples():
        highway = text(getattr(rec, "highway", None))
        if highway:
            tags = other_tags(getattr(rec, "other_tags", None))
            add(
                "street",
                text(rec.name),
                highway[:30],
                _width(highway, tags),
                tags,
                f"way/{text(rec.osm_id)}",
                rec.geometry,
            )
    for rec in polys.itertuples():
        tags = other_tags(getattr(rec, "other_tags", None))
        source_id = f"way/{text(rec.osm_way_id)}" if text(rec.osm_way_id) else f"relation/{text(rec.osm_id)}"
        building = text(getattr(rec, "building", None))
        natural, leisure, landuse = (text(getattr(rec, k, None)) for k in ("natural", "leisure", "landuse"))
        if building:
            add("building", text(rec.name), building[:30], None, tags, source_id, rec.geometry)
        elif natural == "water" or "water" in tags or tags.get("waterway") in WATER or landuse in WATER:
            add(
                "water",
                rec.name,
                (tags.get("water") or natural or landuse or "")[:30],
                None,
                tags,
                source_id,
                rec.geometry,
            )
        elif leisure in PARKS or landuse in PARKS:
            add("park", text(rec.name), (leisure or landuse)[:30], None, tags, source_id, rec.geometry)
    for rec in points.itertuples():
        tags = other_tags(getattr(rec, "other_tags", None))
        if tags.get("natural") == "tree":
            add("tree", text(rec.name), "tree", None, tags, f"node/{text(rec.osm_id)}", rec.geometry)
    return rows


def import_rows(rows: list[tuple]) -> Summary:
    """Replace the rows of these OSM ids and write the new ones, in one transaction; set each row's ward."""
    table = BasemapFeature._meta.db_table
    ids = sorted({r[8] for r in rows})
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"DELETE FROM {table} WHERE source = 'osm' AND source_id = ANY(%s)", [ids])
        replaced = cur.rowcount
        copy_rows(table, COLUMNS, rows)
        cur.execute(
            f"""UPDATE {table} b SET ward_id = (
                  SELECT a.id FROM layers_adminunit a
                   WHERE a.level = 'ward' AND a.valid_to IS NULL
                     AND ST_Intersects(a.boundary, ST_PointOnSurface(b.geom))
                   ORDER BY a.id LIMIT 1)
                 WHERE b.source = 'osm' AND b.source_id = ANY(%s)""",
            [ids],
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r[0]] = counts.get(r[0], 0) + 1
    return Summary(counts, replaced)
