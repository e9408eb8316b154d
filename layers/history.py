"""Edit history that tells the truth, for every versioned model (layers, businesses, house numbers, parcels, permits).

Bulk writers (the demo's COPY, `bulk_create`, older imports) leave features with no simple-history row at all.
Two rules keep every feature's history honest:

- before the first edit of such a feature, `ensure_baseline` records the row as it stood (version 1, "imported"),
  so the edit's own row has something to be compared with and shows only the fields that really changed;
- `versions` reads the rows newest first, each compared with the one before by simple-history's `diff_against`;
  a feature still without any row answers one synthetic entry for its current state (never a 500), and an oldest
  row that is not a creation (edited before this rule existed) says that what came before it is unknown instead
  of claiming every field changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.utils import timezone

# A model with simple-history's `history` manager (HistoricalRecords): django-stubs sees only the attributes it
# declares, and the manager and the `_history_user` slot are added at class creation.
Tracked = Any

IMPORTED = "imported"
_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def plain(value: Any) -> Any:
    """A stored value as JSON: ISO dates, everything else as is (geometries are the caller's business)."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def _empty(value: Any) -> bool:
    # A first version lists what the feature was made with: blanks and false flags ("not deleted") say nothing.
    return value is None or value is False or value == "" or value == [] or value == {}


def attribute(obj: Tracked, user: Any, reason: str | None = None) -> None:
    """Name who makes the next saved version of `obj` (and why): simple-history reads these slots at save."""
    obj._history_user = user
    if reason is not None:
        obj._change_reason = reason


def ensure_baseline(obj: Tracked) -> None:
    """Record `obj` as it is now, as the first version, if no history row exists for it yet.

    Call with the row freshly read (locked) from the database, before any field is changed."""
    manager = type(obj).history
    if manager.filter(**{obj._meta.pk.attname: obj.pk}).exists():
        return
    when = getattr(obj, "created_at", None) or timezone.now()
    # Nobody made this version through the portal: not the officer whose request is being served.
    had_user = hasattr(obj, "_history_user")
    previous = getattr(obj, "_history_user", None)
    obj._history_user = None
    try:
        manager.bulk_history_create([obj], default_change_reason=IMPORTED, default_date=when)
    finally:
        if had_user:
            obj._history_user = previous
        else:
            del obj._history_user


def versions(
    instance: Tracked, fields: Sequence[str], value_of: Callable[[Any, str], Any], *, reasons: bool = True
) -> list[dict]:
    """Every saved version, newest first: who, when, why and only the fields (of `fields`) that changed.

    `value_of(row, field)` gives a history row's (or the instance's) value of a field as JSON."""
    rows = list(instance.history.order_by("-history_date", "-history_id").select_related("history_user"))
    if not rows:
        # Never edited since a bulk import: its current state is its first and only version.
        values = {f: value_of(instance, f) for f in fields}
        return [
            _entry(
                version=getattr(instance, "version", 1),
                at=getattr(instance, "created_at", None),
                user=None,
                kind="created",
                reason=IMPORTED,
                changes={f: {"from": None, "to": v} for f, v in values.items() if not _empty(v)},
                reasons=reasons,
            )
        ]
    out = []
    names = _model_names(type(instance), fields)
    for i, row in enumerate(rows):
        older = rows[i + 1] if i + 1 < len(rows) else None
        new = {f: value_of(row, f) for f in fields}
        extra: dict[str, Any] = {}
        if older is not None:
            changed = set(row.diff_against(older, included_fields=set(names.values())).changed_fields)
            changes = {f: {"from": value_of(older, f), "to": new[f]} for f in fields if names[f] in changed}
        elif row.history_type == "+":
            changes = {f: {"from": None, "to": v} for f, v in new.items() if not _empty(v)}
        else:
            # The oldest row recorded is an edit: what it changed from was never recorded.
            changes, extra = {}, {"earlier_unknown": True}
        at = row.history_date
        if row.history_type == "+" and row.history_change_reason == IMPORTED:
            # A baseline is written at the first edit: its own date is not when the feature was imported.
            at = getattr(instance, "created_at", None)
        out.append(
            _entry(
                version=row.version,
                at=at,
                user=row.history_user.username if row.history_user else None,
                kind=_TYPES[row.history_type],
                reason=row.history_change_reason or "",
                changes=changes,
                reasons=reasons,
                **extra,
            )
        )
    return out


def _model_names(model: type[models.Model], fields: Sequence[str]) -> dict[str, str]:
    """Each asked field's model field name, as `diff_against` wants it: callers may ask for `permit_id`."""
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return {f: by_attname.get(f, f) for f in fields}


def _entry(*, version: int, at: Any, user: str | None, kind: str, reason: str, changes: dict, reasons: bool, **extra):
    entry = {"version": version, "at": plain(at), "user": user, "type": kind, "changes": changes, **extra}
    if reasons:
        entry["reason"] = reason
    return entry


def ensure_baselines_sql(cursor: Any, model: type[Tracked], ids: Sequence[int]) -> None:
    """`ensure_baseline` for many rows at once, in SQL, for the bulk writers (sync, imports): call it before the
    UPDATE, so that each row without any history keeps its state before the change as version 1."""
    if not ids:
        return
    historical = model.history.model
    columns = [f.column for f in historical.tracked_fields]
    cols = ", ".join(f"t.{c}" for c in columns)
    when = "t.created_at" if any(f.name == "created_at" for f in model._meta.concrete_fields) else "now()"
    cursor.execute(
        f"""INSERT INTO {historical._meta.db_table}
                   ({", ".join(columns)}, history_date, history_change_reason, history_type, history_user_id)
            SELECT {cols}, {when}, %s, '+', NULL
              FROM {model._meta.db_table} t
             WHERE t.id = ANY(%s::bigint[])
               AND NOT EXISTS (SELECT 1 FROM {historical._meta.db_table} h WHERE h.id = t.id)""",
        [IMPORTED, list(ids)],
    )
