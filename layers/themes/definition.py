"""A layer definition as an administrator writes it, checked before anything is saved.

Two passes: the shape (a JSON Schema, `DEFINITION_SCHEMA`, so the page and any API client get the same
rules) and the meaning (duplicate or reserved names, duplicate choices, a slug another layer has, a
field's type changed to one its stored values cannot take, a field with values removed without
`confirm`). Every refusal is a 400 (or a 409 for the confirmation) in Vietnamese, then English, and
nothing is changed.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema

from gisportal.errors import Conflict, InvalidInput
from gisportal.models import Role
from gisportal.text import refuse_hostile
from layers import registry

FIELD_TYPES = {
    "text": ("Chữ", "Text"),
    "number": ("Số", "Number"),
    "date": ("Ngày", "Date"),
    "choice": ("Danh sách chọn", "Choice list"),
    "boolean": ("Có / không", "Yes / no"),
    "photo": ("Ảnh", "Photo"),
    "house_number": ("Số nhà liên kết", "Linked house number"),
    "business": ("Hộ kinh doanh liên kết", "Linked business"),
}
# Columns the feature row, the tiles and the OGC/GeoJSON documents already use.
RESERVED = registry.RESERVED | {
    "geometry",
    "geom_3857",
    "version",
    "ward",
    "ward_id",
    "khu_pho",
    "khu_pho_id",
    "is_deleted",
    "layer",
    "values",
    "type",
    "properties",
    "created_at",
}
EDITOR_ROLES = (Role.WARD_OFFICER, Role.KHU_PHO_OFFICER, Role.LAND_OFFICER)
SYMBOLS = ("circle", "square", "triangle", "star", "lamp", "wifi", "camera")
_COLOR = "^#[0-9a-fA-F]{6}$"
_SLUG = re.compile(r"^[a-z][a-z0-9_]{2,49}$")
_ROUTES = {"schema"}  # /api/v1/themes/schema

CHOICE_SCHEMA = {
    "type": "object",
    "required": ["value", "label"],
    "additionalProperties": False,
    "properties": {
        "value": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"},
        "label": {"type": "string", "minLength": 1, "maxLength": 80},
        "label_en": {"type": "string", "maxLength": 80},
        "color": {"type": "string", "pattern": _COLOR},
    },
}
FIELD_SCHEMA = {
    "type": "object",
    "required": ["name", "title", "type"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
        "title": {"type": "string", "minLength": 1, "maxLength": 80},
        "title_en": {"type": "string", "maxLength": 80},
        "type": {"enum": list(FIELD_TYPES)},
        "required": {"type": "boolean"},
        "public": {"type": "boolean"},
        "past_only": {"type": "boolean"},  # dates: a date in the future is refused
        "max_length": {"type": "integer", "minimum": 1, "maximum": 2000},
        "choices": {"type": "array", "items": CHOICE_SCHEMA, "minItems": 1, "maxItems": 100},
    },
}
DEFINITION_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["slug", "name_vi", "name_en", "geometry_type", "fields"],
    "properties": {
        "slug": {"type": "string"},
        "name_vi": {"type": "string", "minLength": 1, "maxLength": 120},
        "name_en": {"type": "string", "minLength": 1, "maxLength": 120},
        "geometry_type": {"enum": ["Point", "LineString", "Polygon"]},
        "fields": {"type": "array", "items": FIELD_SCHEMA, "maxItems": 60},
        "editor_roles": {"type": "array", "items": {"enum": [str(r) for r in EDITOR_ROLES]}, "uniqueItems": True},
        "edit_scope": {"enum": ["ward", "khu_pho"]},
        "minzoom": {"type": "integer", "minimum": 0, "maximum": 20},
        "owner": {"type": "integer"},
        "version": {"type": "integer"},
        "confirm": {"type": "boolean"},
        "style": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "color": {"type": "string", "pattern": _COLOR},
                "symbol": {"enum": list(SYMBOLS)},
                "by": {"type": "string"},
            },
        },
        # What a GET of the definition adds, which a client may send back as it read it (ignored).
        "owner_name": {},
        "updated_at": {},
        "you_define": {},
        "features": {},
    },
    # Anything else is refused: an unknown member was stored as is (a 10 MB "padding" made a 10 MB row).
    "additionalProperties": False,
}
_VALIDATOR = jsonschema.Draft202012Validator(DEFINITION_SCHEMA)


def _refuse(vi: str, en: str, details: Any = None, code: str = "invalid_definition") -> InvalidInput:
    return InvalidInput(vi, en, details, code=code)


def check_shape(data: Any) -> dict:
    """The definition's shape against DEFINITION_SCHEMA: the first problem, with where it is."""
    if not isinstance(data, dict):
        raise _refuse("Định nghĩa lớp phải là một đối tượng JSON.", "A layer definition must be a JSON object.")
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(gốc / root)"
        raise _refuse(
            f"Định nghĩa lớp không hợp lệ ở {where}: {error.message}.",
            f"The layer definition is invalid at {where}: {error.message}.",
            {"path": list(error.absolute_path), "problem": error.message},
        )
    # Names and titles are shown on the map, in legends and in exports: text a person types, nothing else.
    refuse_hostile("name_vi", data["name_vi"])
    refuse_hostile("name_en", data["name_en"])
    for f in data.get("fields", []):
        for key in ("title", "title_en"):
            if isinstance(f.get(key), str):
                refuse_hostile(f"fields/{f.get('name')}/{key}", f[key])
        for choice in f.get("choices") or []:
            for key in ("label", "label_en"):
                if isinstance(choice, dict) and isinstance(choice.get(key), str):
                    refuse_hostile(f"fields/{f.get('name')}/choices/{key}", choice[key])
    return data


