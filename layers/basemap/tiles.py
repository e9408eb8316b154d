"""The portal's own vector basemap: one MVT tile per (z, x, y) from BasemapFeature and AdminUnit, written once.

A tile is one query, as layers/tiles/mvt.py does for registry layers, but with several MVT layers: each is an
`ST_AsMVT` over its own rows and the tile is their concatenation (an MVT tile is a sequence of layers, so
`a || b` of two encoded tiles is the tile holding both). Each layer has a minzoom so a z12 tile of a city
carries water and main streets only, not 200,000 building outlines.

| MVT layer   | rows                                                   | from z | fields                   |
|-------------|--------------------------------------------------------|--------|--------------------------|
| water       | kind=water                                             | 10     | name                     |
| parks       | kind=park                                              | 12     | name                     |
| blocks      | kind=block                                             | 13     |                          |
| buildings   | kind=building standing in `year` (default: this year)  | 15     | class, floors            |
| trees       | kind=tree                                              | 15     |                          |
| streets     | kind=street (major classes from 11, the rest from 13)  | 11     | name, class, width       |
| boundaries  | AdminUnit wards (from 10) and khu phố (from 13), today | 10     | level, name              |
| labels      | a point on each of those units, for its name           | 10     | level, name              |

The zooms are the data tiles': protomaps-leaflet draws display zoom z from data tile z - 1 (a 512 px tile), so
buildings show from display z16, and from z16 data on it overzooms (every building is in z16 tiles). Buildings
start at data z15 because a z14 tile of the demo ward holds its 13,000 outlines, 103 kB gzipped of 110 kB: at
display z15 (a phone's first view of a ward) they are one or two pixels wide, and on Fast 3G those bytes were
the basemap's first second; blocks and streets carry that view (~6 kB).

Streets come from BasemapFeature only: the demo copies households.Street (the address registry) into it with
a class and a width, and `import_basemap` adds OpenStreetMap's (docs/basemap.md). Geometries are read from the
stored `geom_3857` (GiST index); admin units have no 3857 column and are few, so they are reprojected per row.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22
MINZOOM = 10  # below this the tile is empty: the basemap is a ward's, not a country's

BUILDINGS_MINZOOM = 15  # data zoom: display z16 (see the module's docstring)

# Road classes drawn from z12 (OSM's highway values and the demo's own).
MAJOR_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "main")


def _layer(name: str, select: str) -> str:
    # ST_AsMVT over no rows is NULL, and NULL || bytes is NULL: each layer is COALESCEd to ''.
    return (
        f"COALESCE((SELECT ST_AsMVT(mvt, '{name}', {EXTENT}, 'geom') FROM ({select}) mvt"
        " WHERE mvt.geom IS NOT NULL), ''::bytea)"
    )


_GEOM = f"ST_AsMVTGeom(b.geom_3857, ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)"
_MEETS = f"b.geom_3857 && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT})"
# A feature stands in `year` when it was built by then (or the year is unknown) and not yet demolished.
_STANDS = "(b.first_year IS NULL OR b.first_year <= %(year)s) AND (b.last_year IS NULL OR b.last_year >= %(year)s)"
_ADMIN_GEOM = "ST_Transform(a.boundary, 3857)"
_ADMIN_ROWS = f"""layers_adminunit a
     WHERE a.valid_to IS NULL
       AND (a.level = 'ward' AND %(z)s >= 10 OR a.level = 'khu_pho' AND %(z)s >= 13)
       AND a.boundary && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {BUFFER / EXTENT}), 4326)"""


def _features(kind: str, columns: str, minzoom: int, extra: str = "TRUE") -> str:
    return f"""SELECT {columns}{", " if columns else ""}{_GEOM} AS geom
      FROM layers_basemapfeature b
     WHERE b.kind = '{kind}' AND %(z)s >= {minzoom} AND {_MEETS} AND {_STANDS} AND ({extra})"""


_MAJOR = ", ".join(f"'{c}'" for c in MAJOR_CLASSES)

TILE_SQL = "SELECT " + " || ".join(
    [
        _layer("water", _features("water", "b.name", 10)),
        _layer("parks", _features("park", "b.name", 12)),
        _layer("blocks", _features("block", "", 13)),
        _layer(
            "buildings",
            _features("building", "b.subkind AS class, (b.attrs->>'floors')::int AS floors", BUILDINGS_MINZOOM),
        ),
        _layer("trees", _features("tree", "", 15)),
        _layer(
            "streets",
            _features(
                "street",
                "b.name, b.subkind AS class, b.width_m AS width",
                11,
                f"%(z)s >= 13 OR b.subkind IN ({_MAJOR})",
            ),
        ),
        _layer(
            "boundaries",
            f"""SELECT a.level, a.name,
               ST_AsMVTGeom(ST_Boundary({_ADMIN_GEOM}), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, {BUFFER}, true)
                 AS geom
          FROM {_ADMIN_ROWS}""",
        ),
        _layer(
            "labels",
            f"""SELECT a.level, a.name,
               ST_AsMVTGeom(ST_Transform(ST_PointOnSurface(a.boundary), 3857),
                            ST_TileEnvelope(%(z)s, %(x)s, %(y)s), {EXTENT}, 0, true) AS geom
          FROM {_ADMIN_ROWS}""",
        ),
    ]
)


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def tile(z: int, x: int, y: int, year: int | None = None) -> bytes:
    """The basemap's MVT bytes for one tile as it stood in `year` (default: now); b"" when empty."""
    if z < MINZOOM:
        return b""
    params = {"z": z, "x": x, "y": y, "year": year or dt.date.today().year}
    with connection.cursor() as cur:
        cur.execute(TILE_SQL, params)
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
