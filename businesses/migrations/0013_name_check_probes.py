"""Indexes that make the name check one index probe per candidate key, city-wide and in a ward.

- The businesses behind a taken key: partial on the taken rows (namecheck.TAKEN_STATUSES, not deleted), which
  the check's query repeats, so a probe reads only the rows it returns, already in `id` order. City-wide by
  (signboard_key, id); within an area by (signboard_key, ward_id, id): before, a ward's probe was a BitmapAnd
  of the key index and the ward index (5,200 row ids of the ward read per key).
- A ward's taken keys near the typed one: a trigram GIN on (ward_id, key) (btree_gin puts the ward in the
  same index), so only the keys sharing trigrams in that ward are scored. Before, every key of the ward was
  scored with similarity(): 2,286 keys and ~7 ms a check at ~5,200 businesses a ward.

Built CONCURRENTLY (hence not atomic): on a live portal the tables stay writable meanwhile.
"""

from django.db import migrations

TAKEN = "status IN ('active', 'suspended') AND NOT is_deleted"

INDEXES = {
    "business_taken_key": f"ON businesses_business (signboard_key, id) WHERE {TAKEN}",
    "business_taken_key_ward": f"ON businesses_business (signboard_key, ward_id, id) WHERE {TAKEN}",
    "namekey_ward_trgm": "ON businesses_namekey_ward USING gin (ward_id, key gin_trgm_ops)",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("businesses", "0012_radius_point_key")]

    operations = [
        # Trusted since PostgreSQL 13: the database owner may create it; shipped with PostgreSQL's contrib.
        migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS btree_gin", migrations.RunSQL.noop),
        *(
            migrations.RunSQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {definition}",
                f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, definition in INDEXES.items()
        ),
        migrations.RunSQL("ANALYZE businesses_namekey_ward", migrations.RunSQL.noop),
    ]
