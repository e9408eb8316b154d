"""What an import says about a file's rows: each problem's code and message (Vietnamese, English), collected.

Rejections stop the import (nothing is written); warnings (``WARNINGS``) are reported and the rows imported.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from households import reports

# code → (Vietnamese, English): rejections first, then warnings. Values echoed are public (numbers, streets).
MESSAGES = {
    "unparseable": ("Không đọc được {what}: '{value}'.", "Cannot read the {what_en} {value!r}."),
    "names_alley": (
        "'{value}' là tên một con hẻm, không phải số nhà.",
        "{value!r} names an alley, not a house.",
    ),
    "bad_text": ("{column} chứa ký tự điều khiển.", "{column} contains control characters."),
    "html_in_text": ("{column} chứa mã HTML; chỉ nhận văn bản thuần.", "{column} contains HTML, not plain text."),
    "too_long": ("{column} dài {length} ký tự (tối đa {limit}).", "{column} is {length} characters (max {limit})."),
    "missing_crs": (
        "Dòng không ghi hệ tọa độ (cột crs trống) và không có tham số crs.",
        "The row names no coordinate system (empty crs cell) and no crs parameter was given.",
    ),
    "unsupported_crs": (
        "Hệ tọa độ '{value}' không được nhận (chỉ EPSG:4326, 9210, 5899, 3405).",
        "Coordinate system {value!r} is not accepted (EPSG:4326, 9210, 5899 or 3405 only).",
    ),
    "bad_coordinates": ("{vi}", "{en}"),
    "outside_vietnam": (
        "Điểm ({lat:.6f}, {lon:.6f}) nằm ngoài lãnh thổ Việt Nam: kiểm tra hệ tọa độ (crs).",
        "The point ({lat:.6f}, {lon:.6f}) is outside Vietnam: check the coordinate system (crs).",
    ),
    "swapped_axes": (
        "Điểm nằm ngoài Việt Nam vì X và Y có vẻ bị đảo: theo quy ước trắc địa Việt Nam X là tọa độ hướng Bắc"
        " (northing, ~1.190.000 ở TP.HCM) và Y là hướng Đông (easting, ~600.000). Đổi tên cột, hoặc dùng"
        " cột 'easting'/'northing'.",
        "The point lands outside Vietnam because X and Y look swapped: in Vietnamese survey files X is the"
        " northing (~1,190,000 in HCMC) and Y the easting (~600,000). Swap the columns, or name them"
        " 'easting'/'northing'.",
    ),
    "swapped_coordinates": (
        "Vĩ độ và kinh độ có vẻ bị đảo chỗ (TP.HCM: vĩ độ ~10.8, kinh độ ~106.7).",
        "Latitude and longitude look swapped (HCMC is at lat ~10.8, lon ~106.7).",
    ),
    "no_ward": (
        "Điểm ({lat:.6f}, {lon:.6f}) không nằm trong phường, xã nào hiện hành.",
        "The point ({lat:.6f}, {lon:.6f}) is in no current ward or commune.",
    ),
    "outside_ward": ("Điểm nằm ở {found}, ngoài {expected}.", "The point lies in {found}, outside {expected}."),
    "unknown_street": (
        "{ward} không có đường '{value}'{hint_vi}.",
        "{ward} has no street {value!r}{hint_en}.",
    ),
    "duplicate": (
        "Số {value} đường {street} lặp lại ở các dòng {rows} với vị trí khác nhau.",
        "Number {value} on {street} appears at rows {rows} in different places.",
    ),
    # warnings: the file is imported all the same
    "duplicate_identical": (
        "Số {value} đường {street} lặp lại (dòng {first}) ở cùng vị trí: chỉ nhập một lần.",
        "Number {value} on {street} repeats row {first} at the same place: imported once.",
    ),
    "unknown_ward_name": (
        "Không nhận ra phường '{value}': phường được xác định theo vị trí điểm.",
        "Ward {value!r} not recognised: the point's location decides the ward.",
    ),
    "far_from_street": (
        "Số {value} cách đường {street} {distance:.0f} m.",
        "Number {value} is {distance:.0f} m from {street}.",
    ),
    "out_of_sequence": (
        "Số {value} đường {street} không theo thứ tự số dọc đường.",
        "Number {value} on {street} breaks the order of numbers along the street.",
    ),
}
WARNINGS = {"duplicate_identical", "unknown_ward_name", "far_from_street", "out_of_sequence"}


class Issues:
    """Every problem of every row, keyed by code; ``bad`` holds the rows (0-based) that stop the import."""

    def __init__(self) -> None:
        self.items: dict[str, list[dict]] = defaultdict(list)
        self.bad: set[int] = set()  # row indices (0-based) with a rejection

    def add(self, code: str, index: int | None, row: int | None, **values: Any) -> None:
        vi, en = MESSAGES[code]
        item = {"row": row, "message": vi.format(**values), "message_en": en.format(**values)}
        item |= {k: v for k, v in values.items() if k in ("value", "street", "distance", "lat", "lon", "id")}
        self.items[code].append(item)
        if code not in WARNINGS and index is not None:
            self.bad.add(index)

    def section(self, warnings: bool) -> dict:
        return {c: reports.listed(v) for c, v in self.items.items() if (c in WARNINGS) == warnings}
