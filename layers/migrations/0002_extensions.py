from django.contrib.postgres.operations import CreateExtension, TrigramExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("layers", "0001_initial")]

    operations = [
        CreateExtension("postgis_raster"),
        TrigramExtension(),
        UnaccentExtension(),
    ]
