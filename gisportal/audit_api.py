"""The audit log for administrators: `GET /api/v1/audit/?kind=&user=&since=&until=&page=&page_size=`, newest first.

Read only: the log has no write endpoint (gisportal/audit.py)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from gisportal.audit import AuditEntry, Kind
from gisportal.errors import InvalidInput
from gisportal.pagination import numbered_page
from gisportal.params import integer
from gisportal.permissions import reads_audit


def _day(raw: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"'{name}' phải là ngày dạng YYYY-MM-DD.", f"{name!r} must be a date as YYYY-MM-DD.", {name: raw}
        ) from None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@extend_schema(
    parameters=[
        OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Kind.values)),
        OpenApiParameter("user", OpenApiTypes.STR, description="user name"),
        OpenApiParameter("since", OpenApiTypes.DATE, description="from this day (portal time zone)"),
        OpenApiParameter("until", OpenApiTypes.DATE, description="up to and including this day"),
        OpenApiParameter("page", OpenApiTypes.INT),
        OpenApiParameter("page_size", OpenApiTypes.INT),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([AllowAny])
def audit_log(request) -> Response:
    """Who logged in, failed to, edited, exported or was refused, from where: administrators only."""
    if not reads_audit(request.user):
        raise PermissionDenied("Chỉ quản trị viên xem được nhật ký kiểm tra. / Only administrators read the audit log.")
    params = request.GET
    entries = AuditEntry.objects.all()
    if kind := params.get("kind"):
        if kind not in Kind.values:
            raise InvalidInput("Loại sự kiện không có.", "No such kind of event.", {"kind": kind, "kinds": Kind.values})
        entries = entries.filter(kind=kind)
    if user := params.get("user"):
        entries = entries.filter(username=user)
    if since := params.get("since"):
        entries = entries.filter(at__gte=_start_of(_day(since, "since")))
    if until := params.get("until"):
        entries = entries.filter(at__lt=_start_of(_day(until, "until") + dt.timedelta(days=1)))
    page = integer(params, "page", 1, 1, 10_000_000)
    size = integer(params, "page_size", 50, 1, 500)
    return Response(numbered_page(entries, page, size, _entry))


def _entry(e: AuditEntry) -> dict:
    return {
        "id": e.pk,
        "at": e.at.isoformat(),
        "kind": e.kind,
        "user": e.username or None,
        "method": e.method,
        "path": e.path,
        "ip": e.ip,
        "status": e.status,
        "detail": e.detail,
    }
