"""Upload safety checks, one implementation for every import that takes a file.

Business syncs, house-number imports, GIS layer imports and imagery uploads refuse a dangerous
file here, with the same codes and messages: over the size limit (413 `too_large`, from the
Content-Length before the body is read, or from the file), a zip that would inflate far beyond its
size (`zip_bomb`) or holds paths outside itself (`unsafe_zip`), and an .xlsx with macros
(`xlsx_macros`). Zips are judged by their central directory alone, before anything is inflated.
gisportal/tabular.py reads what passes (and refuses an .xlsx cell holding a formula, `xlsx_formula`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path, PureWindowsPath
from typing import IO

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

from gisportal.errors import InvalidInput, TooLarge
from gisportal.params import is_whole

Source = str | Path | IO[bytes]

# Python's zipfile never inflates a member past its declared size, so the declared sizes can be
# trusted. Sheet XML and .dbf files compress 5-15× (a 50,000-row sheet: 43 MB → 4.6 MB), a bomb 1000×.
ZIP_MAX_MEMBERS = 1_000
ZIP_MAX_UNCOMPRESSED = 2**30
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 2**20  # small members (styles, rels) may compress better; they cannot grow far

_ZIP_ERRORS = (zipfile.BadZipFile, OSError, ValueError)

# --- size ----------------------------------------------------------------------------------------


def limit_bytes(max_mb: float | None = None) -> int:
    """The size limit in bytes: `max_mb`, or settings.MAX_UPLOAD_MB (read at each call: tests change it)."""
    return int((settings.MAX_UPLOAD_MB if max_mb is None else max_mb) * 2**20)


def too_large(size: int, max_mb: float | None = None) -> TooLarge:
    max_mb = settings.MAX_UPLOAD_MB if max_mb is None else max_mb
    return TooLarge(
        f"Tệp quá lớn ({size / 2**20:.1f} MB; tối đa {max_mb:g} MB).",
        f"The file is too large ({size / 2**20:.1f} MB; at most {max_mb:g} MB).",
        {"size": size, "max_mb": max_mb},
    )


def check_upload_size(size: int, max_mb: float | None = None) -> None:
    if size > limit_bytes(max_mb):
        raise too_large(size, max_mb)


def check_content_length(request: HttpRequest | Request, max_mb: float | None = None) -> None:
    """Refuse by the declared Content-Length, before the body is read: a huge upload is never spooled to disk."""
    length = request.META.get("CONTENT_LENGTH") or ""
    if is_whole(length, 15):
        check_upload_size(int(length), max_mb)


def stream_size(f: IO[bytes]) -> int:
    """The size of an upload or an open file, without reading it; the file is left at its start."""
    size = getattr(f, "size", None)
    if size is None:
        f.seek(0, 2)
        size = f.tell()
    f.seek(0)
    return size


# --- zips ----------------------------------------------------------------------------------------


def _members(source: Source) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(source) as zf:
        infos = zf.infolist()
    if hasattr(source, "seek"):
        source.seek(0)  # whoever reads the file next starts from its beginning
    return infos


def _is_outside(name: str) -> bool:
    # Windows rules read both separators, so 'a\\..\\..\\x' and 'C:/x' are caught as well as '/x' and '../x'.
    path = PureWindowsPath(name)
    return bool(path.anchor) or ".." in path.parts


def _check_members(infos: list[zipfile.ZipInfo], what: str, max_uncompressed: int) -> None:
    total = sum(i.file_size for i in infos)
    bomb = [
        i.filename
        for i in infos
        if i.file_size > ZIP_RATIO_FLOOR and i.file_size > ZIP_MAX_RATIO * max(i.compress_size, 1)
    ]
    if len(infos) > ZIP_MAX_MEMBERS or total > max_uncompressed or bomb:
        raise InvalidInput(
            f"Tệp {what} bị từ chối: khi giải nén quá lớn so với tệp gửi lên (nghi là 'zip bomb').",
            f"The {what} was refused: it would inflate far beyond its size (a suspected zip bomb).",
            {
                "members": len(infos),
                "uncompressed_bytes": total,
                "max_uncompressed_bytes": max_uncompressed,
                "members_over_ratio": bomb,
                "max_ratio": ZIP_MAX_RATIO,
            },
            code="zip_bomb",
        )
    outside = [i.filename for i in infos if _is_outside(i.filename)]
    if outside:
        names = ", ".join(outside[:3])
        raise InvalidInput(
            f"Tệp {what} có đường dẫn ra ngoài thư mục của nó, không an toàn: {names}.",
            f"The {what} holds paths outside itself, which is unsafe: {names}.",
            {"members": outside},
            code="unsafe_zip",
        )


def check_zip(
    source: Source, what: str = "zip", *, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED
) -> list[zipfile.ZipInfo]:
    """The members of a zip (a zipped Shapefile, a KMZ…) after the bomb and path checks; `what` names it to the user."""
    try:
        infos = _members(source)
    except _ZIP_ERRORS as exc:
        raise InvalidInput(
            f"Không mở được tệp {what}: không phải tệp nén zip hợp lệ.",
            f"The {what} cannot be opened: it is not a valid zip archive.",
            {"reason": str(exc)},
            code="bad_zip",
        ) from exc
    _check_members(infos, what, max_uncompressed)
    return infos


# --- XLSX ----------------------------------------------------------------------------------------


def not_xlsx(exc: Exception | None = None) -> InvalidInput:
    return InvalidInput(
        "Tệp không phải là bảng tính .xlsx hợp lệ.",
        "The file is not a valid .xlsx workbook.",
        {"reason": str(exc)} if exc else None,
        code="bad_xlsx",
    )


def check_xlsx(source: Source, *, max_uncompressed: int = ZIP_MAX_UNCOMPRESSED) -> None:
    """An .xlsx is a zip: the same bomb and path checks, and no macros."""
    try:
        infos = _members(source)
    except _ZIP_ERRORS as exc:
        raise not_xlsx(exc) from exc
    _check_members(infos, ".xlsx", max_uncompressed)
    if any(i.filename.lower().endswith("vbaproject.bin") for i in infos):
        raise InvalidInput(
            "Tệp chứa macro; hãy lưu thành .xlsx không có macro.",
            "The workbook contains macros; save it as a macro-free .xlsx.",
            code="xlsx_macros",
        )
