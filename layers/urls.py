from django.urls import include, path

from layers.api import units

urlpatterns = [
    path("admin-units/", units.AdminUnitList.as_view(), name="adminunit-list"),
    path("admin-units/<int:pk>/", units.AdminUnitDetail.as_view(), name="adminunit-detail"),
    path("pois/", units.POIList.as_view(), name="poi-list"),
    path("pois/<int:pk>/", units.POIDetail.as_view(), name="poi-detail"),
    path("", include("layers.api.features")),
    path("", include("layers.waste.api")),
    path("", include("layers.files.api")),
    path("", include("layers.forest.api")),
    path("", include("layers.themes.api")),
    path("", include("layers.reports.api")),
]
