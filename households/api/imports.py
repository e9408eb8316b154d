"""House-number imports over HTTP: upload (inline when small, a Celery job when big), the job and its report.

A file up to ``INLINE_MAX_BYTES`` (≈ 15,000 CSV rows, a few seconds) is imported inside the request and
answered with its report: 201 when written, 200 for a dry run, 400 ``import_rejected`` when any row was
refused. A bigger file (or ``background=true``) is stored, queued for the worker, and answered 202 with
the job's URL, where progress and then the report appear (docs/architecture.md, "Data flow": work over a
few seconds belongs in a task).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from gisportal.errors import InvalidInput, PortalError, body
from gisportal.parsers import FormParser, MultiPartParser
from gisportal.permissions import CanImport, Domain, can_edit, ward_ids
from gisportal.uploads import check_content_length, check_upload_size
from households import house_files
from households.api import params
from households.imports.crs import precheck
from households.imports.run import run_import
from households.models import HouseImport
from households.tasks import import_house_numbers

INLINE_MAX_BYTES = 1_000_000
UPLOAD_DIR = "house_imports"


def summary(job: HouseImport, report: bool = True) -> dict:
    data = {
        "id": job.pk,
        "url": reverse("house-import-detail", kwargs={"pk": job.pk}),
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "file_name": job.file_name,
        "source": job.source,
        "user": job.user.username if job.user else None,
        "ward": job.ward_id,
        "crs": job.crs,
        "dry_run": job.dry_run,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "seconds": job.seconds,
        "rows": job.rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "error": job.error,
    }
    if report:
        data["report"] = job.report
    return data


def _scoped(user):
    qs = HouseImport.objects.select_related("user")
    wards = ward_ids(user)
    return qs if wards is None else qs.filter(Q(ward_id__in=wards) | Q(user=user))


def _store(upload) -> Path:
    """The upload on disk under SPOOL_DIR (private, unlike MEDIA_ROOT), under a name of our own (the user's
    name is kept on the job)."""
    ext = house_files.check_format(upload.name)
    check_upload_size(upload.size)
    folder = Path(settings.SPOOL_DIR) / UPLOAD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{ext}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def _target_ward(request, raw) -> tuple:
    """(target ward or None, allowed wards or None) for this uploader."""
    user = request.user
    ward = params.ward(raw)
    allowed = ward_ids(user)
    if ward is None and allowed is not None:
        if len(allowed) != 1:
            raise InvalidInput(
                "Bạn phụ trách nhiều phường: hãy chọn phường (tham số ward).",
                "You serve several wards: choose one (the ward parameter).",
                {"wards": sorted(allowed)},
                code="ward_required",
            )
        ward = params.ward(next(iter(allowed)))
    if ward is not None and not can_edit(user, ward.pk, None, Domain.FEATURES):
        raise PermissionDenied("Bạn không phụ trách phường này. / You do not serve this ward.")
    return ward, allowed


@extend_schema(methods=["GET"], operation_id="house_imports_list")
@extend_schema(
    request={"multipart/form-data": OpenApiTypes.OBJECT},
    parameters=[
        OpenApiParameter("crs", OpenApiTypes.STR, description="EPSG code: 4326, 9210, 5899 or 3405"),
        OpenApiParameter("ward", OpenApiTypes.STR, description="Ward id or code every point must lie in"),
        OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Check and report, write nothing"),
        OpenApiParameter("background", OpenApiTypes.BOOL, description="Queue even a small file"),
        OpenApiParameter("limit", OpenApiTypes.INT, description="GET: how many jobs, newest first"),
    ],
    responses={200: dict, 201: dict, 202: dict, 400: dict, 413: dict},
)
@api_view(["GET", "POST"])
@permission_classes([CanImport])
@parser_classes([MultiPartParser, FormParser])
def house_imports(request) -> Response:
    """GET: the latest imports (officers: their wards). POST: import a file of house numbers (field ``file``)."""
    if request.method == "GET":
        limit = params.integer(request.query_params, "limit", 20, 1, 500)
        jobs = _scoped(request.user).order_by("-created_at", "-id")[:limit]
        return Response({"results": [summary(job, report=False) for job in jobs]})
    check_content_length(request)
    data = request.data
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput('Gửi một tệp (trường "file").', 'Send a file (field "file").', code="no_file")
    ward, allowed = _target_ward(request, data.get("ward", request.query_params.get("ward")))
    crs = params.epsg(data.get("crs", request.query_params.get("crs")))
    dry_run = params.flag(data.get("dry_run", request.query_params.get("dry_run")), "dry_run")
    background = params.flag(data.get("background", request.query_params.get("background")), "background")
    path = _store(upload)
    job = HouseImport.objects.create(
        user=request.user,
        source=HouseImport.Source.API,
        file_name=Path(upload.name).name[:255],
        path=str(path),
        ward=ward,
        crs=crs,
        dry_run=dry_run,
    )
    if background or path.stat().st_size > INLINE_MAX_BYTES:
        try:
            precheck(path, upload.name, crs)
        except PortalError as exc:
            path.unlink(missing_ok=True)
            job.status, job.error = HouseImport.Status.FAILED, body(exc.code, exc.message, exc.message_en, exc.details)
            job.save()
            raise
        transaction.on_commit(lambda: import_house_numbers.delay(job.pk))
        return Response(summary(job, report=False), status=202)
    try:
        job = run_import(job, path, allowed_wards=allowed)
    finally:
        path.unlink(missing_ok=True)
    if job.status == HouseImport.Status.REJECTED:
        # Answered, not raised: the saved job of a rejected import must not be rolled back with the error.
        return Response(
            body(
                "import_rejected",
                f"{job.rejected} dòng bị từ chối; không dòng nào được ghi. Xem lý do từng dòng trong báo cáo.",
                f"{job.rejected} row(s) rejected; nothing was written. See each row's reason in the report.",
                summary(job),
            ),
            status=400,
        )
    return Response(summary(job), status=201 if job.status == HouseImport.Status.DONE else 200)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([CanImport])
def house_import(request, pk: int) -> Response:
    """One import: its status and progress while it runs, then its standardisation report."""
    return Response(summary(get_object_or_404(_scoped(request.user), pk=pk)))