def check_slug(slug: str, current_id: int | None) -> None:
    """Lowercase letters, digits and _; no layer of the registry (built in or defined) may have it already."""
    from layers.themes.models import ThemeLayer

    if not _SLUG.match(slug):
        raise _refuse(
            f"Tên lớp '{slug}' chỉ gồm chữ thường không dấu, số và _, bắt đầu bằng chữ, 3-50 ký tự.",
            f"The layer name {slug!r} must be 3-50 lowercase letters, digits and _, starting with a letter.",
            {"slug": slug},
            code="bad_layer_name",
        )
    others = ThemeLayer.objects.filter(slug=slug)
    if current_id is not None:  # the layer being changed keeps its own name
        others = others.exclude(pk=current_id)
    taken = slug in _ROUTES or registry.is_registered(slug) or others.exists()
    if taken:
        raise _refuse(
            f"Đã có lớp bản đồ tên '{slug}': hãy chọn tên khác.",
            f"A map layer named {slug!r} already exists: choose another name.",
            {"slug": slug},
            code="layer_name_taken",
        )


def check_fields(fields: list[dict]) -> None:
    """Names unique and not reserved; choice lists without duplicates; choices only on choice fields."""
    seen: set[str] = set()
    for f in fields:
        name = f["name"]
        if name in RESERVED:
            raise _refuse(
                f"Tên trường '{name}' là tên dành riêng của hệ thống: hãy đặt tên khác.",
                f"The field name {name!r} is reserved: choose another.",
                {"field": name, "reserved": sorted(RESERVED)},
                code="reserved_field_name",
            )
        if name in seen:
            raise _refuse(
                f"Trường '{name}' bị trùng tên.",
                f"The field name {name!r} is used twice.",
                {"field": name},
                code="duplicate_field_name",
            )
        seen.add(name)
        choices = f.get("choices")
        if f["type"] == "choice" and not choices:
            raise _refuse(
                f"Trường chọn '{name}' cần danh sách giá trị.",
                f"The choice field {name!r} needs a list of values.",
                {"field": name},
                code="missing_choices",
            )
        if f["type"] != "choice" and choices:
            raise _refuse(
                f"Chỉ trường kiểu danh sách chọn mới có giá trị chọn ('{name}').",
                f"Only choice fields have choices ({name!r}).",
                {"field": name},
            )
        values = [c["value"] for c in choices or []]
        labels = [c["label"].strip().casefold() for c in choices or []]
        dup = {v for v in values if values.count(v) > 1} | {v for v in labels if labels.count(v) > 1}
        if dup:
            raise _refuse(
                f"Danh sách chọn của '{name}' có giá trị trùng: {', '.join(sorted(dup))}.",
                f"The choice list of {name!r} repeats: {', '.join(sorted(dup))}.",
                {"field": name, "duplicates": sorted(dup)},
                code="duplicate_choice",
            )


def check_style(style: dict, fields: list[dict]) -> None:
    by = style.get("by")
    if by and not any(f["name"] == by and f["type"] == "choice" for f in fields):
        raise _refuse(
            f"Kiểu hiển thị theo '{by}': cần là một trường danh sách chọn của lớp.",
            f"The style is by {by!r}: it must be a choice field of the layer.",
            {"by": by},
        )


# --- a change to a definition that has features ------------------------------------------------------


def check_change(old: list[dict], new: list[dict], counts: dict[str, int], bad: dict[str, int], confirm: bool) -> None:
    """A definition change against the features' values: `counts` = field → features holding a value, `bad` =
    field → values the new definition of the field refuses (a type they do not convert to, a choice dropped).
    Refused: any bad value; a field with values removed unless `confirm` (409 saying how many)."""
    new_by = {f["name"]: f for f in new}
    for f in old:
        name, n = f["name"], counts.get(f["name"], 0)
        target = new_by.get(name)
        if target is None:
            if n and not confirm:
                raise Conflict(
                    f"Trường '{name}' đang có giá trị ở {n} đối tượng. Xóa trường sẽ ẩn các giá trị này "
                    "(vẫn giữ trong lịch sử). Gửi lại với confirm=true để xác nhận.",
                    f"The field {name!r} holds values in {n} features. Removing it hides them (history keeps "
                    "them). Send again with confirm=true to go ahead.",
                    {"field": name, "features": n},
                    code="confirm_field_removal",
                )
            continue
        if not bad.get(name):
            continue
        if target["type"] != f["type"]:
            raise _refuse(
                f"Không đổi được kiểu trường '{name}' từ {FIELD_TYPES[f['type']][0]} sang "
                f"{FIELD_TYPES[target['type']][0]}: {bad[name]} đối tượng có giá trị không chuyển được.",
                f"The field {name!r} cannot change from {FIELD_TYPES[f['type']][1]} to "
                f"{FIELD_TYPES[target['type']][1]}: {bad[name]} features hold values that do not convert.",
                {"field": name, "from": f["type"], "to": target["type"], "features": bad[name]},
                code="incompatible_type_change",
            )
        raise _refuse(
            f"Định nghĩa mới của trường '{name}' không nhận {bad[name]} giá trị đang có (ví dụ một giá trị chọn "
            "đang dùng bị bỏ: hãy đổi tên hiển thị thay vì đổi giá trị).",
            f"The new definition of {name!r} refuses {bad[name]} stored values (a choice in use dropped, say: "
            "rename its label instead of its value).",
            {"field": name, "features": bad[name]},
            code="values_refused",
        )
