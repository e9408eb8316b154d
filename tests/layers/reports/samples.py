"""Reports made through HTTP, as a citizen's phone makes them."""

from __future__ import annotations

import io
import itertools

from django.test import Client
from PIL import Image

A1 = {"lat": 10.781, "lon": 106.695}  # ward A, khu phố A1 (tests/conftest.py's world)
B1 = {"lat": 10.781, "lon": 106.73}  # ward B, khu phố B1
_ip = itertools.count(1)


def citizen(ip: str | None = None) -> Client:
    """An anonymous client from its own address (the per-client limit counts by X-Real-IP behind the proxy)."""
    return Client(HTTP_X_REAL_IP=ip or f"203.0.113.{next(_ip) % 250 + 1}")


def file(client: Client | None = None, *, kind: str = "flooding", where: dict = A1, **extra):
    data = {"kind": kind, "description": "Nước ngập sâu 30 cm trước nhà số 12.", **where, **extra}
    return (client or citizen()).post("/api/v1/reports/", data)


def jpeg(width: int = 400, height: int = 300, exif_gps: bool = True, fmt: str = "JPEG") -> bytes:
    """A photo as a phone takes it: with EXIF carrying the camera and where it stood."""
    img = Image.new("RGB", (width, height), (30, 120, 200))
    out = io.BytesIO()
    if exif_gps and fmt == "JPEG":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x0110] = "PhoneModel"  # Model
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2], gps[3], gps[4] = "N", (10.0, 46.0, 51.6), "E", (106.0, 41.0, 42.0)
        img.save(out, format=fmt, exif=exif)
    else:
        img.save(out, format=fmt)
    return out.getvalue()


REPORTER = {"name": "Người Phản Ánh Mẫu", "phone": "0966000111", "email": "dan@example.vn"}
NOTE = "Ghi chú nội bộ mẫu"


def report_with_contact(world) -> str:
    """A report in khu phố A1 with the reporter's contact and an officer's internal note, made once per world."""
    from django.contrib.gis.geos import Point

    from layers.reports import services
    from layers.reports.models import Report

    found = Report.objects.filter(reporter_phone=REPORTER["phone"]).first()
    if found:
        return found.code
    point = Point(A1["lon"], A1["lat"], srid=4326)
    filing = services.clean_filing({"kind": "other", "description": "Mô tả mẫu", **REPORTER}, point)
    report = services.file_report(filing)
    Report.objects.filter(pk=report.pk).update(internal_note=NOTE, public_answer="Trả lời công khai mẫu")
    return report.code
