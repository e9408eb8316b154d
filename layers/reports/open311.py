"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2/) at /open311/v2/, JSON and XML, so civic apps
file and read the same reports as the portal's own page.

services.{fmt}, services/{service_code}.{fmt}, requests.{fmt} (GET and POST), requests/{service_request_id}.{fmt}.
A request's `service_request_id` is its tracking code. Reads are public and carry what the report's public page
shows (no description, no contact); a POST files a report as the web page does, with the same checks and the same
per-client limit. Errors keep GeoReport's shape, `[{"code", "description"}]`, the description Vietnamese then
English.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from gisportal.errors import PortalError
from gisportal.uploads import check_content_length
from layers.reports import codes, qr, services, throttle
from layers.reports.models import DEADLINE_DAYS, OPEN_STATUSES, Kind, Report
from layers.reports.public import photo_urls
from layers.reports.routing import parse_point

GROUPS = {
    Kind.FLOODING: "Hạ tầng thoát nước / Drainage",
    Kind.DRAIN_COVER: "Hạ tầng thoát nước / Drainage",
    Kind.FALLEN_TREE: "Cây xanh / Trees",
    Kind.DUMPING: "Vệ sinh môi trường / Sanitation",
    Kind.ENCROACHMENT: "Trật tự đô thị / Public order",
    Kind.CONSTRUCTION: "Trật tự xây dựng / Building control",
    Kind.OTHER: "Khác / Other",
}
KEYWORDS = {
    Kind.FLOODING: "ngập,nước,mưa,flooding,water",
    Kind.DRAIN_COVER: "cống,nắp cống,drain,manhole",
    Kind.FALLEN_TREE: "cây,ngã,đổ,tree",
    Kind.DUMPING: "rác,xà bần,dumping,garbage",
    Kind.ENCROACHMENT: "vỉa hè,lấn chiếm,sidewalk,encroachment",
    Kind.CONSTRUCTION: "xây dựng,không phép,construction,permit",
    Kind.OTHER: "khác,other",
}
# The one attribute every service defines (GeoReport's "service definition"): a landmark near the problem.
LANDMARK = {
    "variable": True,
    "code": "landmark",
    "datatype": "string",
    "required": False,
    "datatype_description": "Gần địa điểm dễ nhận biết nào? / Near which landmark?",
    "order": 1,
    "description": "Địa điểm dễ nhận biết gần đó / A landmark nearby",
    "values": [],
}
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


class _Error(Exception):
    def __init__(self, status: int, vi: str, en: str):
        self.status, self.description = status, f"{vi} / {en}"


# --- representations -----------------------------------------------------------------------------


def _service(kind: str, label: str) -> dict[str, Any]:
    return {
        "service_code": kind,
        "service_name": label,
        "description": f"{label}. Hạn xử lý {DEADLINE_DAYS[kind]} ngày. / Resolved within {DEADLINE_DAYS[kind]} days.",
        "metadata": True,
        "type": "realtime",
        "keywords": KEYWORDS[Kind(kind)],
        "group": GROUPS[Kind(kind)],
    }


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request(report: Report, http: HttpRequest) -> dict[str, Any]:
    media = photo_urls(report)
    return {
        "service_request_id": report.code,
        "status": "open" if report.status in OPEN_STATUSES else "closed",
        "status_notes": report.public_answer,
        "service_name": report.get_kind_display(),
        "service_code": report.kind,
        "agency_responsible": f"UBND {report.ward.name}",
        "service_notice": "",
        "requested_datetime": _when(report.created_at),
        "updated_datetime": _when(report.updated_at),
        "expected_datetime": _when(report.due_at),
        "address": report.address,
        "address_id": "",
        "zipcode": "",
        "lat": report.geom.y,
        "long": report.geom.x,
        "media_url": http.build_absolute_uri(media[0]) if media else "",
        "public_url": qr.public_url(http, report.code),
    }


def _xml(root: str, item: str, rows: list[dict], nested: dict[str, str] | None = None) -> bytes:
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        _fill(node, row, nested or {})
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="utf-8")


def _fill(node: ET.Element, row: dict, nested: dict[str, str]) -> None:
    for key, value in row.items():
        child = ET.SubElement(node, key)
        if isinstance(value, list):
            for v in value:
                grand = ET.SubElement(child, nested.get(key, "value"))
                if isinstance(v, dict):
                    _fill(grand, v, nested)
                else:
                    grand.text = str(v)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        elif value is not None:
            child.text = str(value)


