"""Parcel API: preview corners, save, edit with a version (409 when stale), history, export.

Land records are private as a whole: only land officers of the parcel's ward, leaders and admins
read them (others get an empty list or a 404), and only the ward's land officers write.
"""

from __future__ import annotations

import csv
import io
import json

from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gisportal.errors import InvalidInput
from gisportal.permissions import Domain, require_edit, scope_private
from imagery import parcels
from imagery.models import Parcel
from imagery.tiles_api import parse_bbox
from imagery.versioning import history, lock_current, soft_delete
from layers.models import AdminUnit

NOUN = ("thửa đất", "parcel")
HISTORY_FIELDS = ["ward", "sheet_no", "parcel_no", "land_use", "address", "note", "geom", "area_m2", "is_deleted"]


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


class CornersInput(serializers.Serializer):
    corners = serializers.JSONField(help_text="Text as pasted (one corner a line) or [[label, X, Y], …]")
    srid = serializers.ChoiceField(choices=sorted(parcels.CRS_CHOICES), default=parcels.VN2000_TM3_105_45)
    order = serializers.ChoiceField(choices=list(parcels.ORDERS), required=False)

    def shape(self) -> parcels.Shape:
        data = self.validated_data
        srid = data["srid"]
        order = data.get("order") or ("latlon" if srid == parcels.WGS84 else "xy")
        corners = data["corners"]
        if not isinstance(corners, str | list):
            raise InvalidInput("corners phải là văn bản hoặc danh sách.", "corners must be text or a list.")
        return parcels.build(corners, srid, order)


class ParcelInput(serializers.Serializer):
    ward = serializers.PrimaryKeyRelatedField(queryset=AdminUnit.objects.wards(), required=False)
    sheet_no = serializers.CharField(max_length=20)
    parcel_no = serializers.CharField(max_length=20)
    land_use = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)


def visible_parcels(user):
    return scope_private(Parcel.objects.filter(is_deleted=False), user, Domain.LAND)


def ward_of(geom: GEOSGeometry, named: AdminUnit | None) -> AdminUnit:
    """The ward a shape belongs to: the one named (which must hold its centre), or the one that holds it."""
    centre = geom.point_on_surface
    if named is not None:
        if named.boundary and not named.boundary.contains(centre):
            raise InvalidInput(
                f"Vị trí này không thuộc {named.name}.",
                f"This place is not inside {named.name}.",
                {"ward": named.pk},
                code="outside_ward",
            )
        return named
    found = AdminUnit.objects.valid_on().wards().filter(boundary__contains=centre).first()
    if found is None:
        raise InvalidInput(
            "Vị trí này không thuộc phường nào đã biết; hãy chọn phường.",
            "This place is in no known ward; choose the ward.",
            code="no_ward",
        )
    return found


def _geos(shape: parcels.Shape) -> Polygon:
    return GEOSGeometry(shape.polygon.wkt, srid=4326)


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


def _represent(request, parcel: Parcel) -> dict:
    return ParcelSerializer(parcel, context={"request": request}).data


@extend_schema(request=CornersInput, responses={200: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def preview(request) -> Response:
    """The polygon (WGS 84) of typed corners with its area, perimeter and edge lengths in VN-2000; nothing saved."""
    if not reads_land(request.user):
        raise PermissionDenied("Chỉ cán bộ địa chính và lãnh đạo. / Land officers and leaders only.")
    data = CornersInput(data=request.data)
    data.is_valid(raise_exception=True)
    return Response(data.shape().as_dict())


def reads_land(user) -> bool:
    """Whether the user reads land records at all (scope_private answers `none()` otherwise)."""
    return not scope_private(Parcel.objects.all(), user, Domain.LAND).query.is_empty()


class ParcelList(APIView):
    """Parcels the user may read, as GeoJSON (GET, `?bbox=&ward=`); a land officer saves one from corners (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("bbox", OpenApiTypes.STR), OpenApiParameter("ward", OpenApiTypes.INT)],
        responses=ParcelSerializer(many=True),
    )
    def get(self, request) -> Response:
        qs = visible_parcels(request.user)
        if raw := request.query_params.get("bbox"):
            box = Polygon.from_bbox(parse_bbox(raw))
            box.srid = 4326
            qs = qs.filter(geom__intersects=box)
        if raw := request.query_params.get("ward"):
            if not raw.isdigit():
                raise InvalidInput("ward phải là số.", "ward must be an id.", {"ward": raw})
            qs = qs.filter(ward_id=int(raw))
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
        return Response(_represent(request, parcel), status=status.HTTP_201_CREATED)


class ParcelDetail(APIView):
    """One parcel (GET); its ward's land officers change it (PATCH, corners re-measured) or delete it (soft)."""

    permission_classes = [IsAuthenticated]

    def _get(self, request, pk: int) -> Parcel:
        return get_object_or_404(visible_parcels(request.user), pk=pk)

    @extend_schema(responses=ParcelSerializer)
    def get(self, request, pk: int) -> Response:
        return Response(_represent(request, self._get(request, pk)))

    @extend_schema(request=ParcelInput, responses=ParcelSerializer)
    @transaction.atomic
    def patch(self, request, pk: int) -> Response:
        parcel = self._get(request, pk)
        require_edit(request.user, parcel.ward_id, domain=Domain.LAND)
        fields = ParcelInput(data=request.data, partial=True)
        fields.is_valid(raise_exception=True)
        current = lock_current(request, parcel, lambda p: _represent(request, p), NOUN)
        values = dict(fields.validated_data)
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
        current.version += 1
        current.save()
        return Response(_represent(request, current))

    @transaction.atomic
    @extend_schema(responses={204: None})
    def delete(self, request, pk: int) -> Response:
        parcel = self._get(request, pk)
        require_edit(request.user, parcel.ward_id, domain=Domain.LAND)
        soft_delete(request, parcel, lambda p: _represent(request, p), NOUN)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def parcel_history(request, pk: int) -> Response:
    """Every saved version of a parcel, newest first: who, when, what changed."""
    parcel = get_object_or_404(scope_private(Parcel.objects.all(), request.user, Domain.LAND), pk=pk)
    return Response({"id": parcel.pk, "history": history(parcel, HISTORY_FIELDS)})


@extend_schema(responses={200: OpenApiTypes.BINARY})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def parcel_export(request, pk: int, fmt: str) -> HttpResponse:
    """The parcel as a GeoJSON file (WGS 84), or its corner table as CSV (VN-2000 X/Y, lon/lat, edge lengths)."""
    parcel = get_object_or_404(visible_parcels(request.user), pk=pk)
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
