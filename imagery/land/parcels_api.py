"""Parcel API: preview corners, save, edit with a version (409 when stale), history, export.

Access and the versioned views are the land records' (imagery/land/records.py).
"""

from __future__ import annotations

import csv
import io
import json
from typing import cast

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gisportal import openapi
from gisportal.errors import InvalidInput
from gisportal.permissions import Domain, ReadsLand, can_edit, require_edit
from imagery.api.params import parse_bbox
from imagery.land import parcels
from imagery.land.records import (
    CornersInput,
    RecordDetail,
    RecordHistory,
    documented,
    id_param,
    visible,
    ward_at,
    ward_of,
)
from imagery.models import Parcel
from layers.models import AdminUnit


class ParcelSerializer(GeoFeatureModelSerializer):
    edges = serializers.SerializerMethodField()

    class Meta:
        model = Parcel
        geo_field = "geom"
        fields = [
            "id",
            "ward",
            "sheet_no",
            "parcel_no",
            "land_use",
            "address",
            "note",
            "source_srid",
            "corners",
            "measure_srid",
            "area_m2",
            "perimeter_m",
            "edges",
            "version",
            "created_at",
        ]

    def get_edges(self, obj: Parcel) -> list[dict]:
        return parcels.from_stored(obj.corners, obj.source_srid).edges()


class ParcelInput(serializers.Serializer):
    ward = serializers.PrimaryKeyRelatedField(queryset=AdminUnit.objects.wards(), required=False)
    sheet_no = serializers.CharField(max_length=20)
    parcel_no = serializers.CharField(max_length=20)
    land_use = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


def _geos(shape: parcels.Shape) -> Polygon:
    return cast(Polygon, GEOSGeometry(shape.polygon.wkt, srid=4326))


def _check_unique(ward: AdminUnit, sheet_no: str, parcel_no: str, exclude: int | None = None) -> None:
    qs = Parcel.objects.filter(ward=ward, sheet_no=sheet_no, parcel_no=parcel_no, is_deleted=False)
    if exclude:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise InvalidInput(
            f"Đã có thửa {parcel_no} tờ {sheet_no} ở {ward.name}.",
            f"Parcel {parcel_no} of sheet {sheet_no} already exists in {ward.name}.",
            {"sheet_no": sheet_no, "parcel_no": parcel_no},
            code="duplicate_parcel",
        )


@extend_schema(request=CornersInput, responses={200: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated, ReadsLand])
def preview(request) -> Response:
    """The polygon (WGS 84) of typed corners with its area, perimeter and edge lengths in VN-2000; nothing saved.

    `ward` is the ward it would be saved in ({id, name, editable: whether this user may save it there}), or null
    when it lies in none (a wrong zone or column order usually): the page then offers no save.
    """
    data = CornersInput(data=request.data)
    data.is_valid(raise_exception=True)
    shape = data.shape()
    ward = ward_at(_geos(shape))
    place = None
    if ward is not None:
        editable = can_edit(request.user, ward.pk, domain=Domain.LAND)
        place = {"id": ward.pk, "name": ward.name, "editable": editable}
    return Response({**shape.as_dict(), "ward": place})


