"""Vector tiles (MVT) of registry layers from PostGIS's ST_AsMVT. The tile SQL lives here, once.

As in maplibre/martin, a tile is one query `(z, x, y) → bytea`:
`ST_AsMVT(ST_AsMVTGeom(geom_3857, ST_TileEnvelope(z, x, y), 4096, 64, true))` over the rows
whose stored Web Mercator geometry meets the tile (`geom_3857 && ST_TileEnvelope(z, x, y, margin)`,
an index condition on its GiST index). Reprojecting every row instead cost 17× (docs/architecture.md, "Coordinates").

Below a layer's `detail_minzoom` a tile holds clusters, not features: the rows are counted in a
16 × 16 grid aligned on the tile (cells never straddle two tiles), one point per non-empty cell at
the cells' mean position, with a `count`. A z10 tile of a city's 300,000 businesses stays ≤ 256
features of a few kB. Cluster tiles are half-open ([xmin, xmax) × [ymin, ymax)), so every row is
counted in exactly one tile of a zoom; detail tiles keep a 64-unit buffer so symbols are not cut
at tile edges, and a row near an edge is in both tiles.

A point layer with a `cluster_index` counts its clusters from that index alone: the Z-order key
`portal_tile_key` (gisportal/migrations/0003) makes a tile one key range and a cell one key prefix,
and the index holds the point too. On the 1M-business bench (bench/tiles_vector.py) the densest z14
tile (19,000 rows) went from 15-25 ms through the GiST index and the heap to ~5.5 ms, a z12 tile of
264,000 rows from 0.2-0.3 s to ~60 ms, a z10 tile of 830,000 rows from 0.35-1.1 s to 0.12-0.3 s.
A layer with `cluster_cells` (sums per z17 tile kept by trigger: businesses/migrations/0017) counts its
tiles up to z13 from those sums, whose z17 tiles are whole cells of theirs: at most 16,384 rows a tile.

Tiles carry the layer's public fields (and `id`) only, for every reader: officers get private
fields from the detail APIs, so a tile is the same for everyone and cacheable as public.
"""

from __future__ import annotations

from collections.abc import Hashable
from functools import cache

from django.db import connection
from psycopg import sql

from gisportal.postgis.cursors import explain as explain_statement
from gisportal.postgis.cursors import server_cursors
from layers import registry
from layers.registry import MAX_ZOOM, Layer

EXTENT = 4096  # tile units per side
BUFFER = 64  # tile units drawn beyond each edge (ST_AsMVTGeom's buffer, and the query's margin)
CLUSTER_CELLS = 16  # cluster grid cells per tile side: a cell is 16 px of a 256 px tile
CLUSTER_LEVELS = CLUSTER_CELLS.bit_length() - 1  # 4: a tile's cells are the tiles 4 zooms below it

KEY_BITS = 31  # portal_tile_key's grid: 2^31 cells a side, a z31 tile each
# A layer's `cluster_cells` table sums its points per tile of this zoom: a whole cluster cell of every tile up to
# CELLS_MAXZOOM, which is read from it.
CELL_ZOOM = 17
CELL_SHIFT = 2 * (KEY_BITS - CELL_ZOOM)
CELLS_MAXZOOM = CELL_ZOOM - CLUSTER_LEVELS

# The parameters are z, x, y and the key range `params` derives from them; everything else is a
# quoted identifier or a literal from the registry.
ENVELOPE = sql.SQL("ST_TileEnvelope(%(z)s, %(x)s, %(y)s)")


def joins(layer: Layer) -> tuple[dict[str, str], sql.Composable]:
    """LEFT JOINs for `via` fields: an alias per foreign key, and the JOIN clauses."""
    aliases: dict[str, str] = {}
    clauses = []
    for f in layer.public_fields:
        if not f.via or f.via in aliases:
            continue
        fk = registry.foreign_key(layer.model, f.via)
        related = fk.related_model._meta
        alias = aliases[f.via] = f"j_{f.via}"
        clauses.append(
            sql.SQL(" LEFT JOIN {table} {alias} ON {pk} = {fk}").format(
                table=sql.Identifier(related.db_table),
                alias=sql.Identifier(alias),
                pk=sql.Identifier(alias, registry.column(fk.related_model, related.pk.name)),
                fk=sql.Identifier("t", layer.column(f.via)),
            )
        )
    return aliases, sql.Composed(clauses)


