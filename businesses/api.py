"""Business household endpoints: the citizens' name check and radius scan, the registry."""

from __future__ import annotations

import math

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from businesses import namecheck, radius
from businesses.models import Business, Industry
from gisportal.errors import Conflict, InvalidInput
from gisportal.permissions import PrivateFieldsMixin, can_see_private, require_edit
from households.ward_names import find_ward
from layers import history as feature_history
from layers.crs import check_lon_lat

MIN_RADIUS, MAX_RADIUS = 10, 5000
MAX_PAGE = 200


def _float(params, name: str) -> float:
    raw = params.get(name)
    if raw in (None, ""):
        raise InvalidInput(f"Thiếu tham số {name}.", f"Missing parameter {name}.", code="missing_parameter")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(f"{name} phải là số: '{raw}'.", f"{name} must be a number: {raw!r}.")
    return value


def _int(params, name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise InvalidInput(f"{name} phải là số nguyên từ {lo} đến {hi}.", f"{name} must be an integer {lo}–{hi}.")
    return int(raw)


def _industry(params) -> Industry | None:
    code = params.get("industry")
    if not code:
        return None
    version = params.get("vsic", Industry.Version.VSIC2018)
    found = Industry.objects.filter(version=version, code=code).first()
    if not found:
        raise InvalidInput(
            f"Không có mã ngành {code} trong {version}.",
            f"No industry code {code} in {version}.",
            code="unknown_industry",
        )
    return found


@extend_schema(
    parameters=[
        OpenApiParameter("name", OpenApiTypes.STR, required=True, description="The signboard's proper name"),
        OpenApiParameter(
            "ward",
            OpenApiTypes.STR,
            description="Ward of registration: id, official code or name, today's or a pre-2025 one with its "
            "district ('Phường 2, Quận 3'); needed unless the area is city",
        ),
        OpenApiParameter("area", OpenApiTypes.STR, enum=["ward", "former_district", "city"]),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def name_check(request) -> Response:
    """Is a signboard name free? Verdict, the existing names like it (public fields), the area used."""
    params = request.query_params
    ward = find_ward(params.get("ward"))  # id, official code or name, today's or a predecessor's
    area = params.get("area")
    if area and area not in {"ward", "former_district", "city"}:
        raise InvalidInput(f"Phạm vi '{area}' không hợp lệ.", f"Unknown area {area!r}.")
    return Response(namecheck.check_name(params.get("name", ""), ward, area))


@extend_schema(
    parameters=[
        OpenApiParameter("lat", OpenApiTypes.FLOAT, required=True),
        OpenApiParameter("lon", OpenApiTypes.FLOAT, required=True),
        OpenApiParameter("radius_m", OpenApiTypes.FLOAT, required=True, description="10 – 5000"),
        OpenApiParameter("industry", OpenApiTypes.STR, description="VSIC code"),
        OpenApiParameter("vsic", OpenApiTypes.STR, enum=Industry.Version.values),
        OpenApiParameter("page", OpenApiTypes.INT),
        OpenApiParameter("page_size", OpenApiTypes.INT),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def radius_scan(request) -> Response:
    """Active businesses within a circle: total, count per industry, POIs by kind, a page of the list."""
    params = request.query_params
    lat, lon, r = _float(params, "lat"), _float(params, "lon"), _float(params, "radius_m")
    check_lon_lat(lon, lat)
    if not MIN_RADIUS <= r <= MAX_RADIUS:
        raise InvalidInput(
            f"Bán kính phải từ {MIN_RADIUS} m đến {MAX_RADIUS} m.",
            f"The radius must be between {MIN_RADIUS} and {MAX_RADIUS} m.",
            {"radius_m": r},
        )
    industry = _industry(params)
    page = _int(params, "page", 1, 1, 100_000)
    size = _int(params, "page_size", 50, 1, MAX_PAGE)
    industry_id = industry.pk if industry else None
    counts = radius.count_by_industry(lon, lat, r, industry_id)
    total = sum(c["count"] for c in counts)
    return Response(
        {
            "center": {"lat": lat, "lon": lon},
            "radius_m": r,
            "total": total,
            "by_industry": counts,
            "pois": radius.pois_within(lon, lat, r),
            "page": page,
            "page_size": size,
            "pages": (total + size - 1) // size,
            "results": radius.list_businesses(lon, lat, r, industry_id, size, (page - 1) * size, total),
        }
    )


class BusinessSerializer(PrivateFieldsMixin, GeoFeatureModelSerializer):
    class Meta:
        model = Business
        geo_field = "geom"
        fields = [
            "id",
            "registration_no",
            "signboard",
            "industry",
            "section",
            "address_current",
            "address_legacy",
            "ward",
            "khu_pho",
            "street_block",
            "house_number",
            "status",
            "registered_on",
            "status_changed_on",
            "licences",
            "owner_name",
            "owner_phone",
            "version",
        ]
        read_only_fields = ["id", "section", "house_number", "version"]


@extend_schema(
    parameters=[
        OpenApiParameter("vsic", OpenApiTypes.STR, enum=list(Industry.Version.values)),
        OpenApiParameter("level", OpenApiTypes.INT, description="1 = sections … 5 = the finest codes"),
        OpenApiParameter("q", OpenApiTypes.STR, description="Code prefix or words of the name"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def industries(request) -> Response:
    """Industry codes of one VSIC version, for forms and filters."""
    version = request.query_params.get("vsic", Industry.Version.VSIC2018)
    if version not in Industry.Version.values:
        raise InvalidInput(
            f"Phiên bản VSIC không hợp lệ: {version}.", f"Unknown VSIC version: {version}.", {"vsic": version}
        )
    qs = Industry.objects.filter(version=version).order_by("code")
    level = request.query_params.get("level")
    if level:
        qs = qs.filter(level=_int(request.query_params, "level", 0, 1, 5))
    q = (request.query_params.get("q") or "").strip()
    if q:
        qs = qs.filter(code__startswith=q) if q.isdigit() else qs.filter(name__unaccent__icontains=q)
    rows = qs.values("id", "code", "level", "name", "section")[:1000]
    return Response({"version": version, "results": list(rows)})


def _current_for_write(request, instance: Business) -> Business:
    """Lock the row and check the version the writer read: two officers never silently overwrite each other."""
    sent = request.data.get("version") if hasattr(request.data, "get") else None
    sent = sent or request.query_params.get("version") or request.headers.get("If-Match", "").strip('"')
    if not str(sent).isdigit():
        raise InvalidInput(
            "Thiếu số phiên bản (version) của bản ghi đã đọc.",
            "The version of the record you read is missing (version).",
            code="version_required",
        )
    current = Business.objects.select_for_update().get(pk=instance.pk)
    if current.version != int(sent):
        raise Conflict(
            "Người khác đã lưu hộ kinh doanh này trước bạn; dữ liệu mới hơn được giữ nguyên.",
            "Someone else saved this business first; the newer data was kept.",
            {
                "yours": request.data if isinstance(request.data, dict) else {},
                "current": BusinessSerializer(current, context={"request": request}).data,
            },
        )
    feature_history.ensure_baseline(current)  # a business seeded or synced in bulk gets its version 1 first
    return current


class BusinessDetail(generics.RetrieveUpdateDestroyAPIView):
    """One business household; officers of its ward change or delete it, sending the version they read."""

    serializer_class = BusinessSerializer
    queryset = Business.objects.filter(is_deleted=False).select_related("industry")

    @transaction.atomic
    def perform_update(self, serializer):
        instance = serializer.instance
        ward = serializer.validated_data.get("ward", instance.ward)
        require_edit(self.request.user, instance.ward_id)
        require_edit(self.request.user, ward.pk)
        current = _current_for_write(self.request, instance)
        # Save onto the locked, fresh row: fields this request did not send (a sync's missing mark,
        # say) keep their newest value instead of the one read before the lock.
        serializer.instance = current
        industry = serializer.validated_data.get("industry", current.industry)
        serializer.save(version=current.version + 1, section=industry.section)

    @transaction.atomic
    def perform_destroy(self, instance):
        # Soft: the ward can undo it (restore), and the history keeps who deleted it and when.
        require_edit(self.request.user, instance.ward_id)
        current = _current_for_write(self.request, instance)
        current.is_deleted = True
        current.version += 1
        current.save(update_fields=["is_deleted", "version"])


@extend_schema(responses=BusinessSerializer)
@api_view(["POST"])
def business_restore(request, pk: int) -> Response:
    """Undo a soft delete (officers of the business's ward)."""
    with transaction.atomic():
        business = get_object_or_404(Business.objects.select_for_update(), pk=pk, is_deleted=True)
        require_edit(request.user, business.ward_id)
        feature_history.ensure_baseline(business)
        business.is_deleted = False
        business.version += 1
        business.save(update_fields=["is_deleted", "version"])
    return Response(BusinessSerializer(business, context={"request": request}).data)


HISTORY_FIELDS = [f for f in BusinessSerializer.Meta.fields if f not in ("id", "version")] + ["geom", "is_deleted"]
FOREIGN_KEYS = {"industry", "ward", "khu_pho"}


def _plain(row, field: str):
    """A history row's value of `field` as JSON: ids for foreign keys, [lon, lat], ISO dates."""
    value = getattr(row, f"{field}_id" if field in FOREIGN_KEYS else field)
    if field == "geom" and value is not None:
        return [round(value.x, 7), round(value.y, 7)]
    return value.isoformat() if hasattr(value, "isoformat") else value


@api_view(["GET"])
def business_history(request, pk: int) -> Response:
    """Every saved version, newest first: who, when, and what changed (to those who may read it all)."""
    business = get_object_or_404(Business, pk=pk)
    if not can_see_private(request.user, business):
        raise PermissionDenied(
            "Chỉ cán bộ phụ trách mới xem được lịch sử sửa đổi. / Only officers in charge may read the edit history."
        )
    out = feature_history.versions(business, HISTORY_FIELDS, _plain, reasons=False)
    return Response({"id": business.pk, "history": out})
