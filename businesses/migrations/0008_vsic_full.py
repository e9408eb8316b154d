"""The full official VSIC 2018 and VSIC 2025 tables (businesses/reference/*.csv), loaded idempotently.

Databases created before this held 21 sections and 26 common codes; this adds the rest of both versions and puts
the official names back on the rows that were there (e.g. 4752, 4771, the section names). The first list also
held 9602, ISIC's code for hairdressing, which is no VSIC 2018 code: businesses on it move to 9631 (VSIC 2018
hairdressing) and the row goes. The reverse keeps the rows: businesses point at them.
"""

from django.db import migrations


def load(apps, schema_editor):
    from businesses.vsic import ensure_reference

    industry = apps.get_model("businesses", "Industry")
    ensure_reference(industry, update=True)
    wrong = industry.objects.filter(version="VSIC2018", code="9602").first()
    if wrong is not None:
        right = industry.objects.get(version="VSIC2018", code="9631")
        business = apps.get_model("businesses", "Business")
        business.objects.filter(industry=wrong).update(industry=right)
        links = business.other_industries.through.objects
        links.filter(industry=wrong).exclude(business__other_industries=right).update(industry=right)
        links.filter(industry=wrong).delete()
        wrong.delete()


class Migration(migrations.Migration):
    dependencies = [("businesses", "0007_radius_points")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
