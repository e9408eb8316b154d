"""Sums per z17 tile of the public businesses' points, so a wide cluster tile reads cells, not every business.

A cluster tile counts its rows into 16 × 16 cells (layers/tiles/mvt.py). From the tile-key index (0011) a z10
tile of the 1M-business bench read 830,000 index entries (0.12-0.3 s) and the densest one at 5.2M read two
million (0.55 s). A cluster cell of a tile at zoom z is the tile at z + 4 below it, and a tile at z17 (~300 m)
is a whole cell of every tile up to z13: `businesses_tile_cell` keeps, per z17 tile, the number of public points
in it and the sums of their Web Mercator x and y, so a z13 tile reads at most 256 rows of it, a z10 tile at most
16,384, and each cluster is the sums of its cells divided by their count (the mean, as from the rows).

The cell is `portal_tile_key(geom_3857) >> 28` (2 × (31 - 17) bits) and "public" is the layer's tile filter
(businesses/map_layers.py); a statement-level trigger on the businesses adds what a statement made public and
subtracts what it took away, summed per cell first, in cell order (two statements touching the same cells wait
for each other rather than deadlock), and touches nothing when a save changed neither the point nor whether it
is public (a new signboard takes no cell lock, as 0015 does for the radius counts). A cell whose count falls to
zero keeps its row with its sums reset to zero, so the float sums of a busy cell do not drift while it is empty.
TRUNCATE empties it with the businesses.
"""

from django.db import migrations

CELL_SHIFT = 28  # layers/tiles/mvt.py CELL_ZOOM = 17: 2 × (31 − 17)

PUBLIC_NEW = "NOT n.is_deleted AND n.status IN ('active', 'suspended')"
PUBLIC_OLD = "NOT o.is_deleted AND o.status IN ('active', 'suspended')"
# The bytes, as 0015 compares the radius points: the sums read the coordinates.
CHANGED = f"""(ST_AsBinary(n.geom_3857) IS DISTINCT FROM ST_AsBinary(o.geom_3857)
            OR ({PUBLIC_NEW}) IS DISTINCT FROM ({PUBLIC_OLD}))"""

DELTA = f"""
INSERT INTO businesses_tile_cell AS c (cell, n, sx, sy)
SELECT d.key >> {CELL_SHIFT}, sum(d.n), sum(d.n * ST_X(d.g)), sum(d.n * ST_Y(d.g))
  FROM (SELECT portal_tile_key(r.g) AS key, r.g, r.n FROM ({{rows}}) r) d
 WHERE d.key IS NOT NULL
 GROUP BY 1
 ORDER BY 1
    ON CONFLICT (cell) DO UPDATE
   SET n = c.n + EXCLUDED.n,
       sx = CASE WHEN c.n + EXCLUDED.n = 0 THEN 0 ELSE c.sx + EXCLUDED.sx END,
       sy = CASE WHEN c.n + EXCLUDED.n = 0 THEN 0 ELSE c.sy + EXCLUDED.sy END
"""

INSERTED = f"SELECT n.geom_3857 AS g, 1 AS n FROM new_rows n WHERE {PUBLIC_NEW}"
DELETED = f"SELECT o.geom_3857 AS g, -1 AS n FROM old_rows o WHERE {PUBLIC_OLD}"
UPDATED = f"""SELECT n.geom_3857 AS g, 1 AS n FROM new_rows n JOIN old_rows o ON o.id = n.id
               WHERE {CHANGED} AND {PUBLIC_NEW}
              UNION ALL
              SELECT o.geom_3857, -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
               WHERE {CHANGED} AND {PUBLIC_OLD}"""

FORWARD = f"""
CREATE TABLE businesses_tile_cell (
    cell bigint NOT NULL,
    n integer NOT NULL,
    sx float8 NOT NULL,
    sy float8 NOT NULL,
    PRIMARY KEY (cell) INCLUDE (n, sx, sy)
);

CREATE FUNCTION portal_tile_cell_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {DELTA.format(rows=INSERTED)};
    ELSIF TG_OP = 'DELETE' THEN
        {DELTA.format(rows=DELETED)};
    ELSE
        {DELTA.format(rows=UPDATED)};
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION portal_tile_cell_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE businesses_tile_cell;
    RETURN NULL;
END $$;

CREATE TRIGGER tile_cell_insert AFTER INSERT ON businesses_business
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_tile_cell_apply();
CREATE TRIGGER tile_cell_update AFTER UPDATE ON businesses_business
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_tile_cell_apply();
CREATE TRIGGER tile_cell_delete AFTER DELETE ON businesses_business
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_tile_cell_apply();
CREATE TRIGGER tile_cell_truncate AFTER TRUNCATE ON businesses_business
    FOR EACH STATEMENT EXECUTE FUNCTION portal_tile_cell_truncate();

{DELTA.format(rows="SELECT n.geom_3857 AS g, 1 AS n FROM businesses_business n WHERE " + PUBLIC_NEW)};
ANALYZE businesses_tile_cell;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS tile_cell_insert ON businesses_business;
DROP TRIGGER IF EXISTS tile_cell_update ON businesses_business;
DROP TRIGGER IF EXISTS tile_cell_delete ON businesses_business;
DROP TRIGGER IF EXISTS tile_cell_truncate ON businesses_business;
DROP FUNCTION IF EXISTS portal_tile_cell_apply();
DROP FUNCTION IF EXISTS portal_tile_cell_truncate();
DROP TABLE IF EXISTS businesses_tile_cell;
"""


class Migration(migrations.Migration):
    dependencies = [("businesses", "0016_radius_point_xy")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
