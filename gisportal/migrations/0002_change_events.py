"""One NOTIFY per statement on `portal_changes` when map features change (gisportal/events.py).

Generic: `portal_notify_change(layer)` reads the statement's transition tables, which must have
a `ward_id` column. The payload names the layer, the operation, the wards and the row count,
never a value. A bulk load of a million rows sends one notification, not a million.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION portal_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wards bigint[];
    n integer;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT ward_id), count(*) INTO wards, n FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT w), count(*) / 2 INTO wards, n
          FROM (SELECT ward_id AS w FROM new_rows UNION ALL SELECT ward_id FROM old_rows) s;
    ELSE
        SELECT array_agg(DISTINCT ward_id), count(*) INTO wards, n FROM old_rows;
    END IF;
    IF n > 0 THEN
        -- A NOTIFY payload holds under 8,000 bytes: past a few hundred wards, say "every ward".
        IF cardinality(wards) > 300 THEN
            wards := NULL;
        END IF;
        PERFORM pg_notify('portal_changes', json_build_object(
            'layer', TG_ARGV[0], 'op', lower(TG_OP), 'wards', wards, 'count', n)::text);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER businesses_notify_insert AFTER INSERT ON businesses_business
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_change('businesses');
CREATE TRIGGER businesses_notify_update AFTER UPDATE ON businesses_business
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_change('businesses');
CREATE TRIGGER businesses_notify_delete AFTER DELETE ON businesses_business
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_change('businesses');
"""

BACKWARD = """
DROP TRIGGER IF EXISTS businesses_notify_insert ON businesses_business;
DROP TRIGGER IF EXISTS businesses_notify_update ON businesses_business;
DROP TRIGGER IF EXISTS businesses_notify_delete ON businesses_business;
DROP FUNCTION IF EXISTS portal_notify_change();
"""


class Migration(migrations.Migration):
    dependencies = [("gisportal", "0001_initial"), ("businesses", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
