from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin
from simple_history.admin import SimpleHistoryAdmin

from layers.models import POI, AdminUnit


@admin.register(AdminUnit)
class AdminUnitAdmin(LeafletGeoAdmin, SimpleHistoryAdmin):
    list_display = ["name", "level", "kind", "code", "valid_from", "valid_to", "successor"]
    list_filter = ["level", "kind"]
    search_fields = ["name", "code"]


@admin.register(POI)
class POIAdmin(LeafletGeoAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "ward"]
    list_filter = ["kind"]
    search_fields = ["name", "address"]
