"""A refused form, field by field, in both languages.

DRF and Django word their field errors in whichever language the request is in, and DRF's Vietnamese catalogue is
partial ("This field may not be null." came through in English). A ward officer reads the portal's own sentences:
the common error codes (required, null, blank, invalid date or number, max_length, invalid choice …) are mapped
here, once, to a Vietnamese and an English message; a field's label names it in `message`, never its code.

The body's `details.fields` maps each refused field to
`{"label", "label_en", "code", "message", "message_en"}` (the first error of that field), which the map editors
show beside the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import translation
from rest_framework import fields as drf_fields
from rest_framework import serializers

from gisportal.refusals import InvalidInput

Pair = tuple[str, str]  # (Vietnamese, English)
Refusal = tuple[str, str, str]  # (code, Vietnamese, English)

_MESSAGES: dict[str, Pair] = {
    "required": ("Bắt buộc, chưa nhập.", "Required, not filled in."),
    "null": ("Không được để trống.", "May not be empty."),
    "not_chosen": ("Chưa chọn.", "Nothing chosen."),
    "blank": ("Không được để trống (hoặc chỉ có dấu cách).", "May not be empty (or spaces only)."),
    "invalid_date": (
        "Ngày không có thật hoặc không viết theo dạng nn/tt/nnnn.",
        "Not a real date, or not written as dd/mm/yyyy.",
    ),
    "invalid_number": ("Cần một số.", "A number is expected."),
    "invalid": ("Giá trị không hợp lệ.", "Invalid value."),
    "max_length": ("Dài quá mức cho phép ({max_length} ký tự).", "Too long (over {max_length} characters)."),
    "min_length": ("Ngắn hơn mức tối thiểu ({min_length} ký tự).", "Too short (under {min_length} characters)."),
    "invalid_choice": ("Không phải một lựa chọn có trong danh sách.", "Not one of the listed choices."),
    "max_value": ("Lớn hơn mức tối đa ({max_value}).", "Over the maximum ({max_value})."),
    "min_value": ("Nhỏ hơn mức tối thiểu ({min_value}).", "Under the minimum ({min_value})."),
    "max_digits": ("Quá nhiều chữ số.", "Too many digits."),
    "max_decimal_places": ("Quá nhiều chữ số thập phân.", "Too many decimal places."),
    "max_whole_digits": ("Quá nhiều chữ số phần nguyên.", "Too many digits before the decimal point."),
    "does_not_exist": ("Không có giá trị đã chọn.", "The chosen value does not exist."),
    "incorrect_type": ("Sai kiểu giá trị.", "Wrong type of value."),
    "unique": ("Đã có bản ghi khác mang giá trị này.", "Another record already has this value."),
    "not_a_list": ("Cần một danh sách.", "A list is expected."),
    "empty": ("Danh sách không được rỗng.", "The list may not be empty."),
}
# Codes that mean "not a date" / "not a number" whichever library raised them.
_DATE_CODES = {"invalid", "invalid_date", "datetime", "date"}
_EMPTY_CODES = {"required", "null", "blank"}
_NUMBER_CODES = {"invalid", "max_string_length"}
NON_FIELD = "non_field_errors"
_LIMIT = re.compile(r" \(\{\w+\}[^)]*\)")


def message(code: str, kind: str = "", **params: Any) -> Pair:
    """The portal's sentence for an error code; `kind` ("date", "number", "choice") tells what an "invalid" or
    an empty value means for that field."""
    if kind == "choice" and code in _EMPTY_CODES:
        code = "not_chosen"
    elif kind == "date" and code in _DATE_CODES:
        code = "invalid_date"
    elif kind == "number" and code in _NUMBER_CODES:
        code = "invalid_number"
    vi, en = _MESSAGES.get(code, _MESSAGES["invalid"])
    try:
        return vi.format(**params), en.format(**params)
    except (KeyError, IndexError):  # a limit we could not read: the sentence without it
        return _LIMIT.sub("", vi), _LIMIT.sub("", en)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def refused(
    errors: Mapping[str, Refusal], labels: Mapping[str, Pair], extra: dict | None = None, code: str = "invalid_fields"
) -> InvalidInput:
    """A 400 naming each refused field by its label, with the per-field messages in `details.fields`."""
    fields = {}
    for name, (field_code, vi, en) in errors.items():
        label, label_en = labels.get(name) or (name, name)
        fields[name] = {"label": label, "label_en": label_en, "code": field_code, "message": vi, "message_en": en}
    vi = "; ".join(f"{f['label']}: {_lower_first(f['message']).rstrip('.')}" for f in fields.values())
    en = "; ".join(f"{f['label_en']}: {_lower_first(f['message_en']).rstrip('.')}" for f in fields.values())
    return InvalidInput(
        f"Dữ liệu không hợp lệ — {vi}.",
        f"Invalid input — {en}.",
        {"fields": fields, **(extra or {})},
        code=code,
    )


def field_refused(name: str, vi: str, en: str, labels: Mapping[str, Pair], code: str = "invalid_input") -> InvalidInput:
    """One field refused with the caller's own sentence and error code (`details.field` kept for the clients
    that read it)."""
    return refused({name: (code, vi, en)}, labels, {"field": name}, code)


def labels_of(lazy: Mapping[str, Any]) -> dict[str, Pair]:
    """gettext_lazy labels as (Vietnamese, English) pairs."""
    out = {}
    for name, label in lazy.items():
        with translation.override("vi"):
            vi = str(label)
        with translation.override("en"):
            en = str(label)
        out[name] = (vi, en)
    return out


# --- DRF ---------------------------------------------------------------------------------------


def _first_detail(value: Any) -> Any:
    """The first ErrorDetail of a field's (possibly nested: a list's items, a nested serializer's) errors."""
    while isinstance(value, list | dict):
        if not value:
            return None
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
    return value


