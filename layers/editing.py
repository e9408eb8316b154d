"""Writing a registry layer's features: the one path every edit takes.

The web editor (`layers/api/features.py`), OGC API Features Part 4 (`layers/ogc/api.py`) and the
GIS file import (`layers/files/importer.py`) all call these functions, so a feature changed from QGIS
keeps the same history, permissions and version rules as one changed on the map:

- who: `can_edit` on the ward (and khu phố) the geometry lies in, before and after a move;
- what: only the layer's `edit_fields`, checked by the model (choices, lengths, validators, `clean()`);
  text NFC-normalised, HTML refused; the geometry in WGS 84 inside Vietnam, of the layer's type,
  valid — or repaired with ST_MakeValid only when the caller says the officer agreed;
- when: the row is locked and its `version` compared with the one the writer read: a stale write
  is refused (409 when the version came in the body, 412 when it came as `If-Match`) and the newer
  data stays; every save adds one to `version` and one row to the simple-history table;
- deletes are soft (`is_deleted`), and `restore` or `revert` to an earlier version undo them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.db import models, transaction
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied

from gisportal import changes, field_errors
from gisportal.errors import Conflict, InvalidInput, PortalError
from gisportal.params import is_whole
from gisportal.permissions import can_see_private, edits_domain, require_edit
from gisportal.text import nfc, text_problem
from layers import history as feature_history
from layers import labels

# The geometry's checks live in their own module; callers know them as editing.parse_geojson, editing.locate, ….
from layers.edit_geometry import check_extent as check_extent
from layers.edit_geometry import clean_geometry, locate
from layers.edit_geometry import parse_geojson as parse_geojson
from layers.registry import Layer, concrete_field

# Properties a client may send back as it read them; never written from input.
ECHOED = {"id", "version", "ward", "ward_id", "khu_pho_id", "is_deleted"}
_HTML = ("<", ">")
# A row of an editable layer's model: `ward`, `khu_pho`, `version`, `is_deleted`, `scope()` and simple-history
# (registry._check refuses a layer without them); the models share no base class, so the stubs cannot say it.
Editable = Any


class PreconditionFailed(PortalError):
    """The `If-Match` version is not the stored one: someone saved first."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    code = "precondition_failed"


class PreconditionRequired(PortalError):
    """A write without the version it was based on (`If-Match` or `version`)."""

    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    code = "precondition_required"


class ReadOnlyLayer(PortalError):
    """The layer is not editable through the generic editor."""

    status_code = status.HTTP_405_METHOD_NOT_ALLOWED
    code = "read_only_layer"


@dataclass(frozen=True)
class Expected:
    """The version the writer read, and how it said so (decides 409 or 412)."""

    version: int
    if_match: bool = False


def expected_version(if_match: str | None, body_version: Any) -> Expected:
    """The version a write is based on: `If-Match: "3"` (OGC clients) or `version` in the body (the web editor)."""
    if if_match:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if is_whole(raw):
            return Expected(int(raw), if_match=True)
        raise PreconditionFailed(
            f"If-Match '{if_match}' không phải phiên bản của đối tượng này.",
            f"If-Match {if_match!r} is not a version of this feature.",
            {"if_match": if_match},
        )
    if body_version is not None and is_whole(body_version):
        return Expected(int(body_version))
    raise PreconditionRequired(
        "Thiếu phiên bản đã đọc: gửi tiêu đề If-Match (ETag của đối tượng) hoặc trường version.",
        "The version you read is missing: send an If-Match header (the feature's ETag) or a version field.",
        code="version_required",
    )


def editable_layer(layer: Layer) -> Layer:
    if not layer.editable:
        raise ReadOnlyLayer(
            f"Lớp '{layer.name}' không sửa được qua trình sửa chung.",
            f"The layer {layer.name!r} cannot be edited through the generic editor.",
            {"layer": layer.name},
        )
    return layer


# --- properties ----------------------------------------------------------------------------------