class ParcelList(APIView):
    """Parcels the user may read, as GeoJSON (GET, `?bbox=&ward=`); a land officer saves one from corners (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("bbox", OpenApiTypes.STR), OpenApiParameter("ward", OpenApiTypes.INT)],
        responses=ParcelSerializer(many=True),
    )
    def get(self, request) -> Response:
        qs = visible(Parcel, request.user)
        if raw := request.query_params.get("bbox"):
            box = Polygon.from_bbox(parse_bbox(raw))
            box.srid = 4326
            qs = qs.filter(geom__intersects=box)
        if (ward := id_param(request.query_params, "ward")) is not None:
            qs = qs.filter(ward_id=ward)
        return Response(ParcelSerializer(qs[:2000], many=True, context={"request": request}).data)

    @extend_schema(request=ParcelInput, responses={201: ParcelSerializer})
    def post(self, request) -> Response:
        fields = ParcelInput(data=request.data)
        fields.is_valid(raise_exception=True)
        corners = CornersInput(data=request.data)
        corners.is_valid(raise_exception=True)
        shape = corners.shape()
        geom = _geos(shape)
        values = dict(fields.validated_data)
        ward = ward_of(geom, values.pop("ward", None))
        require_edit(request.user, ward.pk, domain=Domain.LAND)
        with transaction.atomic():
            _check_unique(ward, values["sheet_no"], values["parcel_no"])
            parcel = Parcel.objects.create(
                ward=ward,
                geom=geom,
                source_srid=shape.source_srid,
                corners=shape.corners,
                measure_srid=shape.measure_srid,
                area_m2=shape.area_m2,
                perimeter_m=shape.perimeter_m,
                created_by=request.user,
                **values,
            )
        body = ParcelSerializer(parcel, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@documented(ParcelSerializer, ParcelInput)
class ParcelDetail(RecordDetail):
    """One parcel (GET); its ward's land officers change it (PATCH, corners re-measured) or delete it (soft)."""

    model = Parcel
    serializer_class = ParcelSerializer
    input_class = ParcelInput
    noun = ("thửa đất", "parcel")

    def change(self, request, current: Parcel, values: dict) -> None:
        named_ward = values.pop("ward", None)
        if "corners" in request.data:
            payload = {"srid": current.source_srid, "order": current.corners["order"], **request.data}
            corners = CornersInput(data=payload)
            corners.is_valid(raise_exception=True)
            shape = corners.shape()
            current.geom = _geos(shape)
            current.source_srid, current.corners = shape.source_srid, shape.corners
            current.measure_srid, current.area_m2, current.perimeter_m = (
                shape.measure_srid,
                shape.area_m2,
                shape.perimeter_m,
            )
        if named_ward is not None or "corners" in request.data:
            current.ward = ward_of(current.geom, named_ward or current.ward)
            require_edit(request.user, current.ward_id, domain=Domain.LAND)
        for name, value in values.items():
            setattr(current, name, value)
        _check_unique(current.ward, current.sheet_no, current.parcel_no, exclude=current.pk)


class ParcelHistory(RecordHistory):
    """Every saved version of a parcel, newest first: who, when, what changed."""

    model = Parcel
    fields = ["ward", "sheet_no", "parcel_no", "land_use", "address", "note", "geom", "area_m2", "is_deleted"]


@extend_schema(responses=openapi.download(openapi.CSV, openapi.GEOJSON, description="The parcel's corners"))
@api_view(["GET", "HEAD"])
@permission_classes([IsAuthenticated])
def parcel_export(request, pk: int, fmt: str) -> HttpResponse:
    """The parcel as a GeoJSON file (WGS 84), or its corner table as CSV (VN-2000 X/Y, lon/lat, edge lengths)."""
    parcel = get_object_or_404(visible(Parcel, request.user), pk=pk)
    name = f"thua-{parcel.parcel_no}-to-{parcel.sheet_no}".replace("/", "-")
    shape = parcels.from_stored(parcel.corners, parcel.source_srid)
    if fmt == "geojson":
        feature = {
            "type": "Feature",
            "geometry": json.loads(parcel.geom.geojson),
            "properties": {
                "sheet_no": parcel.sheet_no,
                "parcel_no": parcel.parcel_no,
                "land_use": parcel.land_use,
                "address": parcel.address,
                "area_m2": round(parcel.area_m2, 2),
                "perimeter_m": round(parcel.perimeter_m, 2),
                "measure_crs": f"EPSG:{parcel.measure_srid}",
                "version": parcel.version,
            },
        }
        body = json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/geo+json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.geojson"'
        return response
    out = io.StringIO()
    out.write("\ufeff")  # so that Excel reads the Vietnamese headers as UTF-8
    writer = csv.writer(out)
    writer.writerow([f"Thửa {parcel.parcel_no}, tờ {parcel.sheet_no}", f"EPSG:{parcel.measure_srid}"])
    writer.writerow(["Điểm / point", "X (m)", "Y (m)", "Kinh độ / lon", "Vĩ độ / lat", "Cạnh tới điểm sau / edge (m)"])
    described = shape.as_dict()
    for corner, edge in zip(described["corners"], described["edges"], strict=True):
        writer.writerow(
            [
                corner["label"],
                f"{corner['x_north']:.3f}",
                f"{corner['y_east']:.3f}",
                f"{corner['lon']:.8f}",
                f"{corner['lat']:.8f}",
                f"{edge['length_m']:.2f}",
            ]
        )
    writer.writerow(["Diện tích / area (m²)", f"{parcel.area_m2:.1f}"])
    writer.writerow(["Chu vi / perimeter (m)", f"{parcel.perimeter_m:.2f}"])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
