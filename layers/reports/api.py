"""HTTP for citizen reports under /api/v1/reports/: filing, the duplicate offer, following, the public view, the
officers' queue and steps, the leaders' summary. Views parse, call one service, serialise."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from gisportal.errors import InvalidInput, NotFound
from gisportal.params import whole
from gisportal.permissions import can_read_report, reads_reports, role_of, scope_reports
from gisportal.uploads import check_content_length
from layers.models import AdminUnit
from layers.reports import photos, qr, services, throttle
from layers.reports.models import DONE_STATUSES, OPEN_STATUSES, Report, ReportPhoto, Status
from layers.reports.public import for_officer, public
from layers.reports.routing import parse_point

QUEUE_LIMIT = 500
JSON_MAX_MB = 0.25


def _object(request: Request) -> dict:
    """The body as fields (a form or a JSON object); a JSON array or a bare value is a 400, not a 500."""
    if not isinstance(request.data, dict):
        raise InvalidInput("Dữ liệu gửi lên phải là một đối tượng.", "The body must be an object (or a form).")
    return request.data


@extend_schema(request=dict, responses={201: dict})
@api_view(["POST"])
@permission_classes([AllowAny])
def file_report(request: Request) -> Response:
    """A citizen files a report (multipart with up to three `photos`, or JSON); no account needed."""
    check_content_length(request, photos.MAX_PHOTOS * photos.MAX_MB + 1)
    if not request.content_type.startswith("multipart/"):
        # Without photos a report is a few kilobytes: a 10 MB JSON body was read, parsed and accepted.
        check_content_length(request, JSON_MAX_MB)
    data = _object(request)
    point = parse_point(data.get("lat"), data.get("lon"))
    filing = services.clean_filing(data, point)
    throttle.check(request, "file")
    report = services.file_report(filing, request.FILES.getlist("photos"))
    body = public(report)
    body["public_url"] = qr.public_url(request, report.code)
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def nearby(request: Request) -> Response:
    """Open reports of the same kind within 50 m of a point: shown before filing, so a citizen can follow one."""
    q = request.query_params
    point = parse_point(q.get("lat"), q.get("lon"))
    found = services.nearby_open(q.get("kind", ""), point)
    return Response(
        {
            "radius_m": services.DUPLICATE_RADIUS_M,
            # nearby_open annotates each report with its distance
            "reports": [{**public(r), "distance_m": round(r.distance.m, 1)} for r in found],  # type: ignore[attr-defined]
        }
    )


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def detail(request: Request, code: str) -> Response:
    """A report by its tracking code: the public view, or the officers' view for its officers and leaders."""
    return Response(for_officer(services.get(code), request.user))


@extend_schema(request=None, responses={200: dict})
@api_view(["POST"])
@permission_classes([AllowAny])
def follow(request: Request, code: str) -> Response:
    """+1: a citizen follows this open report instead of filing the same problem again."""
    throttle.check(request, "follow")
    return Response(public(services.follow(code)))


def _officer(request: Request) -> None:
    if not request.user.is_authenticated:
        raise NotAuthenticated()
    if not reads_reports(request.user):
        raise PermissionDenied("Chỉ cán bộ phường, khu phố và lãnh đạo. / Ward and khu phố officers and leaders only.")


@extend_schema(request=dict, responses={200: dict})
@api_view(["POST"])
@permission_classes([AllowAny])
def take_step(request: Request, code: str) -> Response:
    """An officer's step: {"step": triage|assign|answer|resolve|close|reopen|merge, "version": n, ...}."""
    _officer(request)
    data = _object(request)
    report = services.step(code, request.user, str(data.get("step", "")), data)
    return Response(for_officer(report, request.user))


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def history(request: Request, code: str) -> Response:
    """Every version of a report: which step, by whom, when (officers of its ward and leaders)."""
    _officer(request)
    report = services.get(code)
    if not can_read_report(request.user, report):
        raise NotFound("Không tìm thấy phản ánh với mã này.", "No report has this tracking code.", code="no_report")
    return Response({"code": report.code, "steps": services.steps_of(report)})


def queue_of(user, params) -> list[Report]:
    """The user's queue, filtered: `ward`, `status` (open, done, merged, all or one status), `overdue=1`."""
    qs = scope_reports(Report.objects.select_related("ward", "khu_pho", "assignee", "duplicate_of"), user)
    ward = params.get("ward")
    if ward:
        qs = qs.filter(ward_id=whole(str(ward).strip(), "ward"))
    wanted = params.get("status") or "open"
    groups = {"open": OPEN_STATUSES, "done": DONE_STATUSES, "all": tuple(Status.values), "merged": (Status.MERGED,)}
    if wanted not in groups and wanted not in Status.values:
        raise InvalidInput(
            "Trạng thái lọc không hợp lệ.",
            "Unknown status filter.",
            {"status": wanted, "allowed": [*groups, *Status.values]},
        )
    qs = qs.filter(status__in=groups.get(wanted, (wanted,)))
    if params.get("overdue") in ("1", "true"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    qs = qs.prefetch_related(Prefetch("photos", queryset=ReportPhoto.objects.order_by("position")))
    return list(qs.order_by("due_at", "id")[:QUEUE_LIMIT])


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def queue(request: Request) -> Response:
    """The officer's queue (their ward, or their khu phố), soonest deadline first; leaders see every ward."""
    _officer(request)
    return Response({"reports": [for_officer(r, request.user) for r in queue_of(request.user, request.query_params)]})


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([AllowAny])
def summary(request: Request) -> Response:
    """Per ward: open, overdue and closed-on-time counts, and the overdue reports (leaders and officers)."""
    _officer(request)
    qs = scope_reports(Report.objects.select_related("ward", "khu_pho"), request.user)
    ward_ids = sorted(set(qs.values_list("ward_id", flat=True)))
    counts = services.per_ward(ward_ids)
    overdue = list(qs.overdue().order_by("due_at", "id")[:QUEUE_LIMIT])
    names = dict(AdminUnit.objects.filter(pk__in=ward_ids).values_list("pk", "name"))
    return Response(
        {
            "role": role_of(request.user).value,
            "wards": [{"ward_id": w, "ward": names.get(w), **counts.get(w, {})} for w in ward_ids],
            "overdue": [public(r) for r in overdue],
        }
    )


urlpatterns = [
    path("reports/", file_report, name="report-file"),
    path("reports/nearby", nearby, name="report-nearby"),
    path("reports/queue", queue, name="report-queue"),
    path("reports/summary", summary, name="report-summary"),
    path("reports/<str:code>/", detail, name="report-detail"),
    path("reports/<str:code>/follow", follow, name="report-follow"),
    path("reports/<str:code>/steps", take_step, name="report-step"),
    path("reports/<str:code>/history", history, name="report-history"),
]
