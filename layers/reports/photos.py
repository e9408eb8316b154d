"""Citizens' photos: checked by what they are, not by what they are called, and published without metadata.

The type is read from the content (Pillow's own identification), the size is limited before decoding, the
dimensions are read from the header before the pixels (a 1 kB PNG may claim 50,000 × 50,000 px). The public copy is
decoded, turned upright (EXIF orientation), scaled to at most MAX_SIDE px and re-encoded as a JPEG with no
metadata at all: the GPS position of the citizen's phone never leaves the server.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from gisportal.errors import InvalidInput
from gisportal.uploads import check_upload_size, stream_size

MAX_PHOTOS = 3
MAX_MB = 10
MIN_SIDE = 100
MAX_PIXELS = 50_000_000  # a 48 MP phone photo fits; a decompression bomb does not
MAX_SIDE = 1600
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass
class Checked:
    original: bytes
    public: bytes
    content_type: str
    width: int
    height: int


def _refuse(vi: str, en: str, name: str, code: str, **details) -> InvalidInput:
    return InvalidInput(f"Ảnh '{name}': {vi}", f"Photo {name!r}: {en}", {"file": name, **details}, code=code)


def check(f: IO[bytes], name: str) -> Checked:
    """One photo checked and its public copy made, or a 400/413 naming the photo."""
    check_upload_size(stream_size(f), MAX_MB)
    data = f.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise _refuse(
            "không phải ảnh JPEG, PNG hay WebP.", "is not a JPEG, PNG or WebP image.", name, "bad_photo"
        ) from exc
    if kind not in TYPES:
        raise _refuse(
            f"định dạng {kind} không được nhận (chỉ JPEG, PNG, WebP).",
            f"{kind} is not accepted (JPEG, PNG or WebP only).",
            name,
            "bad_photo",
            format=kind,
        )
    if width * height > MAX_PIXELS or min(width, height) < MIN_SIDE:
        raise _refuse(
            f"kích thước {width} × {height} px không phù hợp (cạnh ngắn từ {MIN_SIDE} px, tối đa {MAX_PIXELS:,} px).",
            f"{width} × {height} px is refused (short side at least {MIN_SIDE} px, at most {MAX_PIXELS:,} pixels).",
            name,
            "photo_dimensions",
            width=width,
            height=height,
        )
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            upright = ImageOps.exif_transpose(img)
            rgb = upright.convert("RGB")
    except (OSError, ValueError, SyntaxError) as exc:
        raise _refuse(
            "ảnh bị hỏng, không đọc được.", "the image is damaged and cannot be read.", name, "bad_photo"
        ) from exc
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh image carries no info dict: no EXIF, no XMP, no ICC, no comments.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    clean.save(out, format="JPEG", quality=85, optimize=True)
    return Checked(data, out.getvalue(), TYPES[kind], clean.width, clean.height)


def check_all(files: list) -> list[Checked]:
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(
            f"Tối đa {MAX_PHOTOS} ảnh cho một phản ánh.",
            f"At most {MAX_PHOTOS} photos a report.",
            {"sent": len(files), "max": MAX_PHOTOS},
            code="too_many_photos",
        )
    return [check(f, getattr(f, "name", f"photo {i + 1}")) for i, f in enumerate(files)]


def save(report, checked: list[Checked]) -> None:
    from layers.reports.models import ReportPhoto

    for position, photo in enumerate(checked, start=1):
        token = secrets.token_hex(8)
        ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[photo.content_type]
        row = ReportPhoto(
            report=report, position=position, content_type=photo.content_type, width=photo.width, height=photo.height
        )
        row.original.save(f"{report.code}-{position}-{token}-original.{ext}", ContentFile(photo.original), save=False)
        row.public.save(f"{report.code}-{position}-{token}.jpg", ContentFile(photo.public), save=False)
        row.save()
