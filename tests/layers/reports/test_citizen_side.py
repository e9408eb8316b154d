"""What the citizen meets: the QR code (decoded back to its URL), the per-client limit, the duplicate offer and
following one instead of filing, and photos checked, re-encoded and stripped of where the phone stood."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from layers.reports.models import Report, ReportPhoto
from tests.layers.reports.samples import A1, citizen, file, jpeg

pytestmark = pytest.mark.django_db


def test_the_qr_png_decodes_to_the_reports_public_url(world):
    body = file().json()
    response = citizen().get(body["qr"])
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    decoded = zxingcpp.read_barcodes(image)
    assert [d.text for d in decoded] == [f"http://testserver/reports/{body['code']}/"]
    assert decoded[0].format == zxingcpp.BarcodeFormat.QRCode
    # The printable sheet carries the same QR and the URL in words.
    sheet = citizen().get(f"/reports/{body['code']}/print/").content.decode()
    assert body["qr"] in sheet and f"http://testserver/reports/{body['code']}/" in sheet
    assert citizen().get("/reports/ZZZZZZZZZZ/qr.png").status_code == 404


def test_filing_is_limited_per_client_with_a_bilingual_429(world, settings):
    settings.REPORTS_PER_HOUR = 5
    phone = citizen("198.51.100.7")
    for _ in range(5):
        assert file(phone).status_code == 201
    refused = file(phone)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "rate_limited" and body["message"].startswith("Bạn đã gửi quá 5 phản ánh")
    assert "more than 5 reports in an hour" in body["message_en"] and int(refused["Retry-After"]) > 0
    assert Report.objects.count() == 5
    assert file(citizen("198.51.100.8")).status_code == 201  # another client is not held back
    # A refused filing (bad input) is checked before it is counted: it does not use the client's allowance.
    other = citizen("198.51.100.9")
    for _ in range(6):
        assert file(other, kind="volcano").status_code == 400
    assert file(other).status_code == 201


def test_open_reports_of_the_same_kind_within_50_m_are_offered_and_followed(world):
    near = file(kind="illegal_dumping").json()["code"]
    file(kind="illegal_dumping", where={"lat": A1["lat"] + 0.0009, "lon": A1["lon"]})  # ~100 m north
    file(kind="flooding")  # same place, another kind
    done = file(kind="illegal_dumping", where={"lat": A1["lat"] + 0.0001, "lon": A1["lon"]}).json()["code"]
    Report.objects.filter(code=done).update(status="closed")
    here = {"kind": "illegal_dumping", "lat": A1["lat"] + 0.0003, "lon": A1["lon"]}  # ~33 m from `near`
    offered = citizen().get("/api/v1/reports/nearby", here).json()
    assert offered["radius_m"] == 50
    assert [r["code"] for r in offered["reports"]] == [near]
    assert 30 < offered["reports"][0]["distance_m"] < 36
    assert "description" not in offered["reports"][0]
    followed = citizen().post(f"/api/v1/reports/{near}/follow")
    assert followed.status_code == 200 and followed.json()["followers"] == 1
    assert citizen().post(f"/api/v1/reports/{done}/follow").status_code == 409
    assert citizen().get("/api/v1/reports/nearby", {**here, "kind": "x"}).status_code == 400


def _upload(content: bytes, name: str = "anh.jpg", ctype: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=ctype)


def test_photos_are_checked_by_content_reencoded_and_stripped(world):
    original = jpeg(2400, 1800)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the phone's photo says where it was taken
    response = file(photos=[_upload(original), _upload(jpeg(300, 200, fmt="PNG"), "b.png", "image/png")])
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["photos"]) == 2
    public = citizen().get(body["photos"][0])
    assert public.status_code == 200 and public["Content-Type"] == "image/jpeg"
    copy = Image.open(io.BytesIO(b"".join(public.streaming_content)))
    assert copy.format == "JPEG" and max(copy.size) == 1600
    assert not copy.getexif() and "exif" not in copy.info
    stored = ReportPhoto.objects.get(report__code=body["code"], position=1)
    assert stored.original.read() == original  # officers keep what the citizen sent, out of public reach
    assert stored.content_type == "image/jpeg"

    # A script named .jpg, a GIF, a tiny image, a fourth photo: each refused, nothing filed.
    count = Report.objects.count()
    fake = file(photos=[_upload(b"<?php echo 1; ?>" * 20, "x.jpg")])
    assert fake.status_code == 400 and fake.json()["error"] == "bad_photo"
    gif = io.BytesIO()
    Image.new("RGB", (200, 200)).save(gif, format="GIF")
    assert file(photos=[_upload(gif.getvalue(), "x.jpg")]).json()["error"] == "bad_photo"
    assert file(photos=[_upload(jpeg(40, 40))]).json()["error"] == "photo_dimensions"
    four = file(photos=[_upload(jpeg(), f"{i}.jpg") for i in range(4)])
    assert four.json()["error"] == "too_many_photos"
    assert Report.objects.count() == count


def test_the_public_page_and_the_sheet_give_the_times_in_the_wards_time_zone(world):
    """Filed at 23:30 in Hồ Chí Minh City (16:30 UTC): the page says that hour and that day, not UTC's."""
    import datetime as dt

    code = file().json()["code"]
    filed = dt.datetime(2026, 12, 6, 16, 30, tzinfo=dt.UTC)
    Report.objects.filter(code=code).update(created_at=filed, due_at=filed + dt.timedelta(days=3))
    page = citizen().get(f"/reports/{code}/").content.decode()
    assert '<dd id="report-created">23:30 06/12/2026</dd>' in page, page
    assert "<dd>09/12/2026</dd>" in page
    sheet = citizen().get(f"/reports/{code}/print/").content.decode()
    assert "23:30 06/12/2026" in sheet and "Due by: 09/12/2026" in sheet
