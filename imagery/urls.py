"""API routes of the imagery app, mounted under /api/v1/ (tiles are in imagery/api/tiles.py, under /imagery/)."""

from django.urls import path

from imagery.api import acquisitions
from imagery.land import parcels_api, permits_api

urlpatterns = [
    path("imagery/acquisitions/", acquisitions.AcquisitionList.as_view(), name="imagery-acquisitions"),
    path("imagery/acquisitions/<int:pk>/", acquisitions.AcquisitionDetail.as_view(), name="imagery-acquisition"),
    path("imagery/jobs/", acquisitions.job_list, name="imagery-jobs"),
    path("imagery/jobs/<int:pk>/", acquisitions.job_detail, name="imagery-job"),
    path("imagery/strip", acquisitions.strip, name="imagery-strip"),
    path("parcels/", parcels_api.ParcelList.as_view(), name="parcel-list"),
    path("parcels/preview", parcels_api.preview, name="parcel-preview"),
    path("parcels/<int:pk>/", parcels_api.ParcelDetail.as_view(), name="parcel-detail"),
    path("parcels/<int:pk>/history", parcels_api.ParcelHistory.as_view(), name="parcel-history"),
    path("parcels/<int:pk>/export.geojson", parcels_api.parcel_export, {"fmt": "geojson"}, name="parcel-geojson"),
    path("parcels/<int:pk>/export.csv", parcels_api.parcel_export, {"fmt": "csv"}, name="parcel-csv"),
    path("permits/", permits_api.PermitList.as_view(), name="permit-list"),
    path("permits/<int:pk>/", permits_api.PermitDetail.as_view(), name="permit-detail"),
    path("permits/<int:pk>/history", permits_api.PermitHistory.as_view(), name="permit-history"),
]
