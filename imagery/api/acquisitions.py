"""Imagery API: acquisitions (list, upload or register, delete), ingestion jobs, the "when was it built" strip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.contrib.gis.geos import Polygon
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import Domain, edits_domain, require_edit, scope_private
from gisportal.uploads import check_content_length, too_large
from imagery import access, ingest
from imagery.access import visible_acquisitions
from imagery.api.params import number, parse_bbox, pick_ward
from imagery.models import Acquisition, IngestJob, Parcel
from imagery.uploads import IncomingFileHandler, SizeLimitHandler
from layers.crs import UTM48N, WGS84, check_lon_lat, transformer

NO_LAND_EDIT = (
    "Chỉ cán bộ địa chính của phường mới tải ảnh lên được. / Only the ward's land officers may upload imagery."
)


# What a photograph is, the same on the acquisition and on the job that makes it.
_ABOUT = ["id", "ward", "year", "acquired_on", "title", "source_name"]


class AcquisitionSerializer(serializers.ModelSerializer):
    footprint = serializers.SerializerMethodField()
    bounds = serializers.SerializerMethodField()
    tiles = serializers.SerializerMethodField()

    class Meta:
        model = Acquisition
        fields = [
            *_ABOUT,
            "crs",
            "crs_name",
            "width",
            "height",
            "bands",
            "dtype",
            "resolution_m",
            "minzoom",
            "maxzoom",
            "size_bytes",
            "created_at",
            "bounds",
            "footprint",
            "tiles",
        ]

    def get_footprint(self, obj: Acquisition) -> dict:
        return {"type": "Polygon", "coordinates": obj.footprint.coords}

    def get_bounds(self, obj: Acquisition) -> list[float]:
        return list(obj.footprint.extent)

    def get_tiles(self, obj: Acquisition) -> str:
        """The XYZ template, with a key that spares each tile the session (imagery/access.py)."""
        return access.tiles_url(self.context["request"].user, obj)


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = IngestJob
        fields = [
            *_ABOUT,
            "size_bytes",
            "status",
            "progress",
            "stage",
            "error",
            "message",
            "message_en",
            "acquisition",
            "created_at",
            "started_at",
            "finished_at",
        ]


def _dates(data) -> tuple[int, dt.date]:
    raw = str(data.get("acquired_on") or "")
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"Ngày chụp (acquired_on) phải có dạng YYYY-MM-DD: '{raw}'.",
            f"The acquisition date (acquired_on) must be YYYY-MM-DD: {raw!r}.",
            {"acquired_on": raw},
        ) from None
    raw_year = str(data.get("year") or day.year)
    if not is_whole(raw_year, 4) or int(raw_year) != day.year or not 1940 <= day.year <= dt.date.today().year:
        raise InvalidInput(
            f"Năm chụp {raw_year} không khớp với ngày {day} (hoặc nằm ngoài 1940–nay).",
            f"The year {raw_year} does not match the date {day} (or is outside 1940–today).",
            {"year": raw_year, "acquired_on": raw},
        )
    return day.year, day


class AcquisitionList(APIView):
    """Acquisitions the user may see (GET); upload a GeoTIFF or register one by path (POST → 202 and a job)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, JSONParser]

    def initial(self, request, *args, **kwargs) -> None:
        self.incoming = None
        if request.method == "POST":
            check_content_length(request)  # refused before a byte of the body is read
            # Installed before anything parses the body (DRF's CSRF check reads it).
            self.limit = SizeLimitHandler(request._request)
            self.incoming = IncomingFileHandler(request._request)
            request._request.upload_handlers = [self.limit, self.incoming]
        super().initial(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("ward", OpenApiTypes.INT),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("lon", OpenApiTypes.FLOAT, description="With lat: those covering this point"),
            OpenApiParameter("lat", OpenApiTypes.FLOAT),
        ],
        operation_id="imagery_acquisitions_list",
        responses=inline_serializer("AcquisitionPage", {"results": AcquisitionSerializer(many=True)}),
    )
    def get(self, request) -> Response:
        qs = visible_acquisitions(request.user)
        params = request.query_params
        for name in ("ward", "year"):
            if raw := params.get(name):
                if not is_whole(raw):
                    raise InvalidInput(f"{name} phải là số nguyên.", f"{name} must be an integer.", {name: raw})
                qs = qs.filter(**{name: int(raw)})
        if params.get("lon") or params.get("lat"):
            lon, lat = number(params, "lon"), number(params, "lat")
            check_lon_lat(lon, lat)
            qs = qs.filter(footprint__intersects=f"SRID=4326;POINT({lon} {lat})")
        return Response({"results": AcquisitionSerializer(qs, many=True, context={"request": request}).data})

    @extend_schema(
        request={"multipart/form-data": OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT},
        responses={202: JobSerializer, 400: dict, 413: dict},
        description="multipart: `file` (GeoTIFF), `ward`, `acquired_on` (YYYY-MM-DD), `year`, `title`; or JSON "
        "with `path` (a file under IMAGERY_IMPORT_DIR) instead of `file`. Answers 202 with the ingestion job.",
    )
    def post(self, request) -> Response:
        kept = None
        try:
            if not edits_domain(request.user, Domain.LAND):
                raise PermissionDenied(NO_LAND_EDIT)
            data = request.data
            if self.limit.exceeded:
                raise too_large(self.limit.total)
            ward = pick_ward(request.user, data.get("ward"))
            require_edit(request.user, ward.pk, domain=Domain.LAND)
            year, day = _dates(data)
            fields: dict[str, Any] = {
                "ward": ward,
                "year": year,
                "acquired_on": day,
                "title": str(data.get("title") or "")[:200],
            }
            upload = request.FILES.get("file")
            if upload is not None:
                job = ingest.start_upload(upload, user=request.user, **fields)
                kept = Path(job.source_path)
            elif data.get("path"):
                job = ingest.start_path(_registered(str(data["path"])), user=request.user, **fields)
            else:
                raise InvalidInput(
                    'Gửi tệp GeoTIFF (trường "file") hoặc đường dẫn (trường "path").',
                    'Send a GeoTIFF (field "file") or a server path (field "path").',
                    code="nothing_to_ingest",
                )
        finally:
            if self.incoming is not None:
                self.incoming.discard(keep=kept)
        body = JobSerializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": _job_url(job)})


