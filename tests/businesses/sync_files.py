"""Files for the business sync's tests, built from a seeded generator, and the requests that send them.

Points fall in the world's khu phố (tests/conftest.py): ward A (khu phố A1, A2) around 106.70 E, ward B (khu phố B1)
around 106.73 E, all at 10.78 N.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from businesses.models import Business

SYNC = reverse("business-sync")
MISSING = reverse("business-sync-missing")
RUNS = reverse("business-sync-runs")

HEADER = [
    "registration_no",
    "signboard",
    "owner_name",
    "owner_phone",
    "industry_code",
    "industry_version",
    "other_industry_codes",
    "address_legacy",
    "address_current",
    "street_block",
    "status",
    "registered_on",
    "status_changed_on",
    "licences",
    "lat",
    "lon",
]
VI_HEADER = {
    "registration_no": "Số GCN",
    "signboard": "Tên biển hiệu",
    "owner_name": "Chủ hộ",
    "owner_phone": "Điện thoại",
    "industry_code": "Mã ngành",
    "address_current": "Địa chỉ",
    "street_block": "Ô phố",
    "status": "Trạng thái",
    "registered_on": "Ngày đăng ký",
    "lat": "Vĩ độ",
    "lon": "Kinh độ",
}
KHU_PHO = {"A1": (106.695, 10.78), "A2": (106.705, 10.78), "B1": (106.73, 10.78)}
WORDS = ["Phở", "Cơm tấm", "Cà phê", "Tạp hóa", "Tiệm tóc", "Bánh mì"]
NAMES = ["Hòa", "Lan", "Minh", "Phúc", "Thảo", "Tâm"]
CODES = {"Phở": "5610", "Cơm tấm": "5610", "Cà phê": "5630", "Tạp hóa": "4711", "Tiệm tóc": "9631", "Bánh mì": "5610"}


def make_rows(n: int, seed: int = 7, prefix: str = "41S") -> list[dict]:
    """n valid rows (string values, as a CSV carries them), the same for the same seed."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        lon0, lat0 = KHU_PHO[rng.choice(list(KHU_PHO))]
        word = rng.choice(WORDS)
        code = CODES[word]
        registered = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        rows.append(
            {
                "registration_no": f"{prefix}{i:07d}",
                "signboard": f"{word} {rng.choice(NAMES)} {i}",
                "owner_name": f"Nguyễn Văn Chủ {i}",
                "owner_phone": f"09{rng.randrange(10**7, 10**8)}",
                "industry_code": code,
                "industry_version": "VSIC2018",
                "other_industry_codes": "4711;5630" if code == "5610" and rng.random() < 0.4 else "",
                "address_legacy": f"{rng.randrange(1, 600)} Đường Số 3, Phường 2, Quận 3",
                "address_current": f"{rng.randrange(1, 600)} Đường Số {rng.randrange(1, 20)}, Phường An Nhơn",
                "street_block": f"Ô {rng.randrange(1, 30):02d}",
                "status": "active",
                "registered_on": registered.isoformat(),
                "status_changed_on": "",
                "licences": "alcohol_retail;tobacco_retail" if code == "4711" else "",
                "lat": f"{lat0 + rng.uniform(-0.003, 0.003):.7f}",
                "lon": f"{lon0 + rng.uniform(-0.003, 0.003):.7f}",
            }
        )
    return rows


def csv_bytes(
    rows: list[dict], header: list[str] | None = None, delimiter: str = ",", bom: bool = False, columns=HEADER
) -> bytes:
    """A CSV of these columns of the rows, under `header` (the column names by default)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header or columns)
    for r in rows:
        writer.writerow([r.get(h, "") for h in columns])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict], header: list[str] | None = None, formula_cell: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for r in rows:
        ws.append([r.get(h) for h in HEADER])
    if formula_cell:
        ws[formula_cell] = "=A2&B2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def client_as(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def post_file(client: Client, content: bytes, name: str = "hkd.csv", headers: dict | None = None, **fields):
    return client.post(SYNC, {"file": SimpleUploadedFile(name, content), **fields}, headers=headers)


def snapshot() -> list[tuple]:
    """Every business as it is stored, to show that a refused sync wrote nothing."""
    return list(Business.objects.order_by("id").values_list("registration_no", "signboard", "version", "geom"))


def write_tmp(folder, content: bytes, name: str) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)
