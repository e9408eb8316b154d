"""API routes of the detection app, mounted under /api/v1/ (the review page is in imagery/detection/views.py)."""

from django.urls import path

from imagery.detection import api, exports

urlpatterns = [
    path("detection/runs/", api.run_list, name="detection-runs"),
    path("detection/runs/<int:pk>/", api.run_detail, name="detection-run"),
    path("detection/runs/<int:pk>/cancel", api.run_cancel, name="detection-run-cancel"),
    path("detection/flags/", api.flag_list, name="detection-flags"),
    path("detection/flags/export.geojson", exports.export, {"fmt": "geojson"}, name="detection-export-geojson"),
    path("detection/flags/export.kml", exports.export, {"fmt": "kml"}, name="detection-export-kml"),
    path("detection/flags/export.xlsx", exports.export, {"fmt": "xlsx"}, name="detection-export-xlsx"),
    path("detection/flags/<int:pk>/", api.flag_detail, name="detection-flag"),
    path("detection/flags/<int:pk>/decide", api.flag_decide, name="detection-flag-decide"),
    path("detection/flags/<int:pk>/history", api.flag_history, name="detection-flag-history"),
    path(
        "detection/flags/<int:pk>/chip/<str:which>.png",
        api.flag_chip,
        name="detection-flag-chip",
    ),
    path("detection/counts", api.ward_counts, name="detection-counts"),
]
