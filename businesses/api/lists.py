"""The business registry as lists: filtered GeoJSON pages, creation, counts, exports and the export log.

Every list here starts from `filters.business_rows(user, params)`: one parser, one role scope.
The detail view (read, PATCH, DELETE of one business) lives in `businesses/api/detail.py`.
"""

from __future__ import annotations

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from businesses import export, stats
from businesses.api import filters
from businesses.api.serializers import BusinessCreateSerializer, BusinessSerializer
from businesses.models import Business, ExportLog, Industry
from gisportal import openapi
from gisportal.errors import Conflict, InvalidInput
from gisportal.pagination import GeoJsonPages, numbered_page
from gisportal.params import is_whole
from gisportal.permissions import Domain, edits_domain, may_export, require_edit, ward_ids
from layers.models import AdminUnit

DEFAULT_PAGE, MAX_PAGE = 100, 1000

FILTER_PARAMETERS = [
    OpenApiParameter("industry", OpenApiTypes.STR, description="VSIC code (section letter or 2–5 digits)"),
    OpenApiParameter("vsic", OpenApiTypes.STR, enum=Industry.Version.values),
    OpenApiParameter("section", OpenApiTypes.STR, description="VSIC section letter"),
    OpenApiParameter("ward", OpenApiTypes.STR, description="Ward id or code"),
    OpenApiParameter("khu_pho", OpenApiTypes.INT),
    OpenApiParameter("street_block", OpenApiTypes.STR),
    OpenApiParameter("status", OpenApiTypes.STR, many=True, enum=Business.Status.values),
    OpenApiParameter("licence", OpenApiTypes.STR, many=True, enum=Business.Licence.values),
    OpenApiParameter("registered_from", OpenApiTypes.DATE),
    OpenApiParameter("registered_to", OpenApiTypes.DATE),
    OpenApiParameter("bbox", OpenApiTypes.STR, description="west,south,east,north (WGS 84)"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Signboard text, accent-insensitive"),
    OpenApiParameter("missing_from_sync", OpenApiTypes.BOOL),
]


def _positive(request, name: str, default: int, hi: int) -> int:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not is_whole(raw) or not 1 <= int(raw) <= hi:
        raise filters.bad(name, raw, f"phải là số nguyên từ 1 đến {hi}.", f"must be an integer 1–{hi}.")
    return int(raw)


class BusinessPagination(GeoJsonPages):
    """Page-number paging with a hard ceiling: a page size over MAX_PAGE is refused, not trimmed."""

    page_size = DEFAULT_PAGE
    max_page_size = MAX_PAGE

    def get_page_size(self, request) -> int:
        return _positive(request, "page_size", DEFAULT_PAGE, MAX_PAGE)

    def get_page_number(self, request, paginator) -> int:
        return _positive(request, "page", 1, 10_000_000)


def locate(point: Point, ward: AdminUnit | None, khu_pho: AdminUnit | None) -> tuple[AdminUnit, AdminUnit | None]:
    """The ward and khu phố of a new business: the given ones, checked to hold the point, or the ones that do."""
    units = AdminUnit.objects.valid_on()
    if ward is None:
        ward = units.wards().filter(boundary__intersects=point).exclude(code__startswith="BENCH-").first()
        if ward is None:
            raise InvalidInput(
                "Vị trí không nằm trong phường nào đang có hiệu lực.",
                "The location is not inside any ward in force.",
                {"lon": point.x, "lat": point.y},
                code="outside_wards",
            )
    elif ward.level != AdminUnit.Level.WARD or not units.filter(pk=ward.pk, boundary__intersects=point).exists():
        raise InvalidInput(
            f"Vị trí không nằm trong {ward.name}.",
            f"The location is not inside {ward.name}.",
            {"ward": ward.pk},
            code="outside_ward",
        )
    if khu_pho is None:
        khu_pho = units.filter(level=AdminUnit.Level.KHU_PHO, parent=ward, boundary__intersects=point).first()
    elif khu_pho.level != AdminUnit.Level.KHU_PHO or khu_pho.parent_id != ward.pk:
        raise InvalidInput(
            f"{khu_pho.name} không thuộc {ward.name}.",
            f"{khu_pho.name} is not part of {ward.name}.",
            {"khu_pho": khu_pho.pk},
            code="khu_pho_outside_ward",
        )
    return ward, khu_pho


@extend_schema_view(get=extend_schema(parameters=FILTER_PARAMETERS))
class BusinessList(generics.ListCreateAPIView):
    """GET: the businesses you may list, filtered, as GeoJSON pages (owner fields only within your scope).

    POST: register a business (ward officers in their ward, admins); ward and khu phố follow the point
    when left out, the section follows the industry.
    """

    pagination_class = BusinessPagination

    def get_serializer_class(self):
        return BusinessCreateSerializer if self.request.method == "POST" else BusinessSerializer

    def get_queryset(self):
        rows, _flt = filters.business_rows(self.request.user, self.request.query_params)
        return rows.order_by("id")

    def create(self, request, *args, **kwargs) -> Response:
        if not edits_domain(request.user, Domain.FEATURES):
            raise PermissionDenied("Bạn không có quyền đăng ký hộ kinh doanh. / You may not register businesses.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ward, khu_pho = locate(data["geom"], data.get("ward"), data.get("khu_pho"))
        require_edit(request.user, ward.pk, khu_pho.pk if khu_pho else None)
        number = data["registration_no"]
        taken = Conflict(
            f"Số đăng ký {number} đã có trong sổ hộ kinh doanh.",
            f"Registration number {number} is already in the registry.",
            {"field": "registration_no"},
            code="registration_no_taken",
        )
        if Business.objects.filter(registration_no=number).exists():
            raise taken
        try:
            with transaction.atomic():
                business = serializer.save(ward=ward, khu_pho=khu_pho, section=data["industry"].section)
        except IntegrityError:
            raise taken from None  # registered by someone else between the check and the save
        body = BusinessSerializer(business, context=self.get_serializer_context()).data
        location = reverse("business-detail", kwargs={"pk": business.pk})
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


@extend_schema(
    parameters=[
        OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(stats.GROUPS), required=True),
        OpenApiParameter("group_by2", OpenApiTypes.STR, enum=list(stats.GROUPS)),
        *FILTER_PARAMETERS,
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def business_stats(request) -> Response:
    """Counts of the businesses you may list, by one or two groupings, with the total."""
    params = request.query_params
    group_by = stats.parse_group(params, "group_by", required=True)
    group_by2 = stats.parse_group(params, "group_by2", required=False)
    if group_by2 == group_by:
        raise filters.bad("group_by2", group_by2, "trùng với group_by.", "repeats group_by.")
    rows, flt = filters.business_rows(request.user, params)
    version = params.get("vsic") or Industry.Version.VSIC2018
    return Response(stats.count_by(rows, group_by, group_by2, version) | {"filters": flt.given})


class BusinessExport(APIView):
    """The filtered list as a file (CSV, XLSX, GeoJSON), for officers (their scope), leaders and admins."""

    permission_classes = [AllowAny]  # decided in `get`, with a message that says who may export
    fmt = "csv"

    def perform_content_negotiation(self, request, force=False):
        # The body is a file whatever the Accept header says; errors still come back as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=openapi.download(openapi.CSV, openapi.XLSX, openapi.GEOJSON, description="The filtered list"),
    )
    def get(self, request):
        if not may_export(request.user):
            raise PermissionDenied(
                "Chỉ cán bộ phường, cán bộ khu phố và lãnh đạo được xuất danh sách; hãy đăng nhập bằng tài khoản "
                "cán bộ. / Only ward and khu phố officers and leaders may export lists; log in with an officer "
                "account."
            )
        rows, flt = filters.business_rows(request.user, request.query_params)
        columns = export.columns_for(request.user)
        log = export.start(request.user, self.fmt, flt.given, rows)
        name = export.filename(self.fmt)
        if self.fmt == "xlsx":
            return FileResponse(
                export.xlsx_file(rows, columns, log),
                as_attachment=True,
                filename=name,
                content_type=export.CONTENT_TYPES["xlsx"],
            )
        stream = export.csv_stream if self.fmt == "csv" else export.geojson_stream
        response = StreamingHttpResponse(stream(rows, columns, log), content_type=export.CONTENT_TYPES[self.fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Export-Rows"] = str(log.row_count)
        return response


@extend_schema(
    parameters=[OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("page_size", OpenApiTypes.INT)],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def export_log(request) -> Response:
    """Who exported what: every export for leaders and admins, an officer's own exports for officers."""
    user = request.user
    if not may_export(user):
        raise PermissionDenied(
            "Chỉ cán bộ và lãnh đạo xem được nhật ký xuất dữ liệu. / Only officers and leaders read the export log."
        )
    logs = ExportLog.objects.select_related("user")
    if ward_ids(user) is not None:  # None: a role that reads every ward
        logs = logs.filter(user=user)
    page = _positive(request, "page", 1, 10_000_000)
    size = _positive(request, "page_size", 50, 500)
    return Response(numbered_page(logs, page, size, _export_entry))


def _export_entry(log: ExportLog) -> dict:
    return {
        "id": log.pk,
        "user": log.user.username if log.user else None,
        "created_at": log.created_at,
        "format": log.format,
        "filters": log.filters,
        "row_count": log.row_count,
    }