def _job_url(job: IngestJob) -> str:
    return reverse("imagery-job", kwargs={"pk": job.pk})


def _registered(raw: str) -> Path:
    """A path under IMAGERY_IMPORT_DIR (the API never reads anywhere else on the server)."""
    root = ingest.import_dir()
    if root is None:
        raise InvalidInput(
            "Máy chủ không cho đăng ký tệp theo đường dẫn (IMAGERY_IMPORT_DIR trống).",
            "Registering files by path is off on this server (IMAGERY_IMPORT_DIR is empty).",
            code="import_dir_off",
        )
    path = (root / raw).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise InvalidInput(
            f"Không có tệp '{raw}' trong thư mục nhập ảnh.",
            f"No file {raw!r} in the imagery import folder.",
            {"path": raw},
            code="unknown_path",
        )
    return path


class AcquisitionDetail(APIView):
    """One acquisition (GET); its ward's land officers delete it with its COG (DELETE)."""

    permission_classes = [IsAuthenticated]

    def _get(self, request, pk: int) -> Acquisition:
        return get_object_or_404(visible_acquisitions(request.user), pk=pk)

    @extend_schema(responses=AcquisitionSerializer)
    def get(self, request, pk: int) -> Response:
        return Response(AcquisitionSerializer(self._get(request, pk), context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int) -> Response:
        acquisition = self._get(request, pk)
        require_edit(request.user, acquisition.ward_id, domain=Domain.LAND)
        with transaction.atomic():
            ingest.delete_acquisition(acquisition)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    operation_id="imagery_jobs_list",
    responses=inline_serializer("JobPage", {"results": JobSerializer(many=True)}),
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def job_list(request) -> Response:
    """The 50 latest ingestion jobs of the user's wards, with their progress or the reason for a refusal."""
    qs = scope_private(IngestJob.objects.all(), request.user, Domain.LAND)[:50]
    return Response({"results": JobSerializer(qs, many=True).data})


@extend_schema(responses=JobSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def job_detail(request, pk: int) -> Response:
    """One ingestion job: status, progress 0–100, and the refusal's message when it failed."""
    job = get_object_or_404(scope_private(IngestJob.objects.all(), request.user, Domain.LAND), pk=pk)
    return Response(JobSerializer(job).data)


def _square(lon: float, lat: float, size_m: float) -> tuple[float, float, float, float]:
    to_m, to_deg = transformer(WGS84, UTM48N), transformer(UTM48N, WGS84)
    x, y = to_m.transform(lon, lat)
    half = size_m / 2
    west, south = to_deg.transform(x - half, y - half)
    east, north = to_deg.transform(x + half, y + half)
    return west, south, east, north


@extend_schema(
    parameters=[
        OpenApiParameter("lon", OpenApiTypes.FLOAT),
        OpenApiParameter("lat", OpenApiTypes.FLOAT),
        OpenApiParameter("size_m", OpenApiTypes.FLOAT, description="Side of the square cut out, 10–500 m"),
        OpenApiParameter("parcel", OpenApiTypes.INT, description="Instead of lon/lat: a saved parcel"),
        OpenApiParameter("bbox", OpenApiTypes.STR, description="Instead: west,south,east,north"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def strip(request) -> Response:
    """ "When was it built?": the same place cut out of every acquisition covering it, oldest first."""
    params = request.query_params
    parcel = None
    if raw := params.get("parcel"):
        if not is_whole(raw):
            raise InvalidInput("parcel phải là số.", "parcel must be an id.", {"parcel": raw})
        parcel = get_object_or_404(
            scope_private(Parcel.objects.filter(is_deleted=False), request.user, Domain.LAND), pk=int(raw)
        )
        west, south, east, north = parcel.geom.extent
        # A margin around the parcel, so that its neighbours and the street show.
        mx, my = max((east - west) * 0.4, 0.0001), max((north - south) * 0.4, 0.0001)
        bbox = (west - mx, south - my, east + mx, north + my)
    elif params.get("bbox"):
        bbox = parse_bbox(params["bbox"])
    else:
        lon, lat = number(params, "lon"), number(params, "lat")
        check_lon_lat(lon, lat)
        size = number(params, "size_m") if params.get("size_m") else 60.0
        if not 10 <= size <= 500:
            raise InvalidInput("size_m phải từ 10 đến 500.", "size_m must be 10–500.", {"size_m": size})
        bbox = _square(lon, lat, size)
    box = Polygon.from_bbox(bbox)
    box.srid = 4326
    found = visible_acquisitions(request.user).filter(footprint__intersects=box).order_by("acquired_on", "id")
    query = urlencode({"bbox": ",".join(f"{v:.7f}" for v in bbox), "size": 256})
    items = [
        {
            "id": a.pk,
            "year": a.year,
            "acquired_on": a.acquired_on.isoformat(),
            "title": a.title,
            "resolution_m": round(a.resolution_m, 3),
            "thumbnail": f"{reverse('imagery-crop', kwargs={'pk': a.pk})}?{query}",
        }
        for a in found
    ]
    out: dict[str, Any] = {"bbox": list(bbox), "items": items}
    if parcel is not None:
        out["parcel"] = {"id": parcel.pk, "geometry": {"type": "Polygon", "coordinates": parcel.geom.coords}}
    return Response(out)