def clean_properties(layer: Layer, props: Any, errors: dict | None = None) -> dict[str, Any]:
    """Edit fields sent, converted to Python values; read-only names a client echoes are dropped. A value that
    cannot be read is a 400, or, given `errors`, noted there (to be refused with the model's own checks)."""
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise InvalidInput("`properties` phải là một đối tượng.", "`properties` must be an object.")
    echoed = ECHOED | {f.name for f in layer.public_fields}
    unknown = [k for k in props if k not in layer.edit_fields and k not in echoed]
    if unknown:
        raise InvalidInput(
            "Thuộc tính không có trong lớp: " + ", ".join(unknown) + ".",
            "Properties not in this layer: " + ", ".join(unknown) + ".",
            {"unknown": unknown, "editable": list(layer.edit_fields)},
            code="unknown_property",
        )
    out: dict[str, Any] = {}
    refused = errors if errors is not None else {}
    for name in layer.edit_fields:
        if name not in props:
            continue
        field, raw = concrete_field(layer.model, name), props[name]
        text_field = isinstance(field, models.CharField | models.TextField)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            out[name] = "" if text_field else None
            continue
        if text_field:
            value = nfc(str(raw)) if isinstance(field, models.CharField) else str(raw).strip()
            if any(c in value for c in _HTML):
                refused[name] = ("html_not_allowed", "Không được chứa mã HTML (< >).", "HTML (< >) is not allowed.")
            elif "\x00" in value:  # PostgreSQL stores no NUL: an import's cell carrying one was a 500
                refused[name] = ("control_character", "Chứa ký tự NUL.", "Contains a NUL character.")
            elif problem := text_problem(value):
                code, vi, en = problem
                refused[name] = (code, vi[:1].upper() + vi[1:], en[:1].upper() + en[1:])
            out[name] = value
            continue
        if isinstance(raw, bool | dict | list):
            refused[name] = ("invalid", *field_errors.message("invalid"))
            continue
        try:
            out[name] = parse_date(raw) if isinstance(field, models.DateField) else field.to_python(raw)
        except ValidationError as exc:
            refused.update(field_errors.from_django(ValidationError({name: exc.error_list}), layer.model))
    if refused and errors is None:
        raise _invalid(layer, refused)
    return out


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y")


def parse_date(raw: Any) -> dt.date:
    """A date as officers and files write it: ISO, 'dd/mm/yyyy' (Vietnamese), GDAL's 'yyyy/mm/dd hh:mm:ss'."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = str(raw).strip()
    day = text.split("T")[0].split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(day, fmt).date()
        except ValueError:
            continue
    raise ValidationError(
        f"Ngày '{text}' không hợp lệ (YYYY-MM-DD hoặc dd/mm/yyyy). / Invalid date {text!r}.", code="invalid_date"
    )


def _invalid(layer: Layer, errors: dict[str, field_errors.Refusal]) -> InvalidInput:
    """A refusal naming each field by its title (the form's label), not its code."""
    titles = {name: labels.edit_field_titles(layer, name) for name in errors if name in layer.edit_fields}
    titles[layer.geom_field] = ("Vị trí", "Position")
    titles["__all__"] = ("Dữ liệu", "Input")
    return field_errors.refused(errors, titles)


def _full_clean(layer: Layer, obj: Editable, unread: dict | None = None) -> None:
    """The model's checks; refused together with the values that could not be read (`unread`), in form order."""
    checked = {*layer.edit_fields, layer.geom_field} - set(unread or ())
    exclude = {f.name for f in layer.model._meta.fields if f.name not in checked}
    errors = dict(unread or {})
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as exc:
        errors.update(field_errors.from_django(exc, layer.model))
    if errors:
        order = {name: i for i, name in enumerate(layer.edit_fields)}
        raise _invalid(layer, dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order)))))


# --- the writes ----------------------------------------------------------------------------------


def _require_edit(layer: Layer, user: Any, ward_id: int | None, khu_pho_id: int | None = None) -> None:
    """`require_edit` in the layer's domain; a ward-defined layer decides by its own roles (`layer.editor`)."""
    if layer.editor is not None:
        layer.editor.require_edit(user, ward_id, khu_pho_id)
    else:
        require_edit(user, ward_id, khu_pho_id, layer.edit_domain)


def edits_layer(user: Any, layer: Layer) -> bool:
    """Whether the user edits this layer anywhere (to add features, import files, show the tools)."""
    return layer.editor.edits(user) if layer.editor is not None else edits_domain(user, layer.edit_domain)