def _drf_kind(field: Any) -> str:
    if isinstance(field, serializers.ChoiceField | serializers.RelatedField):
        return "choice"
    if isinstance(field, serializers.DateField | serializers.DateTimeField):
        return "date"
    if isinstance(field, serializers.IntegerField | serializers.FloatField | serializers.DecimalField):
        return "number"
    return ""


def _drf_params(field: Any) -> dict:
    names = ("max_length", "min_length", "max_value", "min_value")
    return {n: getattr(field, n) for n in names if getattr(field, n, None) is not None}


def serializer_of(view: Any) -> Any:
    """The serializer class a generic view validates with, or None (a function view, or one that cannot say)."""
    getter: Callable[[], Any] | None = getattr(view, "get_serializer_class", None)
    if getter is None:
        return None
    try:
        return getter()
    except Exception:  # noqa: BLE001 — an error answer must never fail in turn: messages without labels then
        return None


def from_drf(detail: Any, serializer_class: Any) -> InvalidInput:
    """DRF's ValidationError detail (`{field: [ErrorDetail…]}` or a list) as the portal's bilingual refusal."""
    fields: Mapping[str, Any] = {}
    labels: Mapping[str, Pair] = {}
    if serializer_class is not None:
        try:
            fields = serializer_class().fields
        except Exception:  # noqa: BLE001 — as above: never a 500 while answering a 400
            fields = {}
        labels = labels_of(getattr(serializer_class, "field_labels", {}))
    items = detail.items() if isinstance(detail, dict) else [(NON_FIELD, detail)]
    errors: dict[str, Refusal] = {}
    for name, value in items:
        first = _first_detail(value)
        code = str(getattr(first, "code", "") or "invalid")
        field = fields.get(name) if isinstance(fields, Mapping) else None
        if isinstance(field, drf_fields.ListField | serializers.ListSerializer):
            field = getattr(field, "child", field)
        vi, en = message(code, _drf_kind(field), **_drf_params(field))
        errors[str(name)] = (code, vi, en)
    base = dict(labels)
    base.setdefault(NON_FIELD, ("Dữ liệu", "Input"))
    return refused(errors, base, code="invalid_input")


# --- Django models ------------------------------------------------------------------------------


def _model_kind(field: models.Field | None) -> str:
    if field is not None and (field.choices or isinstance(field, models.ForeignKey)):
        return "choice"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.IntegerField | models.FloatField | models.DecimalField):
        return "number"
    return ""


def from_django(error: DjangoValidationError, model: type[models.Model]) -> dict[str, Refusal]:
    """A model's full_clean() refusal as (code, vi, en) per field: a known code in the portal's words, a
    model's own "Tiếng Việt / English" sentence split in two, anything else as an invalid value."""
    out: dict[str, Refusal] = {}
    by_field = error.error_dict if hasattr(error, "error_dict") else {"__all__": error.error_list}
    for name, errors in by_field.items():
        first = errors[0]
        code = first.code or ""
        params = dict(first.params or {})
        text = first.message % params if params else str(first.message)
        try:
            field: models.Field | None = model._meta.get_field(name)  # type: ignore[assignment]
        except FieldDoesNotExist:  # "__all__": the model's clean()
            field = None
        if code in _MESSAGES or code in _DATE_CODES:
            limit = params.get("limit_value")
            named = {"max_length": limit, "min_length": limit, "max_value": limit, "min_value": limit}
            out[name] = (code, *message(code, _model_kind(field), **{k: v for k, v in named.items() if v is not None}))
        elif " / " in text:
            vi, en = text.split(" / ", 1)
            out[name] = (code or "invalid", vi, en)
        else:
            out[name] = ("invalid", *message("invalid"))
    return out
