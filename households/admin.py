from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from households.models import Street


@admin.register(Street)
class StreetAdmin(LeafletGeoAdmin):
    list_display = ["name", "ward"]
    search_fields = ["name"]