def _locked(layer: Layer, pk: Any, *, deleted: bool = False) -> Editable:
    obj = layer.rows().select_for_update().filter(pk=pk, is_deleted=deleted).first() if _pk(pk) else None
    if obj is None:
        raise NotFound(f"Không có đối tượng {pk} trong lớp {layer.name}. / No feature {pk} in {layer.name}.")
    return obj


def _pk(pk: Any) -> bool:
    return is_whole(pk)


def _check_version(layer: Layer, obj: Editable, expected: Expected, user: Any) -> None:
    if obj.version == expected.version:
        return
    args = (
        f"Người khác đã lưu đối tượng này trước (phiên bản {obj.version}, bạn đã đọc {expected.version}).",
        f"Someone else saved this feature first (version {obj.version}; you read {expected.version}).",
        {"current": feature(layer, obj, user), "sent_version": expected.version},
    )
    raise PreconditionFailed(*args) if expected.if_match else Conflict(*args, code="version_conflict")


def _save(obj: Editable, user: Any, reason: str = "") -> Editable:
    # Set explicitly: a desktop client's Basic auth happens inside DRF, after the history middleware read request.user.
    feature_history.attribute(obj, user if getattr(user, "is_authenticated", False) else None, reason or None)
    obj.save()
    return obj


@transaction.atomic
def create(layer: Layer, user: Any, props: Any, geometry: shapely.Geometry, *, repair: bool = False) -> Editable:
    """A new feature where its geometry lies, by an officer who may edit there."""
    editable_layer(layer)
    if not edits_layer(user, layer):
        raise PermissionDenied("Bạn không có quyền thêm đối tượng vào lớp này. / You may not add features here.")
    unread: dict = {}
    values = layer.editor.values(props, None, partial=False) if layer.editor else clean_properties(layer, props, unread)
    geom = clean_geometry(layer, geometry, repair=repair)
    ward, khu_pho = locate(geom)
    _require_edit(layer, user, ward.pk, khu_pho.pk if khu_pho else None)
    obj = layer.model(**values, ward=ward, khu_pho=khu_pho, version=1)
    setattr(obj, layer.geom_field, geom)
    _full_clean(layer, obj, unread)
    return _save(obj, user)


@transaction.atomic
def update(
    layer: Layer,
    user: Any,
    pk: Any,
    props: Any,
    geometry: shapely.Geometry | None,
    expected: Expected,
    *,
    partial: bool,
    repair: bool = False,
) -> Editable:
    """Change a feature. `partial` (PATCH) writes what was sent; a replace (PUT) also resets the public
    edit fields left out (a desktop client sends every property it was served), and keeps the private ones,
    which the public collections never served it."""
    editable_layer(layer)
    obj = _locked(layer, pk)
    _require_edit(layer, user, *obj.scope())
    _check_version(layer, obj, expected, user)
    feature_history.ensure_baseline(obj)
    unread: dict = {}
    values = (
        layer.editor.values(props, obj, partial=partial) if layer.editor else clean_properties(layer, props, unread)
    )
    if not partial:
        public = {f.source for f in layer.public_fields if not f.via}
        for name in layer.edit_fields:
            if name in public and name not in values:
                values[name] = concrete_field(layer.model, name).get_default()
        if geometry is None:
            raise InvalidInput(
                "Thay thế cần cả hình học (geometry).", "A replace carries its geometry.", code="missing_geometry"
            )
    # What differs from the stored row: a save that changes nothing makes no new version.
    changed = changes.changed_fields(obj, values)
    for name, value in values.items():
        setattr(obj, name, value)
    if geometry is not None:
        geom = clean_geometry(layer, geometry, repair=repair)
        ward, khu_pho = locate(geom)
        _require_edit(layer, user, ward.pk, khu_pho.pk if khu_pho else None)
        if not geom.equals_exact(getattr(obj, layer.geom_field), 0) or (obj.ward, obj.khu_pho) != (ward, khu_pho):
            changed.append(layer.geom_field)
        setattr(obj, layer.geom_field, geom)
        obj.ward, obj.khu_pho = ward, khu_pho
    if not changed and not unread:
        return obj
    _full_clean(layer, obj, unread)
    obj.version += 1
    return _save(obj, user)


@transaction.atomic
def delete(layer: Layer, user: Any, pk: Any, expected: Expected) -> Editable:
    """Soft delete: the row stays, hidden from every public reader, until restored."""
    return _mark_deleted(layer, user, pk, expected, True)


