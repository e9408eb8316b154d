from django.urls import path

from households import api, geocode_api, household_api, import_api

urlpatterns = [
    path("streets/", api.StreetList.as_view(), name="street-list"),
    path("house-numbers/", api.HouseNumberList.as_view(), name="house-number-list"),
    path("house-numbers/report", api.ward_report, name="house-number-report"),
    path("house-numbers/<int:pk>/", api.house_number_detail, name="house-number-detail"),
    path("house-numbers/<int:pk>/history", api.house_number_history, name="house-number-history"),
    path("geocode", geocode_api.forward, name="geocode"),
    path("geocode/reverse", geocode_api.reverse, name="geocode-reverse"),
    path("geocode/suggest", geocode_api.suggest_view, name="geocode-suggest"),
    path("house-imports/", import_api.house_imports, name="house-import-list"),
    path("house-imports/<int:pk>/", import_api.house_import, name="house-import-detail"),
    path("households/", household_api.household_list, name="household-list"),
    path("households/stats", household_api.household_stats_view, name="household-stats"),
    path("households/<int:pk>/", household_api.household_detail, name="household-detail"),
    path("households/<int:pk>/moves", household_api.household_moves, name="household-moves"),
]
