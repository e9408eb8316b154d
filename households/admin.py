from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin
from simple_history.admin import SimpleHistoryAdmin

from households.models import Household, HouseImport, HouseNumber, Street


@admin.register(Street)
class StreetAdmin(LeafletGeoAdmin):
    list_display = ["name", "ward"]
    search_fields = ["name"]


@admin.register(HouseNumber)
class HouseNumberAdmin(SimpleHistoryAdmin, LeafletGeoAdmin):
    list_display = ["number", "street", "ward", "khu_pho", "status", "version"]
    list_filter = ["status", "source"]
    search_fields = ["address"]
    raw_id_fields = ["street", "ward", "khu_pho", "house_import"]
    readonly_fields = ["main", "main_suffix", "prefix", "alleys", "sort_key", "version"]


@admin.register(HouseImport)
class HouseImportAdmin(admin.ModelAdmin):
    list_display = ["id", "file_name", "status", "rows", "created", "updated", "rejected", "created_at"]
    list_filter = ["status", "source"]
    readonly_fields = [f.name for f in HouseImport._meta.fields]


@admin.register(Household)
class HouseholdAdmin(SimpleHistoryAdmin):
    list_display = ["code", "ward", "khu_pho", "size", "status"]
    list_filter = ["status", "poor", "near_poor"]
    raw_id_fields = ["house_number", "ward", "khu_pho"]
