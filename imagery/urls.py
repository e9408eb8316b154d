"""API routes of the imagery app, mounted under /api/v1/ (tiles are in imagery/tiles_api.py, under /imagery/)."""

from django.urls import path

from imagery import api, parcels_api, permits_api

urlpatterns = [
    path("imagery/acquisitions/", api.AcquisitionList.as_view(), name="imagery-acquisitions"),
    path("imagery/acquisitions/<int:pk>/", api.AcquisitionDetail.as_view(), name="imagery-acquisition"),
    path("imagery/jobs/", api.job_list, name="imagery-jobs"),
    path("imagery/jobs/<int:pk>/", api.job_detail, name="imagery-job"),
    path("imagery/strip", api.strip, name="imagery-strip"),
    path("parcels/", parcels_api.ParcelList.as_view(), name="parcel-list"),
    path("parcels/preview", parcels_api.preview, name="parcel-preview"),
    path("parcels/<int:pk>/", parcels_api.ParcelDetail.as_view(), name="parcel-detail"),
    path("parcels/<int:pk>/history", parcels_api.parcel_history, name="parcel-history"),
    path("parcels/<int:pk>/export.geojson", parcels_api.parcel_export, {"fmt": "geojson"}, name="parcel-geojson"),
    path("parcels/<int:pk>/export.csv", parcels_api.parcel_export, {"fmt": "csv"}, name="parcel-csv"),
    path("permits/", permits_api.PermitList.as_view(), name="permit-list"),
    path("permits/<int:pk>/", permits_api.PermitDetail.as_view(), name="permit-detail"),
    path("permits/<int:pk>/history", permits_api.permit_history, name="permit-history"),
]
