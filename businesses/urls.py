from django.urls import path

from businesses.api import detail, lists, public, sync

urlpatterns = [
    path("businesses/name-check", public.name_check, name="business-name-check"),
    path("businesses/", lists.BusinessList.as_view(), name="business-list"),
    path("businesses/stats", lists.business_stats, name="business-stats"),
    path("businesses/export.csv", lists.BusinessExport.as_view(fmt="csv"), name="business-export-csv"),
    path("businesses/export.xlsx", lists.BusinessExport.as_view(fmt="xlsx"), name="business-export-xlsx"),
    path("businesses/export.geojson", lists.BusinessExport.as_view(fmt="geojson"), name="business-export-geojson"),
    path("businesses/exports", lists.export_log, name="business-export-log"),
    path("businesses/radius", public.radius_scan, name="business-radius"),
    path("businesses/sync", sync.sync_businesses, name="business-sync"),
    path("businesses/sync/missing", sync.missing_businesses, name="business-sync-missing"),
    path("businesses/sync/runs", sync.sync_runs, name="business-sync-runs"),
    path("businesses/sync/runs/<int:pk>", sync.sync_run, name="business-sync-run"),
    path("businesses/industries", public.industries, name="business-industries"),
    path("businesses/<int:pk>/", detail.BusinessDetail.as_view(), name="business-detail"),
    path("businesses/<int:pk>/restore", detail.business_restore, name="business-restore"),
    path("businesses/<int:pk>/history", detail.business_history, name="business-history"),
]