def detail_sql(layer: Layer) -> sql.Composed:
    """One feature per row: `id` (also the MVT feature id) and the public fields."""
    aliases, join_sql = joins(layer)
    columns = [
        sql.SQL("{} AS {}").format(
            # A ward-defined layer's attribute is an expression over its JSONB values (Field.expr, layers/themes).
            sql.SQL(f.expr) if f.expr else sql.Identifier(aliases.get(f.via, "t"), layer.field_column(f)),
            sql.Identifier(f.name),
        )
        for f in layer.public_fields
    ]
    geom = sql.Identifier("t", layer.column(layer.tile_geom_field))
    pk = sql.Identifier("t", layer.id_column)
    return sql.SQL(
        """SELECT ST_AsMVT(mvt, {name}, {extent}, 'geom', 'fid') FROM (
  SELECT {pk} AS fid, {pk} AS id, {columns},
         ST_AsMVTGeom({geom}, {envelope}, {extent}, {buffer}, true) AS geom
    FROM {table} t{joins}
   WHERE {geom} && ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {margin})
     AND ({filter})
) mvt"""
    ).format(
        name=sql.Literal(layer.name),
        extent=sql.Literal(EXTENT),
        buffer=sql.Literal(BUFFER),
        margin=sql.Literal(BUFFER / EXTENT),
        pk=pk,
        columns=sql.SQL(", ").join(columns),
        geom=geom,
        envelope=ENVELOPE,
        table=sql.Identifier(layer.table),
        joins=join_sql,
        filter=sql.SQL(layer.public_filter),
    )


def cluster_sql(layer: Layer) -> sql.Composed:
    """One point per non-empty grid cell of the tile, at the mean of its rows, with their `count`.

    The envelope's bounds are constants to the planner (ST_TileEnvelope is immutable and z, x, y
    arrive as literals), so they fold away. The two `OFFSET 0` fences are for speed (20,000 rows,
    bench/tiles_vector.py): the inner one keeps ST_X/ST_Y to one call per row, so the cell
    arithmetic and the means read plain floats; the outer one keeps the half-open cell filter
    (`cx BETWEEN 0 AND 15`: a row on the tile's east or north edge belongs to the next tile) on
    the ≤ 289 groups, where the planner would otherwise push it under GROUP BY onto every row,
    guess one row out of it and sort instead of hashing (one 19,000-row tile on a quiet machine:
    ~35 ms with per-row ST_X calls, ~25 ms sorting, ~14 ms as written).
    """
    geom = sql.Identifier("t", layer.column(layer.tile_geom_field))
    # A polygon layer is clustered by its polygons' centroids (the GiST condition stays on the polygon).
    point = geom if layer.is_point else sql.SQL("ST_Centroid({})").format(geom)
    return sql.SQL(
        """SELECT ST_AsMVT(mvt, {name}, {extent}, 'geom') FROM (
  SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(g.x, g.y), 3857), {envelope}, {extent}, 0, false) AS geom,
         g.n AS count
    FROM (SELECT floor((p.x - ST_XMin({envelope})) * ({cells} / ({width})))::int AS cx,
                 floor((p.y - ST_YMin({envelope})) * ({cells} / ({width})))::int AS cy,
                 count(*) AS n, avg(p.x) AS x, avg(p.y) AS y
            FROM (SELECT ST_X({point}) AS x, ST_Y({point}) AS y
                    FROM {table} t
                   WHERE {geom} && {envelope} AND ({filter})
                  OFFSET 0) p
           GROUP BY 1, 2
          OFFSET 0) g
   WHERE g.cx BETWEEN 0 AND {last} AND g.cy BETWEEN 0 AND {last}
) mvt"""
    ).format(
        name=sql.Literal(layer.name),
        extent=sql.Literal(EXTENT),
        envelope=ENVELOPE,
        width=sql.SQL("ST_XMax({e}) - ST_XMin({e})").format(e=ENVELOPE),  # tiles are square
        geom=geom,
        point=point,
        table=sql.Identifier(layer.table),
        filter=sql.SQL(layer.public_filter),
        cells=sql.Literal(CLUSTER_CELLS),
        last=sql.Literal(CLUSTER_CELLS - 1),
    )


