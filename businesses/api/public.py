"""The public business endpoints: the citizens' signboard name check and radius scan, and the VSIC industries."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from businesses import namecheck, radius
from businesses.models import Industry
from gisportal.errors import InvalidInput
from gisportal.params import integer, number
from households.addresses.ward_names import find_ward
from layers.crs import check_lon_lat

MIN_RADIUS, MAX_RADIUS = 10, 5000
MAX_PAGE = 200


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
    return Response(name_check_answer(request.query_params))


def name_check_answer(params: Mapping[str, str]) -> dict:
    """The name check's answer to these query parameters (the DRF view and the ASGI fast path both send it)."""
    ward = find_ward(params.get("ward"))  # id, official code or name, today's or a predecessor's
    area = params.get("area")
    if area and area not in {"ward", "former_district", "city"}:
        raise InvalidInput(f"Phạm vi '{area}' không hợp lệ.", f"Unknown area {area!r}.")
    return namecheck.check_name(params.get("name", ""), ward, area)


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
    return Response(radius_answer(request.query_params))


def radius_answer(params: Mapping[str, str]) -> dict:
    """The radius scan's answer to these query parameters (the DRF view and the ASGI fast path both send it)."""
    lat, lon, r = number(params, "lat"), number(params, "lon"), number(params, "radius_m")
    check_lon_lat(lon, lat)
    if not MIN_RADIUS <= r <= MAX_RADIUS:
        raise InvalidInput(
            f"Bán kính phải từ {MIN_RADIUS} m đến {MAX_RADIUS} m.",
            f"The radius must be between {MIN_RADIUS} and {MAX_RADIUS} m.",
            {"radius_m": r},
        )
    industry = _industry(params)
    page = integer(params, "page", 1, 1, 100_000)
    size = integer(params, "page_size", 50, 1, MAX_PAGE)
    industry_id = industry.pk if industry else None
    found = radius.scan(lon, lat, r, industry_id, size, (page - 1) * size)
    return {
        "center": {"lat": lat, "lon": lon},
        "radius_m": r,
        "total": found.total,
        "by_industry": found.counts,
        "pois": found.pois,
        "page": page,
        "page_size": size,
        "pages": (found.total + size - 1) // size,
        "results": found.results,
    }


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
        qs = qs.filter(level=integer(request.query_params, "level", 0, 1, 5))
    q = (request.query_params.get("q") or "").strip()
    if q:
        qs = qs.filter(code__startswith=q) if q.isdigit() else qs.filter(name__unaccent__icontains=q)
    rows = qs.values("id", "code", "level", "name", "section")[:1000]
    return Response({"version": version, "results": list(rows)})
