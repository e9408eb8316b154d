"""Forest monitoring endpoints: plots' surveys, the change between surveys, field data in, KML/KMZ out.

Plots themselves are a registry layer (`forest_plots`): read through OGC API Features and the tiles,
edited through the generic editor. Surveys are records of a plot (no geometry of their own): listed
for everyone, written by the officers who may edit the plot, with a version (409 when stale) and history.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from gisportal import openapi
from gisportal.errors import Conflict, InvalidInput
from gisportal.parsers import FormParser, MultiPartParser
from gisportal.permissions import require_edit, sees_domain
from layers import editing
from layers import history as feature_history
from layers.api.params import parse_date
from layers.forest import changes as forest
from layers.forest import fieldwork, kml
from layers.models import FieldTrack, FieldWaypoint, ForestPlot, ForestSurvey
from layers.registry import concrete_field

SURVEY_FIELDS = [
    "surveyed_on",
    "canopy_cover_pct",
    "density_per_ha",
    "mean_height_m",
    "mean_dbh_cm",
    "carbon_t_ha",
    "condition",
    "notes",
    "surveyor",
]


def _survey_doc(s: ForestSurvey) -> dict:
    doc: dict[str, Any] = {"id": s.pk, "plot": s.plot_id, "version": s.version}
    for name in SURVEY_FIELDS:
        value = getattr(s, name)
        doc[name] = value.isoformat() if isinstance(value, dt.date) else value
    return doc


def _write_survey(request: Request, survey: ForestSurvey, partial: bool) -> ForestSurvey:
    data = request.data if isinstance(request.data, dict) else {}
    unknown = [k for k in data if k not in SURVEY_FIELDS and k not in ("version", "id", "plot")]
    if unknown:
        raise InvalidInput(
            "Trường không có: " + ", ".join(unknown), "Unknown fields: " + ", ".join(unknown), code="unknown_property"
        )
    errors = {}
    for name in SURVEY_FIELDS:
        if name not in data:
            if not partial and name == "surveyed_on":
                errors[name] = ["Thiếu ngày khảo sát. / The survey date is missing."]
            continue
        raw, field = data[name], concrete_field(ForestSurvey, name)
        try:
            value: Any
            if raw in (None, ""):
                value = "" if name in ("condition", "notes", "surveyor") else None
            elif name == "surveyed_on":
                value = editing.parse_date(raw)
            elif name in ("notes", "surveyor", "condition"):
                value = str(raw).strip()
            else:
                value = field.to_python(raw)
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        setattr(survey, name, value)
    try:
        survey.full_clean(exclude=["plot", "version"])
    except ValidationError as exc:
        errors |= exc.message_dict
    if errors:
        raise InvalidInput(
            "Dữ liệu khảo sát không hợp lệ.", "Invalid survey values.", {"fields": errors}, code="invalid_fields"
        )
    feature_history.attribute(survey, request.user)
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:
        raise Conflict(
            "Ô này đã có khảo sát vào ngày đó.", "This plot already has a survey on that day.", code="duplicate_survey"
        ) from None
    return survey


@extend_schema(request=dict, responses={200: dict})
@api_view(["GET", "POST"])
def plot_surveys(request: Request, pk: int) -> Response:
    """GET: a plot's surveys, oldest first (everyone). POST: add one (officers who edit the plot's ward)."""
    plot = get_object_or_404(ForestPlot, pk=pk, is_deleted=False)
    if request.method == "GET":
        return Response({"plot": plot.code, "surveys": [_survey_doc(s) for s in plot.surveys.order_by("surveyed_on")]})
    require_edit(request.user, *plot.scope())
    survey = _write_survey(request, ForestSurvey(plot=plot), partial=False)
    return Response(_survey_doc(survey), status=status.HTTP_201_CREATED)


@extend_schema(request=dict, responses={200: dict})
@api_view(["GET", "PATCH", "DELETE"])
def survey_detail(request: Request, pk: int) -> Response:
    """One survey; PATCH and DELETE carry the `version` read (409 when someone saved first)."""
    if request.method == "GET":
        return Response(_survey_doc(get_object_or_404(ForestSurvey, pk=pk)))
    with transaction.atomic():
        survey = get_object_or_404(ForestSurvey.objects.select_for_update().select_related("plot"), pk=pk)
        require_edit(request.user, *survey.plot.scope())
        sent = request.data.get("version") if hasattr(request.data, "get") else None
        expected = editing.expected_version(request.headers.get("If-Match"), sent or request.GET.get("version"))
        if survey.version != expected.version:
            raise Conflict(
                f"Người khác đã lưu khảo sát này trước (phiên bản {survey.version}).",
                f"Someone else saved this survey first (version {survey.version}).",
                {"current": _survey_doc(survey), "sent_version": expected.version},
                code="version_conflict",
            )
        if request.method == "DELETE":
            feature_history.attribute(survey, request.user)
            survey.delete()
            return Response(status=status.HTTP_204_NO_CONTENT)
        survey.version += 1
        return Response(_survey_doc(_write_survey(request, survey, partial=True)))


@extend_schema(
    parameters=[
        OpenApiParameter("from", OpenApiTypes.DATE, description="With `to`: the latest survey on or before it"),
        OpenApiParameter("to", OpenApiTypes.DATE),
        OpenApiParameter("sub_zone", OpenApiTypes.STR),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def change(request: Request) -> Response:
    """Change between two surveys per plot (GeoJSON, for the map) and per sub-zone (a table)."""
    params = request.query_params
    start, end = parse_date(params.get("from"), "from"), parse_date(params.get("to"), "to")
    if (start is None) != (end is None) or (start and end and start >= end):
        raise InvalidInput(
            "Cần cả 'from' và 'to', với from trước to (hoặc bỏ cả hai để so hai lần khảo sát gần nhất).",
            "Give both 'from' and 'to', from before to (or neither, for the last two surveys).",
            {"from": params.get("from"), "to": params.get("to")},
        )
    return Response(forest.change(start, end, params.get("sub_zone", "")))


@extend_schema(responses={200: openapi.LIST})
@api_view(["GET"])
@permission_classes([AllowAny])
def sub_zones(request: Request) -> Response:
    """The sub-zones (tiểu khu) with their plot counts."""
    rows = ForestPlot.objects.filter(is_deleted=False).values("sub_zone").annotate(plots=Count("id"))
    return Response(list(rows.order_by("sub_zone")))


def _plots(request: Request):
    qs = ForestPlot.objects.filter(is_deleted=False)
    if zone := request.query_params.get("sub_zone"):
        qs = qs.filter(sub_zone=zone)
    return qs


@extend_schema(
    parameters=[OpenApiParameter("sub_zone", OpenApiTypes.STR)],
    responses=openapi.download(openapi.KML, openapi.KMZ, description="Plots as KML or KMZ"),
)
@api_view(["GET", "HEAD"])
@permission_classes([AllowAny])
def plots_kml(request: Request, fmt: str) -> HttpResponse:
    """Plots and their surveys for Google Earth: `kml` or `kmz`."""
    if fmt == "kml":
        response = HttpResponse(kml.document(_plots(request)), content_type="application/vnd.google-earth.kml+xml")
    else:
        response = HttpResponse(kml.kmz(_plots(request)), content_type="application/vnd.google-earth.kmz")
    response["Content-Disposition"] = f'attachment; filename="forest_plots.{fmt}"'
    return response


@extend_schema(methods=["GET"], responses={200: openapi.FEATURE_COLLECTION})
@extend_schema(methods=["POST"], request={"multipart/form-data": OpenApiTypes.OBJECT}, responses={201: openapi.OBJECT})
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
@parser_classes([MultiPartParser, FormParser])
def field_data(request: Request) -> Response:
    """GET: the crews' tracks and waypoints (officers). POST: import a GPX, KML or KMZ file, all or nothing."""
    if not sees_domain(request.user):
        raise PermissionDenied("Chỉ cán bộ mới xem dữ liệu thực địa. / Only officers read field data.")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            raise InvalidInput("Thiếu tệp (file).", "The file is missing (file).", code="missing_file")
        return Response(fieldwork.import_file(request.user, upload, upload.name), status=status.HTTP_201_CREATED)
    features = [
        {
            "type": "Feature",
            "id": f"track-{t.pk}",
            "geometry": _geojson(t.geom),
            "properties": {"kind": "track", "name": t.name, "length_m": t.length_m, "file": t.source_file},
        }
        for t in FieldTrack.objects.order_by("-id")[:500]
    ] + [
        {
            "type": "Feature",
            "id": f"waypoint-{w.pk}",
            "geometry": _geojson(w.geom),
            "properties": {
                "kind": "waypoint",
                "name": w.name,
                "plot": w.plot.code if w.plot else None,
                "file": w.source_file,
            },
        }
        for w in FieldWaypoint.objects.select_related("plot").order_by("-id")[:2000]
    ]
    return Response({"type": "FeatureCollection", "features": features})


def _geojson(geom) -> dict:
    return json.loads(geom.geojson)


urlpatterns = [
    path("forest/plots/<int:pk>/surveys", plot_surveys, name="forest-plot-surveys"),
    path("forest/surveys/<int:pk>", survey_detail, name="forest-survey"),
    path("forest/change", change, name="forest-change"),
    path("forest/sub-zones", sub_zones, name="forest-sub-zones"),
    path("forest/plots.kml", plots_kml, {"fmt": "kml"}, name="forest-plots-kml"),
    path("forest/plots.kmz", plots_kml, {"fmt": "kmz"}, name="forest-plots-kmz"),
    path("forest/field-data", field_data, name="forest-field-data"),
]
