"""Building permit API: the permit layer (GeoJSON), create, edit with a version (409 when stale), history.

The permitted footprint comes as a GeoJSON polygon (WGS 84) or, like a parcel, as corner coordinates
from the permit's drawing (VN-2000 X/Y by default). Same access rules as parcels.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import cast

from django.contrib.gis.geos import GEOSException, GEOSGeometry, Polygon
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gisportal.errors import InvalidInput
from gisportal.permissions import Domain, require_edit
from gisportal.text import refuse_hostile
from imagery.api.params import parse_bbox
from imagery.land import parcels
from imagery.land.records import CornersInput, RecordDetail, RecordHistory, documented, id_param, visible, ward_of
from imagery.models import BuildingPermit, BuildingPermitQuerySet, Parcel
from layers.crs import check_lon_lat


class PermitSerializer(GeoFeatureModelSerializer):
    footprint_area_m2 = serializers.SerializerMethodField()

    class Meta:
        model = BuildingPermit
        geo_field = "footprint"
        fields = [
            "id",
            "permit_no",
            "ward",
            "parcel",
            "issued_on",
            "valid_until",
            "floors",
            "note",
            "footprint_area_m2",
            "version",
            "created_at",
        ]

    def get_footprint_area_m2(self, obj: BuildingPermit) -> float:
        ring = obj.footprint.coords[0]
        centre_lon = sum(p[0] for p in ring) / len(ring)
        plane = obj.footprint.transform(parcels.measure_srid(parcels.WGS84, centre_lon), clone=True)
        return round(plane.area, 2)


class PermitInput(serializers.Serializer):
    permit_no = serializers.CharField(max_length=40)
    issued_on = serializers.DateField()
    valid_until = serializers.DateField(required=False, allow_null=True)
    floors = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=200)
    note = serializers.CharField(required=False, allow_blank=True)
    parcel = serializers.IntegerField(required=False, allow_null=True)
    footprint = serializers.JSONField(required=False, help_text="GeoJSON Polygon (WGS 84)")

    def validate(self, attrs: dict) -> dict:
        for name in ("permit_no", "note"):
            if attrs.get(name):
                refuse_hostile(name, attrs[name])
        issued, until = attrs.get("issued_on"), attrs.get("valid_until")
        if issued and until and until < issued:
            raise InvalidInput(
                "Ngày hết hạn trước ngày cấp.", "The permit expires before it was issued.", {"valid_until": str(until)}
            )
        return attrs


def _footprint(request) -> Polygon | None:
    """The permitted footprint from `footprint` (GeoJSON) or `corners` (+ `srid`, `order`); None if neither."""
    data = request.data
    if data.get("footprint") is not None:
        try:
            geom = GEOSGeometry(json.dumps(data["footprint"]), srid=4326)
        except (GEOSException, ValueError, TypeError) as exc:
            raise InvalidInput("footprint không phải GeoJSON hợp lệ.", "footprint is not valid GeoJSON.") from exc
        if geom.geom_type != "Polygon" or not geom.valid:
            raise InvalidInput(
                "footprint phải là một đa giác hợp lệ.",
                "footprint must be one valid Polygon.",
                {"type": geom.geom_type},
            )
        polygon = cast(Polygon, geom)  # its type checked just above
        for lon, lat in polygon.coords[0]:
            check_lon_lat(lon, lat)
        return polygon
    if data.get("corners") is not None:
        corners = CornersInput(data=data)
        corners.is_valid(raise_exception=True)
        return cast(Polygon, GEOSGeometry(corners.shape().polygon.wkt, srid=4326))
    return None


def _parcel(request, raw) -> Parcel | None:
    if raw in (None, ""):
        return None
    found = visible(Parcel, request.user).filter(pk=raw).first()
    if found is None:
        raise InvalidInput(f"Không có thửa đất mã {raw}.", f"No parcel with id {raw}.", {"parcel": raw})
    return found


class PermitList(APIView):
    """Permits the user may read, as GeoJSON (GET); a land officer records one (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("bbox", OpenApiTypes.STR),
            OpenApiParameter("ward", OpenApiTypes.INT),
            OpenApiParameter("parcel", OpenApiTypes.INT),
            OpenApiParameter("valid_on", OpenApiTypes.DATE, description="Only permits in force on this day"),
        ],
        responses=PermitSerializer(many=True),
    )
    def get(self, request) -> Response:
        qs = cast(BuildingPermitQuerySet, visible(BuildingPermit, request.user))
        params = request.query_params
        if raw := params.get("bbox"):
            box = Polygon.from_bbox(parse_bbox(raw))
            box.srid = 4326
            qs = qs.overlapping(box)
        for name in ("ward", "parcel"):
            if (found := id_param(params, name)) is not None:
                qs = qs.filter(**{f"{name}_id": found})
        if raw := params.get("valid_on"):
            try:
                qs = qs.valid_on(dt.date.fromisoformat(raw))
            except ValueError:
                raise InvalidInput("valid_on phải là YYYY-MM-DD.", "valid_on must be YYYY-MM-DD.") from None
        return Response(PermitSerializer(qs[:2000], many=True, context={"request": request}).data)

    @extend_schema(request=PermitInput, responses={201: PermitSerializer})
    def post(self, request) -> Response:
        fields = PermitInput(data=request.data)
        fields.is_valid(raise_exception=True)
        values = dict(fields.validated_data)
        values.pop("footprint", None)
        parcel = _parcel(request, values.pop("parcel", None))
        footprint = _footprint(request)
        if footprint is None:
            raise InvalidInput(
                "Cần vị trí xây dựng được phép (footprint hoặc corners).",
                "The permitted footprint is required (footprint or corners).",
                code="missing_parameter",
            )
        ward = parcel.ward if parcel else ward_of(footprint, None)
        require_edit(request.user, ward.pk, domain=Domain.LAND)
        with transaction.atomic():
            if BuildingPermit.objects.filter(permit_no=values["permit_no"]).exists():
                raise InvalidInput(
                    f"Đã có giấy phép số {values['permit_no']}.",
                    f"Permit {values['permit_no']} already exists.",
                    code="duplicate_permit",
                )
            permit = BuildingPermit.objects.create(
                ward=ward, parcel=parcel, footprint=footprint, created_by=request.user, **values
            )
        body = PermitSerializer(permit, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


@documented(PermitSerializer, PermitInput)
class PermitDetail(RecordDetail):
    """One permit (GET); its ward's land officers change it (PATCH) or delete it (soft), sending the version."""

    model = BuildingPermit
    serializer_class = PermitSerializer
    input_class = PermitInput
    noun = ("giấy phép xây dựng", "building permit")

    def change(self, request, current: BuildingPermit, values: dict) -> None:
        values.pop("footprint", None)
        if "parcel" in values:
            current.parcel = _parcel(request, values.pop("parcel"))
        footprint = _footprint(request)
        if footprint is not None:
            current.footprint = footprint
        if footprint is not None or current.parcel:
            current.ward = current.parcel.ward if current.parcel else ward_of(current.footprint, current.ward)
            require_edit(request.user, current.ward_id, domain=Domain.LAND)
        for name, value in values.items():
            setattr(current, name, value)
        if current.valid_until and current.valid_until < current.issued_on:
            raise InvalidInput("Ngày hết hạn trước ngày cấp.", "The permit expires before it was issued.")
        if BuildingPermit.objects.filter(permit_no=current.permit_no).exclude(pk=current.pk).exists():
            raise InvalidInput(
                f"Đã có giấy phép số {current.permit_no}.",
                f"Permit {current.permit_no} already exists.",
                code="duplicate_permit",
            )


class PermitHistory(RecordHistory):
    """Every saved version of a permit, newest first: who, when, what changed."""

    model = BuildingPermit
    fields = ["permit_no", "ward", "parcel", "issued_on", "valid_until", "footprint", "floors", "note", "is_deleted"]
