"""The coordinate system of a house-number file: which EPSG codes we take, and what a file must say about it.

WGS 84 and the three VN-2000 systems HCMC's survey files use, transformed by PROJ's own EPSG operations
(``layers.crs.transformer``), never a hand-written ``+towgs84``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gisportal.errors import InvalidInput
from gisportal.text import nfc
from households import house_files

ACCEPTED_CRS = {
    4326: "WGS 84",
    9210: "VN-2000 / TM-3 105-45 (TP.HCM cũ, Bình Dương)",
    5899: "VN-2000 / TM-3 107-45 (Bà Rịa–Vũng Tàu cũ)",
    3405: "VN-2000 / UTM 48N",
}
_EPSG = re.compile(r"(?:epsg\s*:?\s*)?(\d{4,5})", re.IGNORECASE)


def file_crs(table: house_files.Table, param: int | None) -> int | None:
    """The EPSG code of the whole file, or None when its ``crs`` column decides row by row.

    Raises for what no row can fix: a CRS we do not accept, a file and a parameter that disagree, a
    file CRS without an EPSG code and no parameter, or no CRS anywhere (a .prj-less shapefile, a CSV
    without a crs column, and no parameter).
    """
    if param is not None and param not in ACCEPTED_CRS:
        raise unsupported_crs(param)
    if table.file_crs is not None:
        if table.file_crs not in ACCEPTED_CRS:
            raise unsupported_crs(table.file_crs)
        if param and param != table.file_crs:
            raise InvalidInput(
                f"Tệp ghi hệ tọa độ EPSG:{table.file_crs} nhưng tham số crs là EPSG:{param}.",
                f"The file says EPSG:{table.file_crs} but the crs parameter says EPSG:{param}.",
                {"file_crs": table.file_crs, "crs": param},
                code="crs_conflict",
            )
        return table.file_crs
    if table.file_crs_name is not None and param is None:
        raise InvalidInput(
            f"Không xác định được mã EPSG của hệ tọa độ trong tệp ('{table.file_crs_name}'); hãy ghi rõ tham số"
            " crs (4326, 9210, 5899 hoặc 3405).",
            f"The file's coordinate system ({table.file_crs_name!r}) has no EPSG code we can read; give the crs"
            " parameter (4326, 9210, 5899 or 3405).",
            {"file_crs": table.file_crs_name, "accepted": ACCEPTED_CRS},
            code="unknown_crs",
        )
    if "crs" in table.columns:
        return None
    if param is not None:
        return param
    gis = table.points is not None
    raise InvalidInput(
        "Không biết hệ tọa độ: "
        + ("tệp GIS không ghi hệ tọa độ (shapefile thiếu tệp .prj)" if gis else "tệp không có cột 'crs'/'epsg'")
        + " và không có tham số crs. Ghi rõ crs: 4326 (WGS 84), 9210 (VN-2000 TM-3 105°45'), 5899"
        " (VN-2000 TM-3 107°45') hoặc 3405 (VN-2000 UTM 48N).",
        "Unknown coordinate system: "
        + ("the GIS file names none (a shapefile without its .prj)" if gis else "the file has no 'crs'/'epsg' column")
        + " and no crs parameter was given. Give crs 4326, 9210, 5899 or 3405.",
        {"accepted": ACCEPTED_CRS},
        code="missing_crs",
    )


def precheck(path: str | Path, name: str, param: int | None) -> None:
    """What a glance at the file can refuse — format, size, zip, header, coordinate system — before a
    big file is queued, so the uploader hears it at once rather than from a failed job."""
    file_crs(house_files.read_header(Path(path), name), param)


def epsg(raw: Any) -> int | None:
    """'9210', 'EPSG:9210', 9210.0 → 9210; anything else → None."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    m = _EPSG.fullmatch(nfc(str(raw)))
    return int(m[1]) if m else None


def unsupported_crs(code: int) -> InvalidInput:
    return InvalidInput(
        f"Hệ tọa độ EPSG:{code} không được nhận; dùng 4326 (WGS 84), 9210, 5899 hoặc 3405 (VN-2000).",
        f"EPSG:{code} is not accepted; use 4326 (WGS 84), 9210, 5899 or 3405 (VN-2000).",
        {"crs": code, "accepted": ACCEPTED_CRS},
        code="unsupported_crs",
    )
