"""The index wide radius counts read instead of the GiST index and the heap: a Z-order key, covering.

`portal_radius_key(point in EPSG:32648)` is the point's Z-order (Morton) key on a grid of 2^-9 m
cells (~2 mm) from UTM's origin, 2^31 a side (4,194 km: all of Vietnam). Every power-of-two
square of cells is one contiguous key range, so a circle is a few dozen ranges (businesses/radius.py
builds them). The index covers the point and the industry: a 2 km count of the 1M-business bench
is an index-only scan of ~600 pages and the exact distance test runs only in the ranges at the
rim (bench/radius.py). The scaling is by a power of two, so a point's cell is exact, not rounded:
a cell that lies inside the circle holds only points that lie inside it.

plpgsql, not SQL, for the reason gisportal 0003 gives (a non-inlined SQL function costs ~25× per row).
The function is immutable, so the expression index needs no column and the table's triggers
(migration 0007) stay as they are. Built CONCURRENTLY (not atomic), then vacuumed so that the
visibility map lets the scans skip the heap from the start.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION portal_radius_key(g public.geometry) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    -- × 512 is exact in float8, so floor() puts a point on a cell edge in the cell it starts.
    fx float8 := floor(public.ST_X(g) * 512);
    fy float8 := floor(public.ST_Y(g) * 512);
    x bigint;
    y bigint;
BEGIN
    IF NOT (fx >= 0 AND fx < 2147483648 AND fy >= 0 AND fy < 2147483648) THEN
        RETURN NULL;
    END IF;
    x := fx;
    y := fy;
    -- The bits of x to the even bits, of y to the odd ones, as portal_tile_key (gisportal 0003).
    x := (x | (x << 16)) & 281470681808895;
    y := (y | (y << 16)) & 281470681808895;
    x := (x | (x << 8)) & 71777214294589695;
    y := (y | (y << 8)) & 71777214294589695;
    x := (x | (x << 4)) & 1085102592571150095;
    y := (y | (y << 4)) & 1085102592571150095;
    x := (x | (x << 2)) & 3689348814741910323;
    y := (y | (y << 2)) & 3689348814741910323;
    x := (x | (x << 1)) & 6148914691236517205;
    y := (y | (y << 1)) & 6148914691236517205;
    RETURN x | (y << 1);
END $$;
"""

INDEX = """
CREATE INDEX CONCURRENTLY radius_point_key ON businesses_radius_point (portal_radius_key(geom_m))
    INCLUDE (geom_m, industry_id);
"""


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("businesses", "0011_business_tile_key")]

    # One statement per operation: CREATE INDEX CONCURRENTLY and VACUUM refuse to run in the
    # implicit transaction of a multi-statement query.
    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS portal_radius_key(public.geometry);"),
        migrations.RunSQL(INDEX, "DROP INDEX CONCURRENTLY IF EXISTS radius_point_key;"),
        migrations.RunSQL("VACUUM (ANALYZE) businesses_radius_point;", migrations.RunSQL.noop),
    ]
