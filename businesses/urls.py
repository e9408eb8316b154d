from django.urls import path

from businesses import api, list_api, sync_api

urlpatterns = [
    path("businesses/name-check", api.name_check, name="business-name-check"),
    path("businesses/", list_api.BusinessList.as_view(), name="business-list"),
    path("businesses/stats", list_api.business_stats, name="business-stats"),
    path("businesses/export.csv", list_api.BusinessExport.as_view(fmt="csv"), name="business-export-csv"),
    path("businesses/export.xlsx", list_api.BusinessExport.as_view(fmt="xlsx"), name="business-export-xlsx"),
    path("businesses/export.geojson", list_api.BusinessExport.as_view(fmt="geojson"), name="business-export-geojson"),
    path("businesses/exports", list_api.export_log, name="business-export-log"),
    path("businesses/radius", api.radius_scan, name="business-radius"),
    path("businesses/sync", sync_api.sync_businesses, name="business-sync"),
    path("businesses/sync/missing", sync_api.missing_businesses, name="business-sync-missing"),
    path("businesses/sync/runs", sync_api.sync_runs, name="business-sync-runs"),
    path("businesses/sync/runs/<int:pk>", sync_api.sync_run, name="business-sync-run"),
    path("businesses/industries", api.industries, name="business-industries"),
    path("businesses/<int:pk>/", api.BusinessDetail.as_view(), name="business-detail"),
    path("businesses/<int:pk>/restore", api.business_restore, name="business-restore"),
    path("businesses/<int:pk>/history", api.business_history, name="business-history"),
]
