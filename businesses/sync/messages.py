"""What a sync says about a row: the checked row (`Clean`) and every problem found (`Rejections`), in both languages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from businesses.sync_files import BY_NAME

# message id → (reason code, Vietnamese, English); `{label}` is the column's Vietnamese header,
# `{field}` our field name. Values are echoed only where they are public (codes, dates, numbers).
MESSAGES = {
    "missing": ("missing_field", "Thiếu {label}.", "{field} is missing."),
    "extra": ("extra_values", "Dòng có {n} giá trị ở cột không tiêu đề.", "{n} value(s) in columns with no header."),
    "control": ("bad_text", "{label} chứa ký tự điều khiển.", "{field} contains control characters."),
    "html": (
        "html_in_text",
        "{label} chứa mã HTML; chỉ nhận văn bản thuần.",
        "{field} contains HTML, not plain text.",
    ),
    "bidi_control": (
        "bad_text",
        "{label} chứa ký tự điều khiển hướng chữ (bidi).",
        "{field} contains a bidirectional control.",
    ),
    "control_character": ("bad_text", "{label} chứa ký tự điều khiển.", "{field} contains control characters."),
    "mixed_script": (
        "lookalike_letters",
        "{label} có từ trộn chữ Latinh với chữ Kirin/Hy Lạp trông giống nhau.",
        "{field} has a word mixing Latin with look-alike Cyrillic/Greek letters.",
    ),
    "formula": (
        "formula_in_text",
        "{label} bắt đầu như một công thức bảng tính (=, @, +, -).",
        "{field} starts like a spreadsheet formula.",
    ),
    "html_not_allowed": (
        "html_in_text",
        "{label} chứa mã HTML; chỉ nhận văn bản thuần.",
        "{field} contains HTML, not plain text.",
    ),
    "not_geocoded": (
        "not_geocoded",
        "Không có tọa độ và không tìm thấy số nhà của địa chỉ '{address}' (độ tin cậy {score}): hãy ghi tọa độ.",
        "No coordinates, and the address {address!r} matched no house number (score {score}): give lat and lon.",
    ),
    "ambiguous_ward": (
        "ambiguous_ward",
        "Không có tọa độ, và phường trong địa chỉ '{address}' nay thuộc {n} phường, xã ({names}): hãy ghi tọa độ.",
        "No coordinates, and the ward in {address!r} now lies in {n} wards ({names}): give lat and lon.",
    ),
    "long": ("too_long", "{label} dài {length} ký tự (tối đa {limit}).", "{field} is {length} chars (max {limit})."),
    "duplicate": (
        "duplicate_in_file",
        "Số GCN {value} lặp lại: đã có ở dòng {first_row}.",
        "Registration number {value} appears twice: first at row {first_row}.",
    ),
    "version": (
        "unknown_industry",
        "Phiên bản VSIC '{value}' không hợp lệ (VSIC2018 hoặc VSIC2025).",
        "Unknown VSIC version {value!r} (VSIC2018 or VSIC2025).",
    ),
    "industry": (
        "unknown_industry",
        "Không có mã ngành {code} trong {version}.",
        "No industry code {code} in {version}.",
    ),
    "industry_zero": (
        "unknown_industry",
        "Không có mã ngành {code} trong {version}. Excel có thể đã bỏ số 0 đầu: định dạng cột là Text.",
        "No industry code {code} in {version}. Excel may have dropped a leading zero: format the column as Text.",
    ),
    "status": (
        "bad_status",
        "Trạng thái '{value}' không hợp lệ (hoạt động, tạm ngừng, chấm dứt, thu hồi).",
        "Unknown status {value!r} (active, suspended, terminated, revoked).",
    ),
    "date": (
        "bad_date",
        "{label} '{value}' không phải ngày hợp lệ (dd/mm/yyyy hoặc yyyy-mm-dd).",
        "{field} {value!r} is not a valid date (dd/mm/yyyy or yyyy-mm-dd).",
    ),
    "future": ("bad_date", "{label} {value} ở tương lai.", "{field} {value} is in the future."),
    "before": (
        "bad_date",
        "Ngày đổi trạng thái {value} trước ngày đăng ký {registered_on}.",
        "status_changed_on {value} is before registered_on {registered_on}.",
    ),
    "licence": (
        "bad_licence",
        "Giấy phép '{value}' không hợp lệ (alcohol_retail, tobacco_retail, lpg).",
        "Unknown licence {value!r} (alcohol_retail, tobacco_retail, lpg).",
    ),
    "coordinates": ("bad_coordinates", "{vi}", "{en}"),
    "outside": (
        "outside_wards",
        "Điểm ({lat}, {lon}) không nằm trong phường, xã nào hiện hành.",
        "The point ({lat}, {lon}) is in no current ward or commune.",
    ),
    "khu_pho": (
        "unknown_khu_pho",
        "Phường chứa điểm này không có khu phố '{value}'.",
        "The ward at this point has no khu phố {value!r}.",
    ),
}


@dataclass
class Clean:
    """One row, checked: the values to write, and where it is."""

    row: int
    registration_no: str
    values: dict[str, Any] = field(default_factory=dict)
    other_ids: frozenset[int] | None = None
    lon: float | None = None
    lat: float | None = None
    khu_pho_name: str = ""
    geocode: bool = False


class Rejections:
    """Every problem of every row, in the order found."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.rows: set[int] = set()

    def add(self, clean: Clean, column: str, message: str, **values: Any) -> None:
        reason, vi, en = MESSAGES[message]
        label = BY_NAME[column].label if column in BY_NAME else column
        item = {
            "row": clean.row,
            "registration_no": clean.registration_no,
            "field": column,
            "reason": reason,
            "message": vi.format(label=label, field=column, **values),
            "message_en": en.format(label=label, field=column, **values),
        }
        if details := {k: v for k, v in values.items() if k not in ("vi", "en")}:
            item["details"] = details
        self.items.append(item)
        self.rows.add(clean.row)
