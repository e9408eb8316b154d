"""A ward-defined layer's feature values, checked against its definition, with messages an officer understands.

Values are stored as JSON: text and photo links as strings, numbers as numbers, dates as 'YYYY-MM-DD',
choices as their value, yes/no as true/false, links to a house number or a business as the row's id. An
empty value is no value: the key is left out, so "features holding a value" is "features with the key".
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.text import nfc
from layers.editing import ECHOED, parse_date

MAX_TEXT = 500
# The models a link field points at, by name (an app lookup, not an import: `layers` is the base of both).
LINK_MODELS = {"house_number": "households.HouseNumber", "business": "businesses.Business"}
_TRUE = {"true", "1", "yes", "có", "co", "x", "đúng"}
_FALSE = {"false", "0", "no", "không", "khong", ""}


class Refused(ValueError):
    """One value refused: the Vietnamese and English sentences."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en


def _title(f: dict) -> tuple[str, str]:
    return f["title"], f.get("title_en") or f["title"]


def convert(f: dict, raw: Any, today: dt.date | None = None) -> Any:
    """The stored form of one non-empty value of field `f`, or Refused saying why."""
    vi, en = _title(f)
    kind = f["type"]
    if isinstance(raw, dict | list):
        raise Refused(f"'{vi}': giá trị không hợp lệ.", f"{en!r}: invalid value.")
    if kind in ("text", "photo"):
        text = nfc(str(raw)).strip()
        if "<" in text or ">" in text:
            raise Refused(f"'{vi}': không được chứa mã HTML (< >).", f"{en!r}: HTML (< >) is not allowed.")
        limit = f.get("max_length") or MAX_TEXT
        if len(text) > limit:
            raise Refused(f"'{vi}': dài quá {limit} ký tự.", f"{en!r}: longer than {limit} characters.")
        if kind == "photo" and not text.startswith(("https://", "http://", "/media/", "/api/v1/themes/")):
            raise Refused(
                f"'{vi}': cần ảnh tải lên hoặc đường dẫn ảnh (https://…).",
                f"{en!r}: an uploaded photo or a photo link (https://…) is expected.",
            )
        return text
    if kind == "number":
        try:
            number = float(str(raw).strip().replace(",", ".")) if not isinstance(raw, bool) else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise Refused(f"'{vi}': '{raw}' không phải là số.", f"{en!r}: {raw!r} is not a number.")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if kind == "date":
        try:
            day = parse_date(raw)
        except ValidationError:
            raise Refused(
                f"'{vi}': ngày '{raw}' không hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy).",
                f"{en!r}: {raw!r} is not a date (YYYY-MM-DD or dd/mm/yyyy).",
            ) from None
        today = today or timezone.localdate()
        if f.get("past_only") and day > today:
            raise Refused(
                f"'{vi}': ngày {day:%d/%m/%Y} ở tương lai, trường này chỉ nhận ngày đã qua.",
                f"{en!r}: {day.isoformat()} is in the future; this field takes past dates only.",
            )
        return day.isoformat()
    if kind == "choice":
        value = str(raw).strip()
        choices = f.get("choices", [])
        for c in choices:
            # An officer's file may carry the label ("Năng lượng mặt trời") rather than the value ("solar").
            if value == c["value"] or value.casefold() in (c["label"].casefold(), c.get("label_en", "").casefold()):
                return c["value"]
        allowed = ", ".join(f"{c['value']} ({c['label']})" for c in choices)
        raise Refused(
            f"'{vi}': giá trị '{value}' không có trong danh sách chọn ({allowed}).",
            f"{en!r}: {value!r} is not in the choice list ({allowed}).",
        )
    if kind == "boolean":
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().casefold()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise Refused(f"'{vi}': cần có hoặc không, không phải '{raw}'.", f"{en!r}: yes or no, not {raw!r}.")
    if kind in LINK_MODELS:
        text = str(raw).strip()
        model = apps.get_model(LINK_MODELS[kind])
        if not is_whole(text) or not model.objects.filter(pk=int(text)).exists():
            raise Refused(
                f"'{vi}': không có {'số nhà' if kind == 'house_number' else 'hộ kinh doanh'} mã {text}.",
                f"{en!r}: there is no {'house number' if kind == 'house_number' else 'business'} {text}.",
            )
        return int(text)
    raise Refused(f"'{vi}': kiểu trường không rõ.", f"{en!r}: unknown field type.")


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def clean(
    fields: list[dict], props: Any, current: dict | None, *, partial: bool, today: dt.date | None = None
) -> dict[str, Any]:
    """The feature's new values: `current` changed by `props` (all of them, or, when not `partial`, the public
    fields left out are emptied and the private ones kept), every value converted, every required one there."""
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise InvalidInput("`properties` phải là một đối tượng.", "`properties` must be an object.")
    by_name = {f["name"]: f for f in fields}
    unknown = [k for k in props if k not in by_name and k not in ECHOED]
    if unknown:
        raise InvalidInput(
            "Thuộc tính không có trong lớp: " + ", ".join(unknown) + ".",
            "Properties not in this layer: " + ", ".join(unknown) + ".",
            {"unknown": unknown, "editable": list(by_name)},
            code="unknown_property",
        )
    values = {k: v for k, v in (current or {}).items() if k in by_name}
    if not partial:
        values = {k: v for k, v in values.items() if not by_name[k].get("public")}
    errors: dict[str, list[str]] = {}
    for name, raw in props.items():
        if name not in by_name:
            continue
        if _empty(raw):
            values.pop(name, None)
            continue
        try:
            values[name] = convert(by_name[name], raw, today)
        except Refused as exc:
            errors[name] = [f"{exc.vi} / {exc.en}"]
    for f in fields:
        if f.get("required") and f["name"] not in values and f["name"] not in errors:
            vi, en = _title(f)
            errors[f["name"]] = [f"'{vi}' là trường bắt buộc, không được để trống. / {en!r} is required."]
    if errors:
        first = [m.split(" / ")[0] for ms in errors.values() for m in ms]
        firsts_en = [m.split(" / ", 1)[1] for ms in errors.values() for m in ms]
        raise InvalidInput("; ".join(first), "; ".join(firsts_en), {"fields": errors}, code="invalid_fields")
    return values


def refused_count(f: dict, stored: list[Any]) -> int:
    """How many stored values of a field its (new) definition `f` would refuse."""
    bad = 0
    for raw in stored:
        if raw is None:
            continue
        try:
            convert(f, raw, dt.date.max)
        except Refused:
            bad += 1
    return bad
