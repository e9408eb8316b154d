from django.contrib import admin

from gisportal.audit import AuditEntry
from gisportal.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "khu_pho"]
    list_filter = ["role"]
    filter_horizontal = ["wards"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (a trigger refuses UPDATE and DELETE on its table anyway)."""

    list_display = ["at", "kind", "username", "method", "path", "ip", "status"]
    list_filter = ["kind", "at"]
    search_fields = ["username", "path", "ip"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
