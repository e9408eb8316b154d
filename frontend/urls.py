from django.urls import path

from businesses import pages as business_pages
from frontend import dashboard, history_api, levels_api, views

urlpatterns = [
    path("", views.map_page, name="map"),
    # Each app builds its own pages' data; the templates are all here in frontend.
    path("businesses/", business_pages.businesses_page, name="businesses-page"),
    path("businesses/stats/", business_pages.business_stats_page, name="business-stats-page"),
    path("businesses/edit/", business_pages.business_editor_page, name="business-editor-page"),
    path("layers/edit/", views.layers_editor_page, name="layers-editor-page"),
    path("layers/forest/", views.layers_forest_page, name="layers-forest-page"),
    path("households/report/", views.house_report_page, name="house-report-page"),
    path("leader/dashboard/", dashboard.dashboard_page, name="leader-dashboard"),
    path("leader/dashboard/data", dashboard.dashboard_data, name="leader-dashboard-data"),
    path("leader/dashboard/export.csv", dashboard.dashboard_export, {"fmt": "csv"}, name="leader-dashboard-csv"),
    path("leader/dashboard/history", history_api.figure_history, name="leader-dashboard-history"),
    path("leader/dashboard/snapshots", history_api.take_snapshot, name="leader-dashboard-snapshots"),
    path("leader/levels/", levels_api.scheme_list, name="leader-levels"),
    path("leader/levels/<int:pk>", levels_api.scheme_detail, name="leader-level"),
    path("leader/dashboard/export.xlsx", dashboard.dashboard_export, {"fmt": "xlsx"}, name="leader-dashboard-xlsx"),
]
