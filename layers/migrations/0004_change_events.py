"""Live changes of waste points and forest plots: the generic per-statement NOTIFY of gisportal 0002."""

from django.db import migrations

TABLES = {"layers_wastepoint": "waste_points", "layers_forestplot": "forest_plots"}


def forward() -> str:
    out = []
    for table, layer in TABLES.items():
        out.append(f"""
CREATE TRIGGER {table}_notify_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_change('{layer}');
CREATE TRIGGER {table}_notify_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_change('{layer}');
CREATE TRIGGER {table}_notify_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION portal_notify_change('{layer}');""")
    return "\n".join(out)


def backward() -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {table}_notify_{op} ON {table};"
        for table in TABLES
        for op in ("insert", "update", "delete")
    )


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_waste_forest"), ("gisportal", "0002_change_events")]

    operations = [migrations.RunSQL(forward(), backward())]
