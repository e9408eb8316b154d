"""The radius points' coordinates as plain numbers, and the key index covering them instead of the point.

A count's distance test was PostGIS's ST_DWithin on each point: it reads the geometry out of its varlena and
builds a point object first, for two floats, and that was most of a 500 m count's per-row cost (~2,500
points). `x` and `y` are the point's own coordinates (generated, so the triggers of 0007 and 0015 fill
nothing new), and the count tests `sqrt(dx² + dy²) <= r` on them: the float operations of PostGIS's
point-to-point distance, so the same rows (tests/businesses/test_radius_keys.py holds them to ST_DWithin).
The key index (0012) now covers x and y instead of the geometry, so the rim of a wide count stays an
index-only scan and its tuples are a third smaller. It is an index on a stored key column, no longer on
the expression `portal_radius_key(geom_m)`: PostgreSQL scans an expression index index-only only when the
expression's own columns are in it too, and the geometry was there for that alone.

Adding stored columns rewrites the table under an exclusive lock: 22 s for the 1M-business bench, during which
radius scans wait (the rest of the portal does not read this table).
"""

from django.db import migrations

ADD = """
ALTER TABLE businesses_radius_point
    ADD COLUMN x float8 GENERATED ALWAYS AS (public.ST_X(geom_m)) STORED,
    ADD COLUMN y float8 GENERATED ALWAYS AS (public.ST_Y(geom_m)) STORED,
    ADD COLUMN radius_key bigint GENERATED ALWAYS AS (portal_radius_key(geom_m)) STORED;
"""

INDEX = """
CREATE INDEX CONCURRENTLY radius_point_key_xy ON businesses_radius_point (radius_key) INCLUDE (x, y, industry_id);
"""

OLD_INDEX = """
CREATE INDEX CONCURRENTLY radius_point_key ON businesses_radius_point (portal_radius_key(geom_m))
    INCLUDE (geom_m, industry_id);
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("businesses", "0015_radius_point_changes_only")]

    # One statement per operation, as 0012: CREATE INDEX CONCURRENTLY and VACUUM refuse a transaction.
    operations = [
        migrations.RunSQL(ADD, "ALTER TABLE businesses_radius_point DROP COLUMN x, DROP COLUMN y, DROP COLUMN radius_key;"),
        migrations.RunSQL(INDEX, "DROP INDEX CONCURRENTLY IF EXISTS radius_point_key_xy;"),
        migrations.RunSQL("DROP INDEX CONCURRENTLY IF EXISTS radius_point_key;", OLD_INDEX),
        migrations.RunSQL(
            "ALTER INDEX radius_point_key_xy RENAME TO radius_point_key;",
            "ALTER INDEX radius_point_key RENAME TO radius_point_key_xy;",
        ),
        migrations.RunSQL("VACUUM (ANALYZE) businesses_radius_point;", migrations.RunSQL.noop),
    ]