@transaction.atomic
def restore(layer: Layer, user: Any, pk: Any, expected: Expected) -> Editable:
    """Undo a soft delete."""
    return _mark_deleted(layer, user, pk, expected, False)


def _mark_deleted(layer: Layer, user: Any, pk: Any, expected: Expected, deleted: bool) -> Editable:
    editable_layer(layer)
    obj = _locked(layer, pk, deleted=not deleted)
    _require_edit(layer, user, *obj.scope())
    _check_version(layer, obj, expected, user)
    feature_history.ensure_baseline(obj)
    obj.is_deleted = deleted
    obj.version += 1
    return _save(obj, user, "deleted" if deleted else "restored")


@transaction.atomic
def revert(layer: Layer, user: Any, pk: Any, to_version: int, expected: Expected) -> Editable:
    """Bring back the fields and geometry a feature had at an earlier version, as a new version."""
    editable_layer(layer)
    obj = layer.rows().select_for_update().filter(pk=pk).first() if _pk(pk) else None
    if obj is None:
        raise NotFound(f"Không có đối tượng {pk}. / No feature {pk}.")
    _require_edit(layer, user, *obj.scope())
    _check_version(layer, obj, expected, user)
    old = obj.history.filter(version=to_version).order_by("-history_date", "-history_id").first()
    if old is None or to_version >= obj.version:
        raise InvalidInput(
            f"Không có phiên bản cũ hơn số {to_version}.",
            f"There is no earlier version {to_version}.",
            {"to_version": to_version, "current": obj.version},
            code="unknown_version",
        )
    for name in layer.edit_fields:
        setattr(obj, name, getattr(old, name))
    geom = getattr(old, layer.geom_field)
    ward, khu_pho = locate(geom)
    _require_edit(layer, user, ward.pk, khu_pho.pk if khu_pho else None)
    setattr(obj, layer.geom_field, geom)
    obj.ward, obj.khu_pho, obj.is_deleted = ward, khu_pho, old.is_deleted
    _full_clean(layer, obj)
    obj.version += 1
    return _save(obj, user, f"reverted to version {to_version}")


# --- reading back --------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def feature(layer: Layer, obj: Editable, user: Any) -> dict:
    """The editor's GeoJSON of one feature: edit fields (private ones if the user may read them), the public
    attributes, ward, khu phố, version and deletion flag."""
    if layer.editor is not None:
        return layer.editor.feature(layer, obj, user)
    private = set(layer.private_fields) if not can_see_private(user, obj, layer.private_domain) else set()
    props: dict[str, Any] = {}
    for f in layer.public_fields:
        source = getattr(obj, f.via) if f.via else obj
        props[f.name] = _value(getattr(source, f.source, None)) if source is not None else None
    for name in layer.edit_fields:
        if name not in private:
            props[name] = _value(getattr(obj, name))
    # A read-only layer's model (house numbers) has no soft delete: its rows are never deleted ones.
    deleted = getattr(obj, "is_deleted", False)
    props.update(ward_id=obj.ward_id, khu_pho_id=obj.khu_pho_id, version=obj.version, is_deleted=deleted)
    geom = getattr(obj, layer.geom_field)
    return {"type": "Feature", "id": obj.pk, "geometry": json.loads(geom.geojson), "properties": props}


def _plain(row: Any, name: str, geom_field: str) -> Any:
    value = getattr(row, name)
    if name == geom_field and value is not None:
        return json.loads(value.geojson)
    return _value(value)


def history(layer: Layer, user: Any, pk: Any) -> list[dict]:
    """Every saved version, newest first: who, when, why, and what changed (officers who may read it all).
    Starts at version 1 (creation or import) and lists only the fields that changed (layers/history.py)."""
    obj = layer.rows().filter(pk=pk).first() if _pk(pk) else None
    if obj is None:
        raise NotFound(f"Không có đối tượng {pk}. / No feature {pk}.")
    if not can_see_private(user, obj, layer.private_domain):
        raise PermissionDenied(
            "Chỉ cán bộ phụ trách mới xem được lịch sử sửa đổi. / Only officers in charge may read the edit history."
        )
    if layer.editor is not None:
        return layer.editor.history(obj)
    names = [*layer.edit_fields, layer.geom_field, "is_deleted"]
    return feature_history.versions(obj, names, lambda row, name: _plain(row, name, layer.geom_field))