def keyed_cluster_sql(layer: Layer) -> sql.Composed:
    """cluster_sql from the layer's `cluster_index`: the rows of the tile are the keys in [lo, hi), the
    cell of a row is its key's prefix (`key >> shift`), and the planner takes the key and the point from
    the index tuples (an index-only scan, as long as autovacuum keeps the visibility map current). The
    same tiles as cluster_sql's; sums, not avg(), which also sums squares.
    """
    geom = sql.Identifier("t", layer.column(layer.tile_geom_field))
    key = sql.SQL("portal_tile_key({})").format(geom)
    return sql.SQL(
        """SELECT ST_AsMVT(mvt, {name}, {extent}, 'geom') FROM (
  SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(g.x, g.y), 3857), {envelope}, {extent}, 0, false) AS geom,
         g.n AS count
    FROM (SELECT count(*) AS n, sum(ST_X({geom})) / count(*) AS x, sum(ST_Y({geom})) / count(*) AS y
            FROM {table} t
           WHERE {key} >= %(lo)s AND {key} < %(hi)s AND ({filter})
           GROUP BY {key} >> %(shift)s) g
) mvt"""
    ).format(
        name=sql.Literal(layer.name),
        extent=sql.Literal(EXTENT),
        envelope=ENVELOPE,
        geom=geom,
        key=key,
        table=sql.Identifier(layer.table),
        filter=sql.SQL(layer.public_filter),
    )


def cells_cluster_sql(layer: Layer) -> sql.Composed:
    """keyed_cluster_sql from the layer's `cluster_cells` sums: the z17 tiles in the tile are the cells in
    [clo, chi), a cluster is the z17 tiles under it (`cell >> cshift`), its point the sums over its count. A z10
    tile reads at most 16,384 rows (an index-only range of the primary key) where the keys held two million.
    """
    return sql.SQL(
        """SELECT ST_AsMVT(mvt, {name}, {extent}, 'geom') FROM (
  SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(g.x, g.y), 3857), {envelope}, {extent}, 0, false) AS geom,
         g.n AS count
    FROM (SELECT sum(c.n) AS n, sum(c.sx) / sum(c.n) AS x, sum(c.sy) / sum(c.n) AS y
            FROM {cells} c
           WHERE c.cell >= %(clo)s AND c.cell < %(chi)s
           GROUP BY c.cell >> %(cshift)s
          HAVING sum(c.n) > 0) g
) mvt"""
    ).format(
        name=sql.Literal(layer.name),
        extent=sql.Literal(EXTENT),
        envelope=ENVELOPE,
        cells=sql.Identifier(layer.cluster_cells),
    )


def _spread(v: int) -> int:
    """The bits of v on the even bits (portal_tile_key's interleave, for tile numbers)."""
    out = 0
    for i in range(v.bit_length()):
        out |= ((v >> i) & 1) << (2 * i)
    return out


def params(z: int, x: int, y: int) -> dict[str, int]:
    """The tile queries' parameters: z, x, y, and the range of portal_tile_key in the tile with the shift
    that leaves a row's cluster cell (CLUSTER_CELLS = 2^4 cells a side: the tile at zoom z + 4); for tiles to
    z13, the same range and shift over the z17 tiles of the `cluster_cells` tables (clo, chi, cshift)."""
    below = 2 * (KEY_BITS - z)
    # portal_tile_key counts rows from the south, XYZ from the north.
    prefix = _spread(x) | (_spread(2**z - 1 - y) << 1)
    shift = below - 2 * CLUSTER_LEVELS
    out = {"z": z, "x": x, "y": y, "lo": prefix << below, "hi": (prefix + 1) << below, "shift": shift}
    if z <= CELLS_MAXZOOM:
        out |= {"clo": out["lo"] >> CELL_SHIFT, "chi": out["hi"] >> CELL_SHIFT, "cshift": shift - CELL_SHIFT}
    return out


