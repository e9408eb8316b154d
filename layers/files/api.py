"""GIS files in and out of any editable registry layer: import (preview, then commit) and export.

POST /api/v1/layers/{layer}/imports         multipart `file` (+ `crs` EPSG code, `repair`, `source_layer`)
GET  /api/v1/layers/{layer}/imports/{id}    the stored report (or, while the worker runs, state and progress)
POST /api/v1/layers/{layer}/imports/{id}/commit

A file of more than GIS_IMPORT_INLINE_ROWS features is answered 202: the worker previews it (state
`queued` → `previewed`) and, after the commit call, writes it (`committing` → `committed` or `refused`).
GET  /api/v1/layers/{layer}/export.{fmt}    the OGC items query (bbox, property filters), as a file
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from gisportal import openapi
from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import handles_import_job
from layers import registry
from layers.files import exporter, importer
from layers.models import ImportJob
from layers.ogc import features as ogc
from layers.registry import Layer


def _layer(name: str, public: bool = False) -> Layer:
    layer = registry.get(name)
    if layer is None or (public and not layer.public):
        raise NotFound(f"Không có lớp '{name}'. / No layer named {name!r}.")
    return layer


def _options(data) -> dict:
    options: dict = {}
    if raw := data.get("crs"):
        raw = str(raw).upper().removeprefix("EPSG:")
        if not is_whole(raw, 6):
            raise InvalidInput(
                f"Hệ tọa độ '{raw}' không hợp lệ: ghi mã EPSG, ví dụ 9210.",
                f"Invalid CRS {raw!r}: give an EPSG code, e.g. 9210.",
                code="unknown_crs",
            )
        options["crs"] = int(raw)
    options["repair"] = str(data.get("repair", "")).lower() in ("1", "true", "yes", "on")
    if source := data.get("source_layer"):
        options["source_layer"] = str(source)
    if raw := data.get("mapping"):
        options["mapping"] = _mapping(raw)
    return options


def _mapping(raw: Any) -> dict[str, str]:
    """The officer's own choice of field per file column: a JSON object {"column": "field"} (the form sends it
    as text); a field unknown to the layer is ignored by the importer, as an unmatched column is."""
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise InvalidInput(
            'Cách ghép cột không hợp lệ: cần dạng {"cột": "trường"}.',
            'Invalid column mapping: expected {"column": "field"}.',
            code="invalid_mapping",
        )
    return {k[:200]: v[:100] for k, v in list(value.items())[:500] if v}


def _job_doc(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "layer": job.layer,
        "file_name": job.file_name,
        "format": job.format,
        "state": job.state,
        "created_at": job.created_at.isoformat(),
        "options": job.options,
        "features": job.feature_count,
        "progress": job.progress,
        "error": job.error,
        **job.report,
    }


@extend_schema(request={"multipart/form-data": dict}, responses={201: dict, 202: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
@parser_classes([MultiPartParser, FormParser])
def import_preview(request: Request, layer: str) -> Response:
    """Check a file and preview its rows and problems; nothing is written to the layer yet."""
    found = _layer(layer)
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("Thiếu tệp (file).", "The file is missing (file).", code="missing_file")
    job = importer.preview(found, request.user, upload, upload.name, _options(request.data))
    queued = job.state == ImportJob.State.QUEUED
    return Response(_job_doc(job), status=status.HTTP_202_ACCEPTED if queued else status.HTTP_201_CREATED)


def _own_job(request: Request, layer: Layer, pk: int, lock: bool = False) -> ImportJob:
    jobs = ImportJob.objects.select_for_update() if lock else ImportJob.objects
    job = get_object_or_404(jobs, pk=pk, layer=layer.name)
    if not handles_import_job(request.user, job):
        raise PermissionDenied("Đây là lần nhập của người khác. / This import belongs to someone else.")
    return job


@extend_schema(responses={200: openapi.OBJECT})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def import_detail(request: Request, layer: str, pk: int) -> Response:
    """A previewed or committed import's report."""
    found = _layer(layer)
    return Response(_job_doc(_own_job(request, found, pk)))


def _not_committable(job: ImportJob) -> InvalidInput:
    if job.state == ImportJob.State.QUEUED:
        return InvalidInput(
            "Tệp vẫn đang được kiểm tra; hãy chờ bản xem trước.",
            "The file is still being checked; wait for its preview.",
            code="not_previewed",
        )
    if job.state in (ImportJob.State.COMMITTED, ImportJob.State.COMMITTING):
        return InvalidInput("Tệp này đã được nhập.", "This file was already imported.", code="already_committed")
    return InvalidInput(
        "Lần nhập này đã kết thúc (bị từ chối hoặc lỗi): hãy sửa tệp và gửi lại.",
        "This import has ended (refused or failed): correct the file and send it again.",
        code="import_ended",
    )


@extend_schema(request=None, responses={200: dict, 202: dict, 400: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def import_commit(request: Request, layer: str, pk: int) -> Response:
    """Write every row of the previewed file, or none: 200 when written, 400 with the rows in the way,
    202 when a big file is handed to the worker (follow the import's URL)."""
    found = _layer(layer)
    with transaction.atomic():
        job = _own_job(request, found, pk, lock=True)
        if job.state != ImportJob.State.PREVIEWED:
            raise _not_committable(job)
        if importer.in_background(job):
            return Response(_job_doc(importer.queue_commit(job)), status=status.HTTP_202_ACCEPTED)
        job = importer.commit(found, request.user, job)  # under the lock: a double click commits once
    if not job.report["committed"]:
        raise InvalidInput(
            f"Không nhập gì cả: {job.report['failed_rows']} dòng còn lỗi.",
            f"Nothing was imported: {job.report['failed_rows']} rows have problems.",
            {"problems": job.report["problems"], "import": job.pk},
            code="import_refused",
        )
    return Response(_job_doc(job))


@extend_schema(
    parameters=[
        OpenApiParameter("bbox", OpenApiTypes.STR, description="west,south,east,north (WGS 84)"),
        OpenApiParameter("limit", OpenApiTypes.INT),
    ],
    responses=openapi.download(*sorted({media.split(";")[0] for media, _ in exporter.FORMATS.values()})),
)
@api_view(["GET", "HEAD"])
@permission_classes([AllowAny])
def export(request: Request, layer: str, fmt: str) -> HttpResponseBase:
    """The layer, or the selection the query names (as for OGC items), as a file. Public fields only."""
    found = _layer(layer, public=True)
    if fmt not in exporter.FORMATS:
        raise InvalidInput(
            f"Định dạng '{fmt}' không được hỗ trợ.",
            f"Format {fmt!r} is not supported.",
            {"formats": list(exporter.FORMATS)},
            code="unsupported_format",
        )
    params = request.GET.copy()
    params.setdefault("limit", str(ogc.MAX_LIMIT))
    q = ogc.parse_query(found, params, max_limit=ogc.MAX_LIMIT)
    response: HttpResponseBase
    if fmt == "geojson":
        response = StreamingHttpResponse(exporter.geojson_chunks(found, q), content_type=exporter.FORMATS[fmt][0])
        name = f"{found.name}.geojson"
    else:
        body, content_type, name = exporter.export_file(found, q, fmt)
        response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns = [
    path("layers/<slug:layer>/imports", import_preview, name="layer-import"),
    path("layers/<slug:layer>/imports/<int:pk>", import_detail, name="layer-import-detail"),
    path("layers/<slug:layer>/imports/<int:pk>/commit", import_commit, name="layer-import-commit"),
    path("layers/<slug:layer>/export.<slug:fmt>", export, name="layer-export"),
]
