"""Sync endpoints: the registration software posts its list; leaders and officers review runs and missing businesses."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, parser_classes, permission_classes
from rest_framework.response import Response

from businesses import sync, sync_files, tasks
from businesses.api.serializers import MissingSerializer
from businesses.models import Business, SyncRun
from gisportal.errors import InvalidInput, ServiceUnavailable, body
from gisportal.params import flag, integer
from gisportal.parsers import FormParser, JSONParser, MultiPartParser
from gisportal.permissions import CanReview, CanSync, Domain, scope_private, ward_ids
from gisportal.tokens import OptionalBasicAuthentication, TokenAuthentication
from gisportal.uploads import check_content_length

MAX_PAGE = 500


@extend_schema(
    request={"multipart/form-data": OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
    parameters=[
        OpenApiParameter("full", OpenApiTypes.BOOL, description="A full list: mark active businesses not in it"),
        OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Check and count, write nothing"),
    ],
    responses={200: dict, 400: dict},
    description="Upsert businesses by registration number, all or nothing: a `file` (CSV or XLSX) "
    'or JSON `{"full": bool, "rows": [...]}`. A rejected row → 400 `sync_rejected`, nothing written.',
)
@api_view(["POST"])
# Token first: the service account gets a 401 with a challenge, not a CSRF-flavoured 403. Basic only where
# settings.API_BASIC_AUTH allows it, under the login lockout (gisportal/tokens.py).
@authentication_classes([TokenAuthentication, OptionalBasicAuthentication, SessionAuthentication])
@permission_classes([CanSync])
@parser_classes([MultiPartParser, FormParser, JSONParser])
def sync_businesses(request) -> Response:
    """Sync from the registration software: the report of created, updated, unchanged and rejected rows."""
    check_content_length(request)
    params, data = request.query_params, request.data
    upload = request.FILES.get("file")
    if upload is None and not (isinstance(data, dict) and "rows" in data):
        raise InvalidInput(
            'Gửi một tệp (trường "file") hoặc JSON {"rows": [...]}.',
            'Send a file (field "file") or JSON {"rows": [...]}.',
            code="nothing_to_sync",
        )
    full = flag(data.get("full", params.get("full")), "full")
    dry_run = flag(data.get("dry_run", params.get("dry_run")), "dry_run")
    if upload is None:
        rows, file_name = sync_files.normalise_rows(data["rows"]), ""
    elif flag(data.get("async", params.get("async")), "async") or upload.size > settings.SYNC_INLINE_MAX_MB * 2**20:
        return _queue(request, upload, full, dry_run)
    else:
        rows, file_name = sync_files.read_rows(upload, upload.name), upload.name
    run = sync.sync(rows, full=full, user=request.user, source=SyncRun.Source.API, file_name=file_name, dry_run=dry_run)
    if run.rejected:
        # Answered, not raised: the saved run of a rejected sync must not be rolled back with the error.
        return Response(
            body(
                "sync_rejected",
                f"{run.rejected} dòng bị từ chối; không dòng nào được ghi. Xem chi tiết từng dòng.",
                f"{run.rejected} row(s) rejected; nothing was written. See each row's reason.",
                sync.summary(run),
            ),
            status=400,
        )
    return Response(sync.summary(run))


def _queue(request, upload, full: bool, dry_run: bool) -> Response:
    """Spool the upload for the worker and answer 202 with the run to poll."""
    run = SyncRun.objects.create(
        user=request.user,
        source=SyncRun.Source.API,
        file_name=upload.name[:255],
        full=full,
        status=SyncRun.Status.QUEUED,
    )
    spool = settings.SPOOL_DIR / "sync"
    path = spool / f"{run.pk}{Path(upload.name).suffix.lower()[:8]}"
    try:
        spool.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    except OSError:
        # Disk full, read-only, missing volume: the run ends failed (never queued forever) and says why.
        if path.parent.is_dir():
            path.unlink(missing_ok=True)
        error = ServiceUnavailable(
            "Không lưu được tệp để xử lý sau (thư mục chờ đầy hoặc không ghi được); hãy thử lại hoặc báo quản trị.",
            "The file could not be stored for the worker (spool folder full or not writable); retry or tell an admin.",
            code="spool_failed",
        )
        run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
        run.error = body(error.code, error.message, error.message_en)
        run.save(update_fields=["status", "finished_at", "error"])
        raise error from None
    transaction.on_commit(lambda: tasks.sync_file.delay(run.pk, str(path), full, dry_run))
    data = sync.summary(run, report=False) | {"status_url": reverse("business-sync-run", kwargs={"pk": run.pk})}
    return Response(data, status=202)


@extend_schema(
    parameters=[OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("page_size", OpenApiTypes.INT)],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([CanReview])
def missing_businesses(request) -> Response:
    """Businesses a full sync did not carry, oldest mark first, for review (ward officers: their wards)."""
    qs = scope_private(
        Business.objects.filter(missing_from_sync_at__isnull=False, is_deleted=False), request.user, Domain.FEATURES
    )
    qs = qs.select_related("industry", "ward", "khu_pho").order_by("missing_from_sync_at", "id")
    page = integer(request.query_params, "page", 1, 1, 100_000)
    size = integer(request.query_params, "page_size", 100, 1, MAX_PAGE)
    count = qs.count()
    results = qs[(page - 1) * size : page * size]
    data = MissingSerializer(results, many=True, context={"request": request}).data
    return Response({"count": count, "page": page, "page_size": size, "results": data})


@extend_schema(methods=["GET"], operation_id="sync_runs_list")
@extend_schema(parameters=[OpenApiParameter("limit", OpenApiTypes.INT)], responses={200: dict})
@api_view(["GET"])
@permission_classes([CanReview])
def sync_runs(request) -> Response:
    """The latest sync runs, newest first, with their counts (the full report is on each run's own URL)."""
    limit = integer(request.query_params, "limit", 20, 1, MAX_PAGE)
    runs = _visible_runs(request.user)[:limit]
    return Response({"results": [sync.summary(run, report=False) for run in runs]})


# A run touches a ward when its report names a business of that ward (created, updated or marked missing).
_TOUCHES = """SELECT r.id FROM businesses_syncrun r WHERE r.user_id = %s OR EXISTS (
    SELECT 1 FROM businesses_business b WHERE b.ward_id = ANY(%s) AND (
        r.report->'created' ? b.registration_no
        OR r.report->'updated' @> jsonb_build_array(jsonb_build_object('registration_no', b.registration_no))
        OR r.report->'missing' @> jsonb_build_array(jsonb_build_object('registration_no', b.registration_no))))"""


def _visible_runs(user):
    """Leaders and admins: every run. Ward officers: the runs they started and those touching their wards."""
    qs = SyncRun.objects.select_related("user")
    wards = ward_ids(user)
    if wards is None:
        return qs
    return qs.filter(pk__in=RawSQL(_TOUCHES, [user.pk, sorted(wards)]))


def _scoped_report(run: SyncRun, user) -> dict:
    """The run's report as this reader may see it: a ward officer reading another's run sees its rows for
    their own wards only, and not the rejected rows (which name owners and phones of any ward)."""
    data = sync.summary(run)
    wards = ward_ids(user)
    if wards is None or run.user_id == user.pk:
        return data
    report = run.report or {}
    named = [
        *report.get("created", []),
        *(e["registration_no"] for e in report.get("updated", []) + report.get("missing", [])),
    ]
    mine = set(
        Business.objects.filter(registration_no__in=named, ward_id__in=wards).values_list("registration_no", flat=True)
    )
    data["report"] = {
        "rejections": [],
        "rejections_hidden": len(report.get("rejections", [])),
        "created": [r for r in report.get("created", []) if r in mine],
        "updated": [e for e in report.get("updated", []) if e["registration_no"] in mine],
        "missing": [e for e in report.get("missing", []) if e["registration_no"] in mine],
    }
    return data


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([CanReview])
def sync_run(request, pk: int) -> Response:
    """One sync run with its full report: every rejected row and why, what changed, what went missing."""
    return Response(_scoped_report(get_object_or_404(_visible_runs(request.user), pk=pk), request.user))
