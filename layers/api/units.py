"""REST endpoints of the frame layers: admin units and POIs (GeoJSON)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from gisportal.pagination import GeoJsonPages
from layers.api.params import SafeBBoxFilter, choice, int_id, parse_date
from layers.api.serializers import AdminUnitSerializer, POISerializer
from layers.models import POI, AdminUnit


class UnitPages(GeoJsonPages):
    """Bounded pages: a whole ward's khu phố and facilities fit in the first (the map asks once), and no
    request reads a city's every row. `next` links the following page."""

    page_size = 2000
    page_size_query_param = "page_size"
    max_page_size = 5000


LEVEL = OpenApiParameter("level", OpenApiTypes.STR, enum=[c for c, _ in AdminUnit.Level.choices])
VALID_ON = OpenApiParameter("valid_on", OpenApiTypes.DATE, description="Units in force on this day (default today)")


@extend_schema(parameters=[LEVEL, VALID_ON, OpenApiParameter("parent", OpenApiTypes.INT)])
class AdminUnitList(generics.ListAPIView):
    """Administrative units in force on a day: city, wards, khu phố (and legacy districts/wards)."""

    serializer_class = AdminUnitSerializer
    pagination_class = UnitPages
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filter_backends = [SafeBBoxFilter]

    def get_queryset(self):
        params = self.request.query_params
        # `successors` is a many-to-many: without the prefetch, one query a unit (170 for the city's wards).
        qs = AdminUnit.objects.valid_on(parse_date(params.get("valid_on"), "valid_on")).prefetch_related("successors")
        if level := choice(params, "level", AdminUnit.Level.values, "Cấp hành chính", "level"):
            qs = qs.filter(level=level)
        if (parent := int_id(params, "parent")) is not None:
            qs = qs.filter(parent_id=parent)
        return qs


class AdminUnitDetail(generics.RetrieveAPIView):
    """One administrative unit, current or legacy."""

    serializer_class = AdminUnitSerializer
    queryset = AdminUnit.objects.all()


@extend_schema(
    parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, enum=POI.Kind.values),
        OpenApiParameter("ward", OpenApiTypes.INT),
    ]
)
class POIList(generics.ListAPIView):
    """Public facilities: offices, schools, health facilities, markets, police."""

    serializer_class = POISerializer
    pagination_class = UnitPages
    bbox_filter_field = "geom"
    filter_backends = [SafeBBoxFilter]

    def get_queryset(self):
        params = self.request.query_params
        qs = POI.objects.all()
        if kind := choice(params, "kind", POI.Kind.values, "Loại cơ sở", "POI kind"):
            qs = qs.filter(kind=kind)
        if (ward := int_id(params, "ward")) is not None:
            qs = qs.filter(ward_id=ward)
        return qs


class POIDetail(generics.RetrieveAPIView):
    serializer_class = POISerializer
    queryset = POI.objects.all()
