"""A business's save touches its radius point only when what the count reads changed.

Migration 0007 replaced the point of every updated business, so since the cell counts (0014) every save,
a new signboard or phone included, took the row locks of its four cell counts until its transaction ended:
officers saving businesses of the same ward waited for each other, and for a sync running there. Now an
update deletes and re-inserts only the points whose industry, place or public state changed (a saved
business with nothing of these changed leaves the points and the cells alone).
"""

from django.db import migrations

PUBLIC_NEW = "n.status = 'active' AND NOT n.is_deleted"
PUBLIC_OLD = "o.status = 'active' AND NOT o.is_deleted"

# ST_Equals would call two points equal with their coordinates in another order; the count reads the
# coordinates, so their bytes are compared.
CHANGED = f"""(n.industry_id IS DISTINCT FROM o.industry_id
            OR ST_AsBinary(n.geom_m) IS DISTINCT FROM ST_AsBinary(o.geom_m)
            OR ({PUBLIC_NEW}) IS DISTINCT FROM ({PUBLIC_OLD}))"""

FORWARD = f"""
CREATE OR REPLACE FUNCTION portal_radius_point_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM businesses_radius_point p USING old_rows o WHERE p.id = o.id;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO businesses_radius_point (id, industry_id, geom_m)
        SELECT id, industry_id, geom_m FROM new_rows n WHERE {PUBLIC_NEW};
    ELSE
        DELETE FROM businesses_radius_point p USING new_rows n JOIN old_rows o ON o.id = n.id
         WHERE p.id = n.id AND {CHANGED};
        INSERT INTO businesses_radius_point (id, industry_id, geom_m)
        SELECT n.id, n.industry_id, n.geom_m FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE {CHANGED} AND {PUBLIC_NEW};
    END IF;
    RETURN NULL;
END $$;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION portal_radius_point_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM businesses_radius_point p USING old_rows o WHERE p.id = o.id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO businesses_radius_point (id, industry_id, geom_m)
        SELECT id, industry_id, geom_m FROM new_rows WHERE status = 'active' AND NOT is_deleted;
    END IF;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("businesses", "0014_radius_cells")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
