"""A narrow, spatially sorted copy of the public businesses' points for the radius count.

The count by industry in a 2 km circle reads ~25,000 rows. From `businesses_business` (≈350 bytes
a row, 23 rows a page) that is ~1,800 heap pages and 18-30 ms; from this table (id, industry,
point: 65 MB for 900,000 rows) it is ~200 pages and 8 ms (bench/radius.py, 1M businesses).
Statement-level triggers with transition tables keep it equal to the active, undeleted
businesses for single saves, bulk COPY and syncs; TRUNCATE empties it too. New rows go to the end
of the heap: `CLUSTER businesses_radius_point` after bulk loads keeps it sorted (seed_demo does).
"""

from django.db import migrations

PUBLIC = "status = 'active' AND NOT is_deleted"

FORWARD = f"""
CREATE TABLE businesses_radius_point (
    id bigint PRIMARY KEY,
    industry_id bigint NOT NULL,
    geom_m geometry(Point, 32648) NOT NULL
);
CREATE INDEX radius_point_geom_m ON businesses_radius_point USING gist (geom_m);

CREATE FUNCTION portal_radius_point_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM businesses_radius_point p USING old_rows o WHERE p.id = o.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO businesses_radius_point (id, industry_id, geom_m)
        SELECT id, industry_id, geom_m FROM new_rows WHERE {PUBLIC};
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION portal_radius_point_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE businesses_radius_point;
    RETURN NULL;
END $$;

CREATE TRIGGER radius_point_insert AFTER INSERT ON businesses_business
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_point_apply();
CREATE TRIGGER radius_point_update AFTER UPDATE ON businesses_business
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_point_apply();
CREATE TRIGGER radius_point_delete AFTER DELETE ON businesses_business
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_point_apply();
CREATE TRIGGER radius_point_truncate AFTER TRUNCATE ON businesses_business
    FOR EACH STATEMENT EXECUTE FUNCTION portal_radius_point_truncate();

INSERT INTO businesses_radius_point (id, industry_id, geom_m)
SELECT id, industry_id, geom_m FROM businesses_business WHERE {PUBLIC} ORDER BY geom_m;
ANALYZE businesses_radius_point;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS radius_point_insert ON businesses_business;
DROP TRIGGER IF EXISTS radius_point_update ON businesses_business;
DROP TRIGGER IF EXISTS radius_point_delete ON businesses_business;
DROP TRIGGER IF EXISTS radius_point_truncate ON businesses_business;
DROP FUNCTION IF EXISTS portal_radius_point_apply();
DROP FUNCTION IF EXISTS portal_radius_point_truncate();
DROP TABLE IF EXISTS businesses_radius_point;
"""


class Migration(migrations.Migration):
    dependencies = [("businesses", "0006_name_keys")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
