from django.urls import path

from frontend import views

urlpatterns = [
    path("", views.map_page, name="map"),
    path("businesses/", views.businesses_page, name="businesses-page"),
    path("businesses/stats/", views.business_stats_page, name="business-stats-page"),
    path("businesses/edit/", views.business_editor_page, name="business-editor-page"),
    path("layers/edit/", views.layers_editor_page, name="layers-editor-page"),
    path("layers/forest/", views.layers_forest_page, name="layers-forest-page"),
    path("households/report/", views.house_report_page, name="house-report-page"),
]
