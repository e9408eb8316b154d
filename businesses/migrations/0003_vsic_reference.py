from django.db import migrations


def load(apps, schema_editor):
    from businesses.vsic import ensure_reference

    ensure_reference(apps.get_model("businesses", "Industry"))


class Migration(migrations.Migration):
    dependencies = [("businesses", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
