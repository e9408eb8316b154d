"""Defining a layer and changing its definition: the one path the page, the API and the demo take.

A change keeps the features and their history: values stay in the JSONB whatever the definition says, a
removed field's values are hidden (and stay in every history row) once the administrator confirmed, a
field's new type or choice list is refused when a stored value would not fit it, and stored values are
rewritten in the new type's form when they do. Each saved definition adds one to `version`: a stale save
is a 409 with the stored definition, and every SQL text rendered for the layer is keyed by it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from rest_framework.exceptions import PermissionDenied

from gisportal.errors import Conflict, InvalidInput
from gisportal.permissions import Role, may_define_layers, sees_domain, ward_ids
from layers import history as feature_history
from layers.models import AdminUnit
from layers.themes import definition, validation
from layers.themes.models import ThemeFeature, ThemeLayer

FIELD_DEFAULTS = {"required": False, "public": False}


def _normalise(data: dict) -> dict:
    """The checked definition with its defaults filled in (English titles default to the Vietnamese)."""
    fields = []
    for f in data["fields"]:
        f = {**FIELD_DEFAULTS, **f}
        f["title"] = f["title"].strip()
        f["title_en"] = (f.get("title_en") or "").strip() or f["title"]
        for c in f.get("choices", []):
            c["label"] = c["label"].strip()
            c["label_en"] = (c.get("label_en") or "").strip() or c["label"]
        fields.append(f)
    return {**data, "fields": fields}


def _owner(user: Any, raw: Any) -> AdminUnit:
    """The ward or district the layer belongs to: given, or the only ward an officer serves."""
    if raw is None:
        wards = ward_ids(user) or set()
        if len(wards) != 1:
            raise InvalidInput(
                "Chọn phường (hoặc quận) sở hữu lớp (owner).",
                "Choose the ward (or district) the layer belongs to (owner).",
                code="missing_owner",
            )
        raw = next(iter(wards))
    unit = AdminUnit.objects.filter(pk=raw, level__in=[AdminUnit.Level.WARD, AdminUnit.Level.DISTRICT]).first()
    if unit is None:
        raise InvalidInput(
            f"Không có phường hoặc quận mã {raw}.", f"There is no ward or district {raw}.", code="unknown_owner"
        )
    return unit


def _require_define(user: Any, owner_id: int) -> None:
    if not may_define_layers(user, owner_id):
        raise PermissionDenied(
            "Chỉ quản trị viên của phường (hoặc quận) mới định nghĩa lớp bản đồ."
            " / Only the ward's (or district's) administrators define map layers."
        )


def _apply(row: ThemeLayer, data: dict) -> None:
    row.name_vi = data["name_vi"].strip()
    row.name_en = data["name_en"].strip()
    row.fields = data["fields"]
    row.editor_roles = data.get("editor_roles", [str(Role.WARD_OFFICER)])
    row.edit_scope = data.get("edit_scope", ThemeLayer.Scope.WARD)
    row.style = data.get("style", {})
    row.minzoom = data.get("minzoom", 12)


@transaction.atomic
def define(user: Any, data: Any) -> ThemeLayer:
    """A new layer, served at once by the tiles, OGC API and editor (the registry reads the table)."""
    data = _normalise(definition.check_shape(data))
    owner = _owner(user, data.get("owner"))
    _require_define(user, owner.pk)
    definition.check_slug(data["slug"], None)
    definition.check_fields(data["fields"])
    definition.check_style(data.get("style", {}), data["fields"])
    row = ThemeLayer(slug=data["slug"], geometry_type=data["geometry_type"], owner=owner)
    row.created_by = user if getattr(user, "is_authenticated", False) else None
    _apply(row, data)
    feature_history.attribute(row, row.created_by)
    row.save()
    return row


def _stored(row: ThemeLayer) -> dict[str, dict[str, int]]:
    """Field → {stored value as JSON text → features holding it}, deleted features included (they can return)."""
    with connection.cursor() as cur:
        cur.execute(
            """SELECT kv.key, kv.value::text, count(*) FROM layers_themefeature t, jsonb_each(t."values") kv
                WHERE t.layer_id = %s GROUP BY 1, 2""",
            [row.pk],
        )
        out: dict[str, dict[str, int]] = {}
        for key, value, n in cur.fetchall():
            out.setdefault(key, {})[value] = n
    return out


@transaction.atomic
def change(user: Any, slug: str, data: Any) -> ThemeLayer:
    """A new definition for an existing layer, based on the `version` the administrator read."""
    row = ThemeLayer.objects.select_for_update().filter(slug=slug).first()
    if row is None:
        raise InvalidInput(f"Không có lớp '{slug}'.", f"No layer named {slug!r}.", code="unknown_layer")
    _require_define(user, row.owner_id)
    data = _normalise(definition.check_shape(data))
    if data.get("version") != row.version:
        raise Conflict(
            f"Người khác đã lưu định nghĩa này trước (phiên bản {row.version}, bạn đã đọc {data.get('version')}).",
            f"Someone else saved this definition first (version {row.version}; you read {data.get('version')}).",
            {"current": document(row, user), "sent_version": data.get("version")},
            code="version_conflict",
        )
    if data["slug"] != row.slug or data["geometry_type"] != row.geometry_type:
        raise InvalidInput(
            "Không đổi được tên (slug) hay kiểu hình học của lớp đã có: hãy định nghĩa lớp mới.",
            "A layer's name (slug) and geometry type cannot change: define a new layer instead.",
            {"slug": row.slug, "geometry_type": row.geometry_type},
            code="immutable_definition",
        )
    if "owner" in data and data["owner"] != row.owner_id:
        owner = _owner(user, data["owner"])
        _require_define(user, owner.pk)
        row.owner = owner
    definition.check_fields(data["fields"])
    definition.check_style(data.get("style", {}), data["fields"])
    stored = _stored(row)
    counts = {name: sum(values.values()) for name, values in stored.items()}
    old_by = {f["name"]: f for f in row.fields}
    bad: dict[str, int] = {}
    rewrites: list[tuple[str, str, Any]] = []
    for f in data["fields"]:
        if f["name"] not in stored or old_by.get(f["name"]) == f:
            continue
        for text, n in stored[f["name"]].items():
            raw = json.loads(text)
            try:
                converted = validation.convert(f, raw, dt.date.max)
            except validation.Refused:
                bad[f["name"]] = bad.get(f["name"], 0) + n
                continue
            if converted != raw:
                rewrites.append((f["name"], text, converted))
    definition.check_change(row.fields, data["fields"], counts, bad, bool(data.get("confirm")))
    # A value kept in a new type's form (a text "12" becoming the number 12): the same value, so the features'
    # versions stay; tiles and OGC read the form the definition says.
    with connection.cursor() as cur:
        for name, text, converted in rewrites:
            cur.execute(
                """UPDATE layers_themefeature t SET "values" = jsonb_set(t."values", ARRAY[%s], %s::jsonb)
                    WHERE t.layer_id = %s AND t."values" -> %s = %s::jsonb""",
                [name, json.dumps(converted), row.pk, name, text],
            )
    _apply(row, data)
    row.version += 1
    feature_history.attribute(row, user if getattr(user, "is_authenticated", False) else None)
    row.save()
    return row


def reads_private(user: Any) -> bool:
    """Who reads a definition whole (private fields included): officers of the features domain, definers."""
    return sees_domain(user) or may_define_layers(user)


def document(row: ThemeLayer, user: Any) -> dict:
    """A definition as the page and the API serve it; the private fields only to officers and definers."""
    whole = reads_private(user)
    return {
        "slug": row.slug,
        "name_vi": row.name_vi,
        "name_en": row.name_en,
        "geometry_type": row.geometry_type,
        "fields": [f for f in row.fields if whole or f.get("public")],
        "editor_roles": row.editor_roles,
        "edit_scope": row.edit_scope,
        "style": row.style,
        "minzoom": row.minzoom,
        "owner": row.owner_id,
        "owner_name": row.owner.name,
        "version": row.version,
        "you_define": may_define_layers(user, row.owner_id),
        "features": ThemeFeature.objects.filter(layer=row, is_deleted=False).count(),
        "updated_at": row.updated_at.isoformat(),
    }
