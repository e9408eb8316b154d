"""Waste point statistics: counts per khu phố × kind (and source owners' fee status), open to everyone."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from gisportal.params import identifier
from layers.waste import counts as waste


@extend_schema(parameters=[OpenApiParameter("ward", OpenApiTypes.INT)], responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def waste_stats(request: Request) -> Response:
    """Waste points per khu phố and kind; fee status counts of source owners."""
    return Response(waste.stats(identifier(request.query_params, "ward")))


urlpatterns = [path("waste/stats", waste_stats, name="waste-stats")]