def _answer(fmt: str, data: Any, root: str, item: str, status: int = 200, nested: dict | None = None) -> HttpResponse:
    if fmt == "xml":
        rows = data if isinstance(data, list) else [data]
        return HttpResponse(_xml(root, item, rows, nested), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _errors(fmt: str, status: int, description: str) -> HttpResponse:
    return _answer(fmt, [{"code": status, "description": description}], "errors", "error", status)


def _guarded(view):
    """Portal errors and GeoReport errors, both answered in GeoReport's error shape and the asked format."""

    def wrapper(request: HttpRequest, fmt: str, **kwargs):
        try:
            return view(request, fmt, **kwargs)
        except _Error as exc:
            return _errors(fmt, exc.status, exc.description)
        except PortalError as exc:
            response = _errors(fmt, exc.status_code, f"{exc.message} / {exc.message_en}")
            if wait := getattr(exc, "wait", None):
                response["Retry-After"] = str(wait)
            return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


# --- views ---------------------------------------------------------------------------------------


@require_safe
@_guarded
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return _answer(fmt, [_service(k, label) for k, label in Kind.choices], "services", "service")


@require_safe
@_guarded
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    if service_code not in Kind.values:
        raise _Error(404, "Không có dịch vụ này.", f"No service {service_code!r}.")
    data = {"service_code": service_code, "attributes": [LANDMARK]}
    if fmt == "xml":
        body = ET.Element("service_definition")
        _fill(body, data, {"attributes": "attribute"})
        xml = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(body, encoding="utf-8")
        return HttpResponse(xml, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@_guarded
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post(request, fmt)
    q = request.GET
    qs = Report.objects.select_related("ward").prefetch_related("photos")
    ids = [codes.normalise(c) for c in q.get("service_request_id", "").split(",") if c.strip()]
    if ids:
        qs = qs.filter(code__in=ids)
    else:
        if q.get("service_code"):
            qs = qs.filter(kind__in=q["service_code"].split(","))
        start, end = _date(q.get("start_date"), "start_date"), _date(q.get("end_date"), "end_date")
        if start is None and end is None:
            start = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start:
            qs = qs.filter(created_at__gte=start)
        if end:
            qs = qs.filter(created_at__lte=end)
        wanted = {s.strip() for s in q.get("status", "").split(",") if s.strip()}
        if wanted - {"open", "closed"}:
            raise _Error(400, "status chỉ nhận open hoặc closed.", "status takes open or closed.")
        if wanted == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            qs = qs.exclude(status__in=OPEN_STATUSES)
    rows = [_request(r, request) for r in qs.order_by("-created_at", "-id")[:MAX_RESULTS]]
    return _answer(fmt, rows, "service_requests", "request")


@require_safe
@_guarded
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    report = Report.objects.select_related("ward").filter(code=codes.normalise(request_id)).first()
    if report is None:
        raise _Error(404, "Không có yêu cầu với mã này.", f"No service request {request_id!r}.")
    return _answer(fmt, [_request(report, request)], "service_requests", "request")


def _date(raw: str | None, name: str) -> dt.datetime | None:
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None and (day := parse_date(raw)):
        value = dt.datetime.combine(day, dt.time())
    if value is None:
        raise _Error(400, f"{name} không phải ngày giờ ISO 8601.", f"{name} is not an ISO 8601 date and time.")
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    check_content_length(request, 1)
    p = request.POST
    if p.get("service_code") not in Kind.values:
        raise _Error(400, "service_code không hợp lệ.", "service_code is missing or unknown.")
    if not p.get("lat") or not p.get("long"):
        raise _Error(
            400,
            "Cần lat và long: phản ánh được chuyển đến phường theo vị trí.",
            "lat and long are required: reports are routed to a ward by their location.",
        )
    point = parse_point(p.get("lat"), p.get("long"))
    name = " ".join(x for x in (p.get("first_name", ""), p.get("last_name", "")) if x.strip())
    address = p.get("address_string", "")
    landmark = p.get("attribute[landmark]", "").strip()
    if landmark:
        address = f"{address} ({landmark})" if address else landmark
    raw = {
        "kind": p.get("service_code"),
        "description": p.get("description", ""),
        "address": address,
        "name": name,
        "phone": p.get("phone", ""),
        "email": p.get("email", ""),
    }
    filing = services.clean_filing(raw, point, source=Report.Source.OPEN311)
    throttle.check(request, "file")
    report = services.file_report(filing)
    row = {
        "service_request_id": report.code,
        "service_notice": f"Hạn xử lý: {_when(report.due_at)} / Expected by {_when(report.due_at)}",
        "account_id": None,
        "public_url": qr.public_url(request, report.code),
    }
    return _answer(fmt, [row], "service_requests", "request", status=201)


FMT = r"(?P<fmt>json|xml)"
urlpatterns = [
    re_path(rf"^services\.{FMT}$", services_list, name="open311-services"),
    re_path(rf"^services/(?P<service_code>[a-z_]+)\.{FMT}$", service_definition, name="open311-service"),
    re_path(rf"^requests\.{FMT}$", requests_, name="open311-requests"),
    re_path(rf"^requests/(?P<request_id>[A-Za-z0-9-]+)\.{FMT}$", request_detail, name="open311-request"),
]
