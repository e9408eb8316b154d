"""Detection API under /api/v1/detection/: runs (start, progress, cancel), flags (list, one, decide, history,
before/after chips), exports of confirmed flags, and counts per ward for district leaders.

Access is gisportal.permissions' LAND domain: land officers read and decide in their wards, district leaders
and admins read everywhere, everyone else reads nothing (403 on lists, 404 on one object).
"""

from __future__ import annotations

import json
from typing import cast

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon, Polygon
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import Domain, edits_domain, require_edit, scope_private, sees_domain
from imagery import tiles
from imagery.access import visible_acquisitions
from imagery.api.params import parse_bbox, pick_ward
from imagery.detection import runs
from imagery.detection.models import ChangeFlag, DetectionRun
from imagery.detection.serializers import FlagSerializer, RunSerializer
from imagery.models import BuildingPermit
from imagery.versioning import history, lock_current
from layers.models import AdminUnit

NOUN = ("cờ phát hiện", "change flag")
HISTORY_FIELDS = ["status", "permit_id", "note", "score", "area_m2"]
ONLY_LAND = "Chỉ cán bộ địa chính và lãnh đạo. / Land officers and leaders only."
NO_DECIDE = "Chỉ cán bộ địa chính của phường mới quyết định được. / Only the ward's land officers may decide."
SORTS = {"score": "score", "-score": "-score", "area": "area_m2", "-area": "-area_m2"}
ACTIONS = {
    "confirm": ChangeFlag.Status.CONFIRMED,
    "permit": ChangeFlag.Status.PERMITTED,
    "dismiss": ChangeFlag.Status.DISMISSED,
}


def _require_reader(user) -> None:
    if not sees_domain(user, Domain.LAND):
        raise PermissionDenied(ONLY_LAND)


def visible_flags(user):
    return scope_private(ChangeFlag.objects.all(), user, Domain.LAND)


def visible_runs(user):
    return scope_private(DetectionRun.objects.all(), user, Domain.LAND)


def _id(data, name: str, required: bool = True) -> int | None:
    raw = data.get(name)
    if raw in (None, ""):
        if required:
            raise InvalidInput(f"Thiếu {name}.", f"{name} is required.", code="missing_parameter")
        return None
    if not is_whole(raw):
        raise InvalidInput(f"{name} phải là số.", f"{name} must be an id.", {name: raw})
    return int(raw)


class StartInput(serializers.Serializer):
    before = serializers.IntegerField(help_text="The older acquisition")
    after = serializers.IntegerField(help_text="The newer acquisition")
    ward = serializers.IntegerField(required=False)
    khu_pho = serializers.IntegerField(required=False, help_text="Search this khu phố only")
    area = serializers.JSONField(required=False, help_text="Or a drawn GeoJSON Polygon (WGS 84)")


