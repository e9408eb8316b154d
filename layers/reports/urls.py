"""The reports' pages (/reports/…) and Open311 GeoReport v2 (/open311/v2/…), included from gisportal/urls.py;
their JSON API is in api.py, under /api/v1/."""

from django.urls import include, path

from layers.reports import pages

urlpatterns = [
    path("reports/", pages.lookup, name="report-lookup"),
    path("reports/new/", pages.new_page, name="report-new-page"),
    path("reports/queue/", pages.queue_page, name="report-queue-page"),
    path("reports/<str:code>/", pages.report_page, name="report-page"),
    path("reports/<str:code>/print/", pages.print_page, name="report-print"),
    path("reports/<str:code>/qr.png", pages.qr_png, name="report-qr"),
    path("reports/<str:code>/photos/<int:position>.jpg", pages.photo, name="report-photo"),
    path("open311/v2/", include("layers.reports.open311")),
]
