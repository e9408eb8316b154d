from django.contrib import admin

from gisportal.models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "khu_pho"]
    list_filter = ["role"]
    filter_horizontal = ["wards"]
