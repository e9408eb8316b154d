from django.urls import path

from households.api import geocode, house_numbers, households, imports

urlpatterns = [
    path("streets/", house_numbers.StreetList.as_view(), name="street-list"),
    path("house-numbers/", house_numbers.HouseNumberList.as_view(), name="house-number-list"),
    path("house-numbers/report", house_numbers.ward_report, name="house-number-report"),
    path("house-numbers/<int:pk>/", house_numbers.house_number_detail, name="house-number-detail"),
    path("house-numbers/<int:pk>/history", house_numbers.house_number_history, name="house-number-history"),
    path("geocode", geocode.forward, name="geocode"),
    path("geocode/reverse", geocode.reverse, name="geocode-reverse"),
    path("geocode/suggest", geocode.suggest_view, name="geocode-suggest"),
    path("house-imports/", imports.house_imports, name="house-import-list"),
    path("house-imports/<int:pk>/", imports.house_import, name="house-import-detail"),
    path("households/", households.household_list, name="household-list"),
    path("households/stats", households.household_stats_view, name="household-stats"),
    path("households/<int:pk>/", households.household_detail, name="household-detail"),
    path("households/<int:pk>/moves", households.household_moves, name="household-moves"),
]
