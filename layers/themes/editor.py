"""What the generic editor (layers/editing.py) hands to a ward-defined layer: its values, rights, reads and history.

`editing.create/update/…` keep every rule they have for built-in layers (geometry checks, ward placement,
row lock, version and 409/412, soft delete, simple-history); where a built-in layer's model fields would be
read or written, they call this object (`Layer.editor`) instead, because these values live in one JSONB
checked against the definition (`validation.clean`).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from gisportal import tabular
from gisportal.errors import InvalidInput
from gisportal.permissions import can_edit_theme, edits_theme, reads_theme_private
from layers import history as feature_history
from layers import labels
from layers.models import AdminUnit
from layers.themes import validation
from layers.themes.models import ThemeFeature, ThemeLayer

_SCHEMA_TYPES = {"number": "number", "boolean": "boolean", "house_number": "integer", "business": "integer"}


class ThemeEditor:
    def __init__(self, row: ThemeLayer):
        self.row = row

    @property
    def fields(self) -> list[dict]:
        return self.row.fields

    # --- writes ------------------------------------------------------------------------------------

    def values(self, props: Any, obj: ThemeFeature | None, *, partial: bool) -> dict[str, Any]:
        """The model fields a create (obj None) or an update writes: the checked values (and the layer)."""
        current = obj.values if obj is not None else None
        values = validation.clean(
            self.fields, props, current, partial=partial or obj is None, today=timezone.localdate()
        )
        return {"values": values} if obj is not None else {"values": values, "layer": self.row}

    def edits(self, user: Any) -> bool:
        return edits_theme(user, self.row.editor_roles)

    def require_edit(self, user: Any, ward_id: int | None, khu_pho_id: int | None) -> None:
        """A 403 unless the user edits here; a 400 when the place is outside the layer's ward or district."""
        if not can_edit_theme(user, self.row.editor_roles, self.row.edit_scope, ward_id, khu_pho_id):
            raise PermissionDenied(
                "Bạn không có quyền sửa lớp này ở đây (theo vai trò và phạm vi lớp đã định nghĩa)."
                " / You may not edit this layer here (by the roles and scope its definition gives)."
            )
        owner = self.row.owner_id
        if ward_id is not None and ward_id != owner:
            parent = AdminUnit.objects.filter(pk=ward_id).values_list("parent_id", flat=True).first()
            if parent != owner:
                raise InvalidInput(
                    "Vị trí nằm ngoài phường (hoặc quận) sở hữu lớp này.",
                    "The location is outside the ward (or district) this layer belongs to.",
                    {"ward": ward_id, "owner": owner},
                    code="outside_layer_area",
                )

    # --- reads -------------------------------------------------------------------------------------

    def feature(self, layer: Any, obj: ThemeFeature, user: Any) -> dict:
        """The editor's GeoJSON: every field the user may read, then ward, khu phố, version, deletion."""
        private_ok = reads_theme_private(user, obj, self.row.editor_roles, self.row.edit_scope)
        props = {f["name"]: obj.values.get(f["name"]) for f in self.fields if private_ok or f.get("public")}
        props.update(ward_id=obj.ward_id, khu_pho_id=obj.khu_pho_id, version=obj.version, is_deleted=obj.is_deleted)
        return {"type": "Feature", "id": obj.pk, "geometry": json.loads(obj.geom.geojson), "properties": props}

    def history(self, obj: ThemeFeature) -> list[dict]:
        """Every version newest first, each with only the values that changed. A field since removed from the
        definition still shows in the versions that held it: its values stay in history."""
        rows = list(obj.history.order_by("-history_date", "-history_id").select_related("history_user"))
        if not rows:
            return feature_history.versions(obj, [f["name"] for f in self.fields], lambda r, n: r.values.get(n))
        out = []
        for i, row in enumerate(rows):
            older = rows[i + 1] if i + 1 < len(rows) else None
            new = _state(row)
            if older is not None:
                old = _state(older)
                changes = {
                    k: {"from": old.get(k), "to": new.get(k)} for k in _keys(old, new) if old.get(k) != new.get(k)
                }
            elif row.history_type == "+":
                changes = {k: {"from": None, "to": v} for k, v in new.items() if v not in (None, False, "")}
            else:
                changes = {}
            at = row.history_date
            if row.history_type == "+" and row.history_change_reason == feature_history.IMPORTED:
                at = obj.created_at
            out.append(
                {
                    "version": row.version,
                    "at": feature_history.plain(at),
                    "user": row.history_user.username if row.history_user else None,
                    "type": {"+": "created", "~": "changed", "-": "deleted"}[row.history_type],
                    "changes": changes,
                    "reason": row.history_change_reason or "",
                }
            )
        return out

    def schema(self, layer: Any, url: str) -> dict:
        """The OGC schema the map editor builds its form from: every field of the definition, editable."""
        english = labels.english()
        props: dict[str, dict] = {}
        for f in self.fields:
            title_en = f.get("title_en") or f["title"]
            prop: dict[str, Any] = {
                "title": title_en if english else f["title"],
                "x-title-en": title_en,
                "type": _SCHEMA_TYPES.get(f["type"], "string"),
                "readOnly": False,
                "x-private": not f.get("public"),
                "x-field-type": f["type"],
            }
            if f["type"] == "date":
                prop["format"] = "date"
            if f["type"] in ("text", "photo"):
                prop["maxLength"] = f.get("max_length") or validation.MAX_TEXT
            if f["type"] == "choice":
                prop["enum"] = [c["value"] for c in f["choices"]]
                prop["x-labels"] = {
                    c["value"]: (c.get("label_en") or c["label"]) if english else c["label"] for c in f["choices"]
                }
            if f["type"] == "boolean":
                prop["enum"] = [True, False]
                prop["x-labels"] = {"true": "Yes" if english else "Có", "false": "No" if english else "Không"}
            props[f["name"]] = prop
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": url,
            "type": "object",
            "title": layer.title,
            "x-title-en": layer.title_en,
            "x-geometry-type": layer.geometry_type,
            "x-editable": True,
            "x-minzoom": layer.detail_minzoom,
            "x-style": layer.style,
            "x-definition-version": self.row.version,
            "required": [f["name"] for f in self.fields if f.get("required")],
            "properties": props,
        }

    def field_map(self, columns: list[str], given: dict[str, str] | None = None) -> tuple[dict[str, str], list[str]]:
        """(file column → field, ignored columns): the mapping the officer chose (`given`), then by the field's
        name or its Vietnamese or English title, accents and case aside."""
        by_key: dict[str, str] = {}
        for f in self.fields:
            for alias in (f["name"], f["title"], f.get("title_en") or ""):
                if alias:
                    by_key.setdefault(tabular.header_key(alias), f["name"])
        names = {f["name"] for f in self.fields}
        mapping: dict[str, str] = {}
        ignored, taken = [], set()
        for column in columns:
            if column in ("geometry", "_layer"):
                continue
            target = (given or {}).get(column) or by_key.get(tabular.header_key(column))
            if target is not None and target in names and target not in taken:
                mapping[column] = target
                taken.add(target)
            else:
                ignored.append(column)
        return mapping, ignored


def _state(row: Any) -> dict[str, Any]:
    """A history row as what an officer compares: the values, the position, whether deleted."""
    out = dict(row.values or {})
    out["geom"] = json.loads(row.geom.geojson) if row.geom is not None else None
    out["is_deleted"] = row.is_deleted
    return out


def _keys(old: dict, new: dict) -> list[str]:
    return [*old, *(k for k in new if k not in old)]
