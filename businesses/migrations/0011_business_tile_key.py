"""The index cluster tiles read instead of the table: the public businesses' tile keys, covering the point.

A z14 cluster tile of the densest square of the 1M-business bench reads 19,000 rows: through the
GiST index and the heap that was ~1,400 pages and 15-25 ms, mostly heap visits (bench/tiles_vector.py).
Here a tile is one range of `portal_tile_key(geom_3857)` (gisportal 0003) and the point is in the
index (INCLUDE), so the count is an index-only scan of ~140 pages: ~5 ms. Partial on the layer's
`public_filter` (businesses/map_layers.py), which the tile query repeats, so the planner can use it
(54 MB for 1M rows).

Built CONCURRENTLY (hence not atomic): on a live portal the table stays writable meanwhile.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX CONCURRENTLY business_tile_key ON businesses_business (portal_tile_key(geom_3857))
    INCLUDE (geom_3857) WHERE NOT is_deleted AND status IN ('active', 'suspended');
"""

BACKWARD = "DROP INDEX CONCURRENTLY IF EXISTS business_tile_key;"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("businesses", "0010_business_house_number"), ("gisportal", "0003_tile_key")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
