"""Optimistic locking and edit history for parcels and permits (as businesses/api/detail.py does for businesses)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models

from gisportal.errors import Conflict, InvalidInput
from gisportal.params import is_whole
from layers import history as feature_history


def sent_version(request) -> int:
    """The version the writer read: in the body, `?version=`, or an If-Match header."""
    data = request.data if hasattr(request.data, "get") else {}
    sent = data.get("version") or request.query_params.get("version") or request.headers.get("If-Match", "")
    sent = str(sent).strip('"')
    if not is_whole(sent):
        raise InvalidInput(
            "Thiếu số phiên bản (version) của bản ghi đã đọc.",
            "The version of the record you read is missing (version).",
            code="version_required",
        )
    return int(sent)


def lock_current(request, instance: models.Model, represent: Callable[[Any], dict], what: tuple[str, str]):
    """Lock the row and check it is still the version the writer read; else 409 with both versions."""
    sent = sent_version(request)
    # A versioned model (`version`, bumped on each save); the models share no base class the stubs could read.
    current: Any = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if current.version != sent:
        vi, en = what
        raise Conflict(
            f"Người khác đã lưu {vi} này trước bạn; dữ liệu mới hơn được giữ nguyên.",
            f"Someone else saved this {en} first; the newer data was kept.",
            {"yours": request.data if isinstance(request.data, dict) else {}, "current": represent(current)},
        )
    feature_history.ensure_baseline(current)  # a record imported in bulk gets its version 1 before it changes
    return current


def _plain(value: Any) -> Any:
    if hasattr(value, "coords"):  # a geometry: its GeoJSON coordinates
        return value.coords
    return value.isoformat() if hasattr(value, "isoformat") else value


def history(instance: models.Model, fields: list[str]) -> list[dict]:
    """Every saved version, newest first: who, when, and which of `fields` changed (layers/history.py)."""

    def value_of(row: Any, field: str) -> Any:
        return _plain(getattr(row, f"{field}_id" if field in {"ward", "parcel"} else field))

    return feature_history.versions(instance, fields, value_of)


def soft_delete(request, instance: models.Model, represent: Callable[[Any], dict], what: tuple[str, str]) -> None:
    """Mark the record deleted as a new version (kept in its history), if it is still the version read."""
    current = lock_current(request, instance, represent, what)
    current.is_deleted = True
    current.version += 1
    current.save(update_fields=["is_deleted", "version"])
