"""Geocoding endpoints: public, like the map — addresses and house points are public data, households are not."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from gisportal.errors import InvalidInput
from households.addresses import AddressError, geocode, suggest
from households.api import params
from layers.crs import check_lon_lat

MAX_QUERY = 300
MAX_RADIUS_M = 1000
MAX_LIMIT = 20
FORWARD_LIMIT, SUGGEST_LIMIT = 5, 8


def _address_query(request) -> str:
    """The `q` parameter: an address (or its start), present and not absurdly long."""
    q = (request.query_params.get("q") or "").strip()
    if not q:
        raise InvalidInput("Thiếu tham số q (địa chỉ).", "Missing parameter q (the address).", code="missing_parameter")
    if len(q) > MAX_QUERY:
        raise InvalidInput(
            f"Địa chỉ quá dài (tối đa {MAX_QUERY} ký tự).", f"The address is too long (max {MAX_QUERY} characters)."
        )
    return q


def _address_request(request, default_limit: int) -> tuple[str, set[int] | None, int]:
    """(q, the one ward to search or None, limit) of a forward or suggest request."""
    q = _address_query(request)
    ward = params.ward(request.query_params.get("ward"))
    limit = params.integer(request.query_params, "limit", default_limit, 1, MAX_LIMIT)
    return q, {ward.pk} if ward else None, limit


def _address_schema(q: str, verb: str, default_limit: int) -> dict:
    """The OpenAPI parameters and answers of an endpoint read by ``_address_request``."""
    default = f"default {default_limit}"
    return {
        "parameters": [
            OpenApiParameter("q", OpenApiTypes.STR, required=True, description=q),
            OpenApiParameter("ward", OpenApiTypes.STR, description=f"{verb} only in this ward (id or code)"),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most this many places (1–{MAX_LIMIT}, {default})"
            ),
        ],
        "responses": {200: dict, 400: dict},
    }


@extend_schema(**_address_schema("An address, as people write it", "Search", FORWARD_LIMIT))
@api_view(["GET"])
@permission_classes([AllowAny])
def forward(request) -> Response:
    """An address → how it was read, and the best places with a score (0–1) and a level: house, alley, street, ward."""
    q, wards, limit = _address_request(request, FORWARD_LIMIT)
    try:
        parsed, matches = geocode.geocode(q, wards, limit)
    except AddressError as exc:
        raise InvalidInput(
            "Không nhận ra địa chỉ: không có số nhà, đường hay phường.",
            "Not an address: no house number, street or ward in it.",
            {"reason": str(exc)},
            code="unparseable_address",
        ) from exc
    read = {
        "house": parsed.house.canonical() if parsed.house else None,
        "names_alley": parsed.names_alley,
        "street": parsed.street,
        "khu_pho": parsed.khu_pho,
        "ward": parsed.ward,
        "district": parsed.district,
        "missing": list(parsed.missing),
        "guessed": list(parsed.guessed),
    }
    return Response({"query": q, "parsed": read, "results": [m.as_dict() for m in matches]})


@extend_schema(
    parameters=[
        OpenApiParameter("lat", OpenApiTypes.NUMBER, required=True),
        OpenApiParameter("lon", OpenApiTypes.NUMBER, required=True),
        OpenApiParameter("radius_m", OpenApiTypes.NUMBER, description=f"1–{MAX_RADIUS_M} m, default 50"),
        OpenApiParameter("limit", OpenApiTypes.INT, description="1–100, default 10"),
    ],
    responses={200: dict, 400: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def reverse(request) -> Response:
    """A point → the nearest house numbers within the radius, nearest first, each with its distance."""
    p = request.query_params
    lat, lon = params.number(p, "lat"), params.number(p, "lon")
    check_lon_lat(lon, lat)
    radius = params.number(p, "radius_m", 1, MAX_RADIUS_M) if p.get("radius_m") not in (None, "") else 50.0
    limit = params.integer(p, "limit", 10, 1, 100)
    return Response({"lat": lat, "lon": lon, "radius_m": radius, "results": geocode.reverse(lon, lat, radius, limit)})


@extend_schema(**_address_schema("What has been typed so far", "Suggest", SUGGEST_LIMIT))
@api_view(["GET"])
@permission_classes([AllowAny])
def suggest_view(request) -> Response:
    """Half an address → houses and streets it may become, for a search box (accents optional, deep alleys,
    old ward names after a comma); each with its point, as `geocode`'s results."""
    q, wards, limit = _address_request(request, SUGGEST_LIMIT)
    found = suggest.suggest(q, wards, limit)
    return Response({"query": q, "results": [m.as_dict() for m in found]})