def query(layer: Layer, z: int) -> str:
    """The SQL of the layer's tiles at zoom z: features, or clusters counted from the layer's cell sums, its
    tile-key index or its rows (the fastest it has)."""
    if not is_clustered(layer, z):
        return _query(layer.name, layer.revision, "detail")
    if layer.cluster_cells and z <= CELLS_MAXZOOM:
        return _query(layer.name, layer.revision, "cells")
    return _query(layer.name, layer.revision, "keys" if layer.cluster_index else "rows")


@cache
def _query(name: str, revision: Hashable, kind: str) -> str:
    # Registry entries are frozen once registered: each layer's queries are rendered once per process
    # (per revision of a ward-defined layer's definition, so a changed one is served at once).
    layer = registry.known(name)
    make = {"detail": detail_sql, "cells": cells_cluster_sql, "keys": keyed_cluster_sql, "rows": cluster_sql}[kind]
    return make(layer).as_string()


def valid_tile(z: int, x: int, y: int) -> bool:
    """Whether (z, x, y) names a tile of the Web Mercator XYZ grid we serve."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def is_clustered(layer: Layer, z: int) -> bool:
    return z < layer.detail_minzoom


def tile(layer: Layer, z: int, x: int, y: int) -> bytes:
    """The MVT bytes of one tile; b"" when nothing of the layer lies in it (or z is below its minzoom)."""
    if z < layer.minzoom or z > layer.maxzoom:
        return b""
    return fetch(query(layer, z), params(z, x, y))


def fetch(statement: str, values: dict[str, int]) -> bytes:
    """The bytes a tile query answers (b"" for none)."""
    # A binary result: the tile arrives as its bytes, where Django's text-format cursor got them as hex text twice
    # their size and decoded it (a z16 tile of 169 kB: 338 kB read). Binary results need a cursor bound on the
    # server (gisportal/postgis/cursors.py: never prepared, so each tile is planned for its own envelope).
    with server_cursors() as [cur]:
        cur.execute(statement, values, binary=True, prepare=False)
        row = cur.fetchone()
    return row[0] if row and row[0] is not None else b""


def explain(layer: Layer, z: int, x: int, y: int) -> str:
    """The plan PostgreSQL picks for this tile's query as the API sends it (same driver, same binding)."""
    return explain_statement(query(layer, z), params(z, x, y))


def bounds(layer: Layer) -> list[float] | None:
    """[west, south, east, north] in WGS 84 enclosing the layer, or None when it is empty.

    ST_EstimatedExtent reads the extent kept at the top of the 4326 column's GiST index (~1 ms);
    it may be a little larger than the rows (float4 boxes, deleted rows), never smaller. Without
    an index or statistics it is NULL and the exact ST_Extent is computed (390 ms at 1M rows).
    """
    column = layer.column(layer.geom_field)
    exact = sql.SQL("SELECT ST_Extent({geom}) FROM {table} t WHERE {filter}").format(
        geom=sql.Identifier("t", column), table=sql.Identifier(layer.table), filter=sql.SQL(layer.public_filter)
    )
    corners = "SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM ({}) e(b) WHERE b IS NOT NULL"
    with connection.cursor() as cur:
        cur.execute(corners.format("SELECT ST_EstimatedExtent(%s, %s)::box2d"), [layer.table, column])
        row = cur.fetchone()
        if row is None:
            cur.execute(corners.format(exact.as_string()))
            row = cur.fetchone()
    if row is None:
        return None
    west, south, east, north = row
    return [max(west, -180.0), max(south, -85.0511), min(east, 180.0), min(north, 85.0511)]
