"""Counts per key cell and industry, so a wide radius count reads cells, not every business inside it.

A 2 km circle holds ~39,000 of the 1M-business bench's points; counting them one by one from the key
index (migration 0012) took ~9.6 ms. Most of the circle is whole quadtree cells of the key grid, and a
cell's count by industry does not depend on the circle: `businesses_radius_cell` keeps it, at four levels
(a level-L cell is `portal_radius_key >> 2L`: 64 m, 256 m, 1 km and 4 km squares), so a whole cell of any
size is read as at most four rows per industry of the next level down (businesses/radius.py picks them).

Statement-level triggers on `businesses_radius_point` (itself kept from the businesses by migration 0007)
add what a statement inserted and subtract what it deleted, summed per cell first, so a bulk load of a
million rows is one upsert of its cells. The upserts go in key order, so two statements touching the same
cells wait for each other rather than deadlock. Cells whose count falls to zero keep their row (a
zero adds nothing to a sum); TRUNCATE empties the table with the points.
"""

from django.db import migrations

LEVELS = (15, 17, 19, 21)  # businesses/radius.py CELL_LEVELS

DELTA = """
INSERT INTO businesses_radius_cell (level, cell, industry_id, n)
SELECT l.level, d.key >> (2 * l.level), d.industry_id, sum(d.n)
  FROM ({rows}) d
  CROSS JOIN unnest(ARRAY[{levels}]::smallint[]) AS l (level)
 WHERE d.key IS NOT NULL
 GROUP BY 1, 2, 3
HAVING sum(d.n) <> 0
 ORDER BY 1, 2, 3
    ON CONFLICT (level, cell, industry_id) DO UPDATE SET n = businesses_radius_cell.n + EXCLUDED.n
"""

NEW = "SELECT portal_radius_key(geom_m) AS key, industry_id, 1 AS n FROM new_rows"
OLD = "SELECT portal_radius_key(geom_m) AS key, industry_id, -1 AS n FROM old_rows"
_LEVELS = ", ".join(str(level) for level in LEVELS)

FORWARD = f"""
CREATE TABLE businesses_radius_cell (
    level smallint NOT NULL,
    cell bigint NOT NULL,
    industry_id bigint NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (level, cell, industry_id) INCLUDE (n)
);

CREATE FUNCTION portal_radius_cell_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DELTA.format(rows=NEW, levels=_LEVELS)};
    RETURN NULL;
END $$;

CREATE FUNCTION portal_radius_cell_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DELTA.format(rows=OLD, levels=_LEVELS)};
    RETURN NULL;
END $$;

CREATE FUNCTION portal_radius_cell_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {DELTA.format(rows=NEW + " UNION ALL " + OLD, levels=_LEVELS)};
    RETURN NULL;
END $$;

CREATE FUNCTION portal_radius_cell_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE businesses_radius_cell;
    RETURN NULL;
END $$;

CREATE TRIGGER radius_cell_insert AFTER INSERT ON businesses_radius_point
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_cell_insert();
CREATE TRIGGER radius_cell_update AFTER UPDATE ON businesses_radius_point
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_cell_update();
CREATE TRIGGER radius_cell_delete AFTER DELETE ON businesses_radius_point
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_cell_delete();
CREATE TRIGGER radius_cell_truncate AFTER TRUNCATE ON businesses_radius_point
    FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_cell_truncate();

{DELTA.format(rows="SELECT portal_radius_key(geom_m) AS key, industry_id, 1 AS n FROM businesses_radius_point",
              levels=_LEVELS)};
ANALYZE businesses_radius_cell;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS radius_cell_insert ON businesses_radius_point;
DROP TRIGGER IF EXISTS radius_cell_update ON businesses_radius_point;
DROP TRIGGER IF EXISTS radius_cell_delete ON businesses_radius_point;
DROP TRIGGER IF EXISTS radius_cell_truncate ON businesses_radius_point;
DROP FUNCTION IF EXISTS portal_radius_cell_insert();
DROP FUNCTION IF EXISTS portal_radius_cell_delete();
DROP FUNCTION IF EXISTS portal_radius_cell_update();
DROP FUNCTION IF EXISTS portal_radius_cell_truncate();
DROP TABLE IF EXISTS businesses_radius_cell;
"""


class Migration(migrations.Migration):
    dependencies = [("businesses", "0013_name_check_probes")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
