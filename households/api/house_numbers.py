"""Streets and house numbers (public map data), and the ward's standardisation report (officers, leaders)."""

from __future__ import annotations

from django.contrib.gis.geos import Polygon
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from gisportal.errors import InvalidInput
from gisportal.pagination import GeoJsonPages
from gisportal.permissions import CanImport, Domain, ReadPublicWriteScoped, can_see_private, sees_domain, ward_ids
from households import editing, reports
from households.api import params
from households.models import HouseNumber, Street
from layers import history as feature_history


class StreetSerializer(GeoFeatureModelSerializer):
    class Meta:
        model = Street
        geo_field = "geom"
        fields = ["id", "name", "ward", "version"]


@extend_schema(parameters=[OpenApiParameter("ward", OpenApiTypes.INT)])
class StreetList(generics.ListAPIView):
    """Streets, each keyed with its ward."""

    serializer_class = StreetSerializer

    def get_queryset(self):
        qs = Street.objects.all()
        if ward := self.request.query_params.get("ward"):
            qs = qs.filter(ward_id=params.whole(ward, "ward"))
        return qs


class HouseNumberSerializer(GeoFeatureModelSerializer):
    street_name = serializers.CharField(source="street.name", read_only=True)

    class Meta:
        model = HouseNumber
        geo_field = "geom"
        fields = [
            "id",
            "number",
            "main",
            "main_suffix",
            "prefix",
            "alleys",
            "street",
            "street_name",
            "ward",
            "khu_pho",
            "address",
            "status",
            "source",
            "house_import",
            "version",
        ]


class Pages(GeoJsonPages):
    page_size = 500
    page_size_query_param = "page_size"
    max_page_size = 5000


@extend_schema(
    parameters=[
        OpenApiParameter("ward", OpenApiTypes.STR, description="Ward id or code"),
        OpenApiParameter("street", OpenApiTypes.INT),
        OpenApiParameter("bbox", OpenApiTypes.STR, description="west,south,east,north in WGS 84"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=list(HouseNumber.Status.values)),
    ]
)
class HouseNumberList(generics.ListAPIView):
    """House numbers (GeoJSON, paged), in the order they are walked along each street. POST files a new one:
    ``{"number": "123/4", "street": id, "lon", "lat"}`` (ward officers of the ward holding the point)."""

    serializer_class = HouseNumberSerializer
    pagination_class = Pages
    permission_classes = [ReadPublicWriteScoped]

    @extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={201: HouseNumberSerializer})
    def post(self, request) -> Response:
        house = editing.create_house_number(request.data, request.user)
        return Response(HouseNumberSerializer(house, context={"request": request}).data, status=201)

    def get_queryset(self):
        p = self.request.query_params
        qs = HouseNumber.objects.filter(status=p.get("status") or HouseNumber.Status.ACTIVE)
        if p.get("status") and p["status"] not in HouseNumber.Status.values:
            raise InvalidInput(f"Trạng thái '{p['status']}' không có.", f"Unknown status {p['status']!r}.")
        if (p.get("status") or HouseNumber.Status.ACTIVE) != HouseNumber.Status.ACTIVE and not sees_domain(
            self.request.user, Domain.HOUSEHOLDS
        ):
            # Retired numbers (cleared lots, renumbered houses) are the ward's working records, not public.
            raise PermissionDenied("Chỉ cán bộ xem được số nhà đã bỏ. / Only officers see retired house numbers.")
        if ward := params.ward(p.get("ward")):
            qs = qs.filter(ward=ward)
        if street := p.get("street"):
            qs = qs.filter(street_id=params.whole(street, "street"))
        if bbox := p.get("bbox"):
            # The box goes to the metric column (its GiST index), not the degrees column, which has none.
            box = Polygon.from_bbox(_bbox(bbox))
            box.srid = 4326
            qs = qs.filter(geom_m__bboverlaps=box.transform(32648, clone=True))
        return qs.select_related("street").order_by("street_id", "sort_key", "id")


def _bbox(raw: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise InvalidInput(
            "bbox phải là 4 số: tây, nam, đông, bắc.", "bbox must be four numbers: west,south,east,north."
        ) from None
    if not (102 <= west <= east <= 118 and 6 <= south <= north <= 24):
        raise InvalidInput(
            "bbox sai thứ tự hoặc ngoài Việt Nam (tây,nam,đông,bắc theo WGS 84).",
            "bbox out of order or outside Vietnam (west,south,east,north in WGS 84).",
        )
    return west, south, east, north


@extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={200: dict, 409: dict})
@api_view(["GET", "PATCH"])
@permission_classes([ReadPublicWriteScoped])
def house_number_detail(request, pk: int) -> Response:
    """One house number (retired ones included). PATCH with the ``version`` read: number, street, lon/lat,
    status (ward officers of its ward, admins); a stale version gets 409 and the newer data stays."""
    house = get_object_or_404(HouseNumber.objects.select_related("street"), pk=pk)

    def show(h: HouseNumber) -> dict:
        return HouseNumberSerializer(h, context={"request": request}).data

    if request.method == "PATCH":
        house = editing.edit_house_number(house, request.data, request.user, show)
    return Response(show(house))


HOUSE_HISTORY_FIELDS = ["number", "street", "geom", "status", "address", "khu_pho"]


def _house_value(row, field: str):
    """A house number's (or history row's) value of `field` as JSON: ids for foreign keys, [lon, lat]."""
    value = getattr(row, f"{field}_id" if field in ("street", "khu_pho") else field)
    if field == "geom" and value is not None:
        return [round(value.x, 7), round(value.y, 7)]
    return value


@extend_schema(responses={200: dict})
@api_view(["GET"])
def house_number_history(request, pk: int) -> Response:
    """Every saved version of a house number, newest first, from version 1 (filed or imported): who, when, and
    only the fields that changed (officers who may read its private side)."""
    house = get_object_or_404(HouseNumber, pk=pk)
    if not can_see_private(request.user, house):
        raise PermissionDenied(
            "Chỉ cán bộ phụ trách mới xem được lịch sử sửa đổi. / Only officers in charge may read the edit history."
        )
    return Response({"id": house.pk, "history": feature_history.versions(house, HOUSE_HISTORY_FIELDS, _house_value)})


@extend_schema(
    parameters=[OpenApiParameter("ward", OpenApiTypes.STR, description="Ward id or code (default: your ward)")],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([CanImport])
def ward_report(request) -> Response:
    """The standardisation report of one ward's house numbers: duplicates, unparseable numbers, points outside
    the ward, far from their street, out of sequence."""
    ward = params.ward(request.query_params.get("ward"))
    allowed = ward_ids(request.user)
    if ward is None:
        if allowed is None or len(allowed) != 1:
            raise InvalidInput("Hãy chọn phường (tham số ward).", "Choose a ward (the ward parameter).")
        ward = params.required_ward(next(iter(allowed)))
    if allowed is not None and ward.pk not in allowed:
        raise PermissionDenied("Bạn không phụ trách phường này. / You do not serve this ward.")
    return Response({"ward_name": ward.name, **reports.ward_report(ward.pk)})
