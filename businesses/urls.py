from django.urls import path

from businesses import api

urlpatterns = [
    path("businesses/name-check", api.name_check, name="business-name-check"),
    path("businesses/radius", api.radius_scan, name="business-radius"),
    path("businesses/<int:pk>/", api.BusinessDetail.as_view(), name="business-detail"),
    path("businesses/<int:pk>/restore", api.business_restore, name="business-restore"),
    path("businesses/<int:pk>/history", api.business_history, name="business-history"),
]
