"""DDL of the taken-name tables that the name check searches (used by one migration).

`businesses_namekey_city(key, compact, n)` and `businesses_namekey_ward(key, ward_id, compact, n)`
count the taken signboards (active or suspended, not deleted) per folded name key. The check
searches these few distinct keys with pg_trgm, then fetches the businesses behind the best keys:
on 1M businesses, a trigram search of `businesses_business` itself rechecked ~137,000 rows for
"pho hoa" (400 ms). Statement-level triggers with transition tables keep the counts exact for
single saves, bulk COPY and syncs alike, at one aggregate upsert per statement; TRUNCATE (as
Django's test flush does) empties them too.
"""

from django.db import migrations

TAKEN = "status IN ('active', 'suspended') AND NOT is_deleted AND coalesce(signboard_key, '') <> ''"

PLUS = f"SELECT signboard_key AS key, ward_id, 1 AS d FROM new_rows WHERE {TAKEN}"
MINUS = f"SELECT signboard_key AS key, ward_id, -1 AS d FROM old_rows WHERE {TAKEN}"


def _apply(delta: str) -> str:
    """One statement adding a delta of (key, ward, ±1) to both tables."""
    return f"""WITH delta AS ({delta}),
        w AS (INSERT INTO businesses_namekey_ward AS t (key, ward_id, compact, n)
              SELECT key, ward_id, replace(key, ' ', ''), sum(d) FROM delta
               GROUP BY key, ward_id HAVING sum(d) <> 0
              ON CONFLICT (ward_id, key) DO UPDATE SET n = t.n + EXCLUDED.n)
        INSERT INTO businesses_namekey_city AS t (key, compact, n)
        SELECT key, replace(key, ' ', ''), sum(d) FROM delta GROUP BY key HAVING sum(d) <> 0
        ON CONFLICT (key) DO UPDATE SET n = t.n + EXCLUDED.n"""


FORWARD = f"""
CREATE TABLE businesses_namekey_city (
    key text PRIMARY KEY,
    compact text NOT NULL,
    n integer NOT NULL
);
CREATE INDEX namekey_city_trgm ON businesses_namekey_city USING gin (key gin_trgm_ops);
CREATE INDEX namekey_city_compact ON businesses_namekey_city (compact);

CREATE TABLE businesses_namekey_ward (
    key text NOT NULL,
    ward_id bigint NOT NULL,
    compact text NOT NULL,
    n integer NOT NULL,
    PRIMARY KEY (ward_id, key)
);
CREATE INDEX namekey_ward_compact ON businesses_namekey_ward (ward_id, compact);

CREATE INDEX business_signboard_key ON businesses_business (signboard_key, id);

CREATE INDEX namekey_ward_spent ON businesses_namekey_ward (ward_id) WHERE n <= 0;
CREATE INDEX namekey_city_spent ON businesses_namekey_city (key) WHERE n <= 0;

CREATE FUNCTION portal_namekey_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_apply(PLUS)};
    ELSIF TG_OP = 'UPDATE' THEN
        {_apply(PLUS + " UNION ALL " + MINUS)};
    ELSE
        {_apply(MINUS)};
    END IF;
    DELETE FROM businesses_namekey_ward WHERE n <= 0;
    DELETE FROM businesses_namekey_city WHERE n <= 0;
    RETURN NULL;
END $$;

CREATE FUNCTION portal_namekey_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE businesses_namekey_city, businesses_namekey_ward;
    RETURN NULL;
END $$;

CREATE TRIGGER namekey_insert AFTER INSERT ON businesses_business
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_namekey_apply();
CREATE TRIGGER namekey_update AFTER UPDATE ON businesses_business
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_namekey_apply();
CREATE TRIGGER namekey_delete AFTER DELETE ON businesses_business
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_namekey_apply();
CREATE TRIGGER namekey_truncate AFTER TRUNCATE ON businesses_business
    FOR EACH STATEMENT EXECUTE FUNCTION portal_namekey_truncate();

INSERT INTO businesses_namekey_ward (key, ward_id, compact, n)
SELECT signboard_key, ward_id, replace(signboard_key, ' ', ''), count(*)
  FROM businesses_business WHERE {TAKEN} GROUP BY 1, 2;
INSERT INTO businesses_namekey_city (key, compact, n)
SELECT key, compact, sum(n) FROM businesses_namekey_ward GROUP BY 1, 2;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS namekey_insert ON businesses_business;
DROP TRIGGER IF EXISTS namekey_update ON businesses_business;
DROP TRIGGER IF EXISTS namekey_delete ON businesses_business;
DROP TRIGGER IF EXISTS namekey_truncate ON businesses_business;
DROP FUNCTION IF EXISTS portal_namekey_apply();
DROP FUNCTION IF EXISTS portal_namekey_truncate();
DROP INDEX IF EXISTS business_signboard_key;
DROP TABLE IF EXISTS businesses_namekey_city, businesses_namekey_ward;
"""


class Migration(migrations.Migration):
    dependencies = [("businesses", "0005_export_log_sync_run")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
