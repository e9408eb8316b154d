"""REST endpoints of the frame layers: admin units and POIs (GeoJSON)."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework_gis.filters import InBBoxFilter

from gisportal.errors import InvalidInput
from layers.models import POI, AdminUnit
from layers.serializers import AdminUnitSerializer, POISerializer


def parse_date(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"Ngày '{raw}' không hợp lệ ({name}), dùng dạng YYYY-MM-DD.",
            f"Invalid date {raw!r} for {name}; use YYYY-MM-DD.",
        ) from None


class SafeBBoxFilter(InBBoxFilter):
    """InBBoxFilter whose malformed bbox is a 400 in the portal's error shape, never a 500."""

    bbox_param = "bbox"

    def get_filter_bbox(self, request):
        raw = request.query_params.get(self.bbox_param)
        if not raw:
            return None
        try:
            x1, y1, x2, y2 = (float(v) for v in raw.split(","))
        except ValueError:
            raise InvalidInput(
                "bbox phải là 4 số: kinh độ tây, vĩ độ nam, kinh độ đông, vĩ độ bắc.",
                "bbox must be four numbers: west,south,east,north.",
            ) from None
        if not (-180 <= x1 <= x2 <= 180 and -90 <= y1 <= y2 <= 90):
            raise InvalidInput(
                "bbox sai thứ tự hoặc ngoài phạm vi (tây,nam,đông,bắc theo WGS 84).",
                "bbox out of range or in the wrong order (west,south,east,north in WGS 84).",
            )
        return super().get_filter_bbox(request)


LEVEL = OpenApiParameter("level", OpenApiTypes.STR, enum=[c for c, _ in AdminUnit.Level.choices])
VALID_ON = OpenApiParameter("valid_on", OpenApiTypes.DATE, description="Units in force on this day (default today)")


@extend_schema(parameters=[LEVEL, VALID_ON, OpenApiParameter("parent", OpenApiTypes.INT)])
class AdminUnitList(generics.ListAPIView):
    """Administrative units in force on a day: city, wards, khu phố (and legacy districts/wards)."""

    serializer_class = AdminUnitSerializer
    bbox_filter_field = "boundary"
    bbox_filter_include_overlapping = True
    filter_backends = [SafeBBoxFilter]

    def get_queryset(self):
        params = self.request.query_params
        qs = AdminUnit.objects.valid_on(parse_date(params.get("valid_on"), "valid_on"))
        if level := params.get("level"):
            if level not in AdminUnit.Level.values:
                raise InvalidInput(f"Cấp hành chính '{level}' không tồn tại.", f"Unknown level {level!r}.")
            qs = qs.filter(level=level)
        if parent := params.get("parent"):
            if not parent.isdigit():
                raise InvalidInput("parent phải là số.", "parent must be an integer id.")
            qs = qs.filter(parent_id=int(parent))
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
    bbox_filter_field = "geom"
    filter_backends = [SafeBBoxFilter]

    def get_queryset(self):
        params = self.request.query_params
        qs = POI.objects.all()
        if kind := params.get("kind"):
            if kind not in POI.Kind.values:
                raise InvalidInput(f"Loại cơ sở '{kind}' không tồn tại.", f"Unknown POI kind {kind!r}.")
            qs = qs.filter(kind=kind)
        if ward := params.get("ward"):
            if not ward.isdigit():
                raise InvalidInput("ward phải là số.", "ward must be an integer id.")
            qs = qs.filter(ward_id=int(ward))
        return qs


class POIDetail(generics.RetrieveAPIView):
    serializer_class = POISerializer
    queryset = POI.objects.all()
