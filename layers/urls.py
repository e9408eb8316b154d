from django.urls import include, path

from layers import api

urlpatterns = [
    path("admin-units/", api.AdminUnitList.as_view(), name="adminunit-list"),
    path("admin-units/<int:pk>/", api.AdminUnitDetail.as_view(), name="adminunit-detail"),
    path("pois/", api.POIList.as_view(), name="poi-list"),
    path("pois/<int:pk>/", api.POIDetail.as_view(), name="poi-detail"),
    path("", include("layers.features_api")),
    path("", include("layers.waste_api")),
    path("", include("layers.files_api")),
    path("", include("layers.forest_api")),
]