def _drawn(raw) -> GEOSGeometry:
    try:
        geom = GEOSGeometry(json.dumps(raw), srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise InvalidInput("area không phải GeoJSON hợp lệ.", "area is not valid GeoJSON.") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.valid:
        raise InvalidInput(
            "area phải là một đa giác hợp lệ.", "area must be a valid Polygon.", {"type": geom.geom_type}
        )
    return geom


@extend_schema(request=StartInput, responses={202: RunSerializer, 200: RunSerializer(many=True)})
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
def run_list(request) -> Response:
    """The 50 latest runs of the user's wards (GET); a land officer starts one (POST → 202, follow Location)."""
    _require_reader(request.user)
    if request.method == "GET":
        qs = visible_runs(request.user)
        if request.query_params.get("ward"):
            qs = qs.filter(ward_id=_id(request.query_params, "ward"))
        return Response({"results": RunSerializer(qs[:50], many=True).data})
    if not edits_domain(request.user, Domain.LAND):
        raise PermissionDenied(NO_DECIDE)
    data = request.data if hasattr(request.data, "get") else {}
    acquisitions = visible_acquisitions(request.user)
    before = acquisitions.filter(pk=_id(data, "before")).first()
    after = acquisitions.filter(pk=_id(data, "after")).first()
    if before is None or after is None:
        raise InvalidInput("Không có ảnh đã chọn.", "No such acquisition.", {"before": data.get("before")})
    khu_pho_id = _id(data, "khu_pho", required=False)
    if khu_pho_id is not None:
        khu_pho = AdminUnit.objects.filter(pk=khu_pho_id, level="khu_pho").first()
        if khu_pho is None:
            raise InvalidInput(f"Không có khu phố mã {khu_pho_id}.", f"No khu phố {khu_pho_id}.", code="unknown_unit")
        # A khu phố always lies in its ward.
        ward, area, kind = cast(AdminUnit, khu_pho.parent), khu_pho.boundary, DetectionRun.AreaKind.KHU_PHO
    else:
        ward = pick_ward(request.user, data.get("ward") or before.ward_id)
        khu_pho = None
        if data.get("area") is not None:
            area, kind = (
                cast(MultiPolygon, _drawn(data["area"]).intersection(ward.boundary)),
                DetectionRun.AreaKind.DRAWN,
            )
        else:
            area, kind = ward.boundary, DetectionRun.AreaKind.WARD
    require_edit(request.user, ward.pk, domain=Domain.LAND)
    run = runs.start_run(
        before=before, after=after, ward=ward, area=area, area_kind=kind, khu_pho=khu_pho, user=request.user
    )
    location = reverse("detection-run", kwargs={"pk": run.pk})
    return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


@extend_schema(responses=RunSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def run_detail(request, pk: int) -> Response:
    """One run: status, tiles done of total, progress 0–100, and its message."""
    return Response(RunSerializer(get_object_or_404(visible_runs(request.user), pk=pk)).data)


@extend_schema(request=None, responses=RunSerializer)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def run_cancel(request, pk: int) -> Response:
    """Cancel a queued or running run: its remaining tiles stop, no flag is written; 409 if it had finished."""
    run = get_object_or_404(visible_runs(request.user), pk=pk)
    require_edit(request.user, run.ward_id, domain=Domain.LAND)
    if not runs.cancel_run(run):
        run.refresh_from_db()
        raise_finished(run)
    run.refresh_from_db()
    return Response(RunSerializer(run).data)


def raise_finished(run: DetectionRun):
    from gisportal.errors import Conflict

    raise Conflict(
        "Lượt phát hiện đã kết thúc, không hủy được.",
        "The run has already finished and cannot be cancelled.",
        {"status": run.status},
    )


def filtered_flags(request):
    """The readable flags filtered by `status` (comma list), `ward`, `run`, `bbox`, sorted by `sort`."""
    _require_reader(request.user)
    params = request.query_params
    qs = visible_flags(request.user).select_related("permit", "decided_by", "before", "after")
    if raw := params.get("status"):
        wanted = raw.split(",")
        unknown = [s for s in wanted if s not in ChangeFlag.Status.values]
        if unknown:
            raise InvalidInput("Trạng thái không hợp lệ.", "Unknown status.", {"status": unknown})
        qs = qs.filter(status__in=wanted)
    if params.get("ward"):
        qs = qs.filter(ward_id=_id(params, "ward"))
    for name in ("before", "after"):
        if params.get(name):
            qs = qs.filter(**{f"{name}_id": _id(params, name)})
    if params.get("run"):
        run_id = _id(params, "run")
        qs = qs.filter(Q(run_id=run_id) | Q(last_run_id=run_id))
    if raw := params.get("bbox"):
        box = Polygon.from_bbox(parse_bbox(raw))
        box.srid = 4326
        qs = qs.filter(geom__intersects=box)
    sort = params.get("sort", "-score")
    if sort not in SORTS:
        raise InvalidInput("sort phải là score, -score, area hoặc -area.", "sort must be score, -score, area or -area.")
    return qs.order_by(SORTS[sort], "id")


@extend_schema(
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, description="to_review, permitted, confirmed, dismissed, linked"),
        OpenApiParameter("ward", OpenApiTypes.INT),
        OpenApiParameter("run", OpenApiTypes.INT),
        OpenApiParameter("before", OpenApiTypes.INT),
        OpenApiParameter("after", OpenApiTypes.INT),
        OpenApiParameter("bbox", OpenApiTypes.STR),
        OpenApiParameter("sort", OpenApiTypes.STR, description="-score (default), score, -area, area"),
        OpenApiParameter("limit", OpenApiTypes.INT, description="At most 2000 (default 500)"),
    ],
    responses=FlagSerializer(many=True),
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def flag_list(request) -> Response:
    """Flags as a GeoJSON FeatureCollection, with `count` (all that match) beside the page returned."""
    qs = filtered_flags(request)
    raw = request.query_params.get("limit", "500")
    if not is_whole(raw) or not 1 <= int(raw) <= 2000:
        raise InvalidInput("limit phải từ 1 đến 2000.", "limit must be 1–2000.", {"limit": raw})
    data = FlagSerializer(qs[: int(raw)], many=True, context={"request": request}).data
    return Response({**data, "count": qs.count()})


def _flag(request, pk: int) -> ChangeFlag:
    return get_object_or_404(visible_flags(request.user).select_related("permit", "before", "after"), pk=pk)


@extend_schema(responses=FlagSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def flag_detail(request, pk: int) -> Response:
    return Response(FlagSerializer(_flag(request, pk), context={"request": request}).data)


class DecideInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=list(ACTIONS))
    permit = serializers.IntegerField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(help_text="The version of the flag you read (stale → 409)")


@extend_schema(request=DecideInput, responses={200: FlagSerializer, 409: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@transaction.atomic
def flag_decide(request, pk: int) -> Response:
    """Confirm a violation, mark it permitted (with the permit), or dismiss it as a false alarm, with a note."""
    flag = _flag(request, pk)
    if not edits_domain(request.user, Domain.LAND):
        raise PermissionDenied(NO_DECIDE)
    require_edit(request.user, flag.ward_id, domain=Domain.LAND)
    fields = DecideInput(data=request.data)
    fields.is_valid(raise_exception=True)
    values = fields.validated_data
    current = lock_current(request, flag, lambda f: FlagSerializer(f, context={"request": request}).data, NOUN)
    permit = None
    if values["action"] == "permit":
        permit_id = values.get("permit")
        permit = scope_private(BuildingPermit.objects.filter(is_deleted=False), request.user, Domain.LAND)
        permit = permit.filter(pk=permit_id).first() if permit_id else None
        if permit is None:
            raise InvalidInput(
                "Hãy chọn giấy phép xây dựng (permit) của công trình.",
                "Choose the building permit (permit) of the structure.",
                {"permit": permit_id},
                code="permit_required",
            )
    current.status = ACTIONS[values["action"]]
    current.permit = permit if permit else (None if values["action"] == "confirm" else current.permit)
    current.note = values.get("note", current.note)
    current.decided_by = request.user
    current.decided_at = timezone.now()
    current.version += 1
    current.save()
    return Response(FlagSerializer(current, context={"request": request}).data)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def flag_history(request, pk: int) -> Response:
    """Every saved version of a flag, newest first: who, when, what changed (status, permit, note, score)."""
    flag = _flag(request, pk)
    return Response({"id": flag.pk, "history": history(flag, HISTORY_FIELDS)})


CHIP_MARGIN = 0.6  # of the flag's size, on each side, so its neighbours show


@extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def flag_chip(request, pk: int, which: str) -> HttpResponse:
    """The flag's surroundings cut from the earlier (`before`) or the later (`after`) photograph, as PNG."""
    if which not in ("before", "after"):
        raise Http404
    flag = _flag(request, pk)
    acquisition = flag.before if which == "before" else flag.after
    west, south, east, north = flag.geom.extent
    mx = max((east - west) * CHIP_MARGIN, 0.00012)
    my = max((north - south) * CHIP_MARGIN, 0.00012)
    body = tiles.crop(tiles.Source.of(acquisition), (west - mx, south - my, east + mx, north + my), 256)
    response = HttpResponse(body, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def ward_counts(request) -> Response:
    """Flags per ward: pending (to review), confirmed, dismissed, permitted, linked; for leaders and land officers."""
    _require_reader(request.user)
    qs = visible_flags(request.user)
    by_status = {s: Count("id", filter=Q(status=s)) for s in ChangeFlag.Status.values}
    rows = qs.values("ward_id", "ward__name").annotate(**by_status, total=Count("id")).order_by("ward__name")
    results = [
        {
            "ward": r["ward_id"],
            "ward_name": r["ward__name"],
            "pending": r[ChangeFlag.Status.TO_REVIEW],
            "confirmed": r[ChangeFlag.Status.CONFIRMED],
            "dismissed": r[ChangeFlag.Status.DISMISSED],
            "permitted": r[ChangeFlag.Status.PERMITTED],
            "linked": r[ChangeFlag.Status.LINKED],
            "total": r["total"],
        }
        for r in rows
    ]
    return Response({"results": results})
