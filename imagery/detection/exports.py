"""Confirmed violations for the inspection file: GeoJSON, KML (Google Earth) and XLSX.

The same columns in the three formats; text that a spreadsheet would run as a formula is defused as in
the business exports (businesses/export.py), and KML is written with ElementTree so nothing from a
note becomes markup.
"""

from __future__ import annotations

import io
import json
from xml.etree import ElementTree as ET

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated

from gisportal import openapi
from gisportal.exports import safe_text
from imagery.detection.api import filtered_flags
from imagery.detection.models import ChangeFlag
from layers.forest.kml import NS

# (field, Vietnamese header, English header)
COLUMNS = [
    ("id", "Mã cờ", "Flag id"),
    ("ward", "Phường", "Ward"),
    ("after_date", "Ngày ảnh sau", "Later photograph"),
    ("before_date", "Ngày ảnh trước", "Earlier photograph"),
    ("area_m2", "Diện tích (m²)", "Area (m²)"),
    ("score", "Độ tin cậy", "Confidence"),
    ("decided_by", "Người xác nhận", "Confirmed by"),
    ("decided_at", "Thời điểm xác nhận", "Confirmed at"),
    ("note", "Ghi chú", "Note"),
    ("lon", "Kinh độ", "Longitude"),
    ("lat", "Vĩ độ", "Latitude"),
]
CONTENT_TYPES = {
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _row(flag: ChangeFlag) -> dict:
    centre = flag.geom.point_on_surface
    return {
        "id": flag.pk,
        "ward": flag.ward.name,
        "after_date": flag.after.acquired_on.isoformat(),
        "before_date": flag.before.acquired_on.isoformat(),
        "area_m2": round(flag.area_m2, 1),
        "score": round(flag.score, 3),
        "decided_by": flag.decided_by.username if flag.decided_by else "",
        "decided_at": timezone.localtime(flag.decided_at).isoformat(timespec="seconds") if flag.decided_at else "",
        "note": flag.note,
        "lon": round(centre.x, 7),
        "lat": round(centre.y, 7),
    }


def geojson(flags: QuerySet) -> bytes:
    features = [
        {"type": "Feature", "id": f.pk, "geometry": json.loads(f.geom.geojson), "properties": _row(f)} for f in flags
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def _sub(parent: ET.Element, tag: str, text: object = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = str(text)
    return el


def kml(flags: QuerySet) -> bytes:
    ET.register_namespace("", NS)
    root = ET.Element("kml", xmlns=NS)
    doc = _sub(root, "Document")
    _sub(doc, "name", "Công trình vi phạm đã xác nhận / Confirmed violations")
    for flag in flags:
        row = _row(flag)
        mark = _sub(doc, "Placemark")
        mark.set("id", f"flag-{flag.pk}")
        _sub(mark, "name", f"#{flag.pk} · {row['area_m2']} m²")
        _sub(mark, "description", row["note"])
        ext = _sub(mark, "ExtendedData")
        for name, _vi, _en in COLUMNS:
            data = _sub(ext, "Data")
            data.set("name", name)
            _sub(data, "value", row[name])
        ring = _sub(_sub(_sub(_sub(mark, "Polygon"), "outerBoundaryIs"), "LinearRing"), "coordinates")
        ring.text = " ".join(f"{x:.7f},{y:.7f}" for x, y in flag.geom.exterior_ring.coords)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def xlsx(flags: QuerySet) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Vi phạm")
    sheet.append([f"{vi} / {en}" for _name, vi, en in COLUMNS])
    for flag in flags:
        row = _row(flag)
        sheet.append([safe_text(v) if isinstance(v, str) else v for v in (row[name] for name, _, _ in COLUMNS)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


WRITERS = {"geojson": geojson, "kml": kml, "xlsx": xlsx}


@extend_schema(
    parameters=[OpenApiParameter("ward", OpenApiTypes.INT), OpenApiParameter("run", OpenApiTypes.INT)],
    responses=openapi.download(*CONTENT_TYPES.values(), description="Confirmed flags"),
)
@api_view(["GET", "HEAD"])
@permission_classes([IsAuthenticated])
def export(request, fmt: str) -> HttpResponse:
    """The confirmed violations the user may read (filtered by ward or run) as GeoJSON, KML or XLSX."""
    flags = filtered_flags(request).filter(status=ChangeFlag.Status.CONFIRMED)
    flags = flags.select_related("ward", "before", "after", "decided_by")[:10000]
    body = WRITERS[fmt](flags)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="vi-pham-{stamp}.{fmt}"'
    return response
