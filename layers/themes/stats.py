"""Counts of a ward-defined layer's features by any choice (or yes/no) field, per ward: one GROUP BY in SQL.

A public field is counted for everyone over the public features; a private one only for officers who read
the features domain, over the features of their own area (as `scope_private` narrows their lists).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from gisportal.errors import InvalidInput
from gisportal.permissions import Domain, role_of, scope_private, sees_domain
from layers.themes.models import ThemeFeature, ThemeLayer

COUNTABLE = ("choice", "boolean")


def counts(row: ThemeLayer, by: str, user: Any) -> dict:
    """{"field", "total", "values": [{"value", "label", "label_en", "count"}], "wards": [{"ward", "count"}]}."""
    field = next((f for f in row.fields if f["name"] == by and f["type"] in COUNTABLE), None)
    if field is None or (not field.get("public") and not sees_domain(user, Domain.FEATURES)):
        names = [f["name"] for f in row.fields if f["type"] in COUNTABLE and (f.get("public") or sees_domain(user))]
        raise InvalidInput(
            f"Không thống kê được theo '{by}': chọn một trường danh sách chọn hoặc có/không ({', '.join(names)}).",
            f"Cannot count by {by!r}: choose a choice or yes/no field ({', '.join(names)}).",
            {"by": by, "fields": names},
            code="bad_stats_field",
        )
    qs = ThemeFeature.objects.filter(layer=row, is_deleted=False)
    if not field.get("public"):
        qs = scope_private(qs, user, Domain.FEATURES)
    ids_sql, ids_params = qs.values("id").query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT t."values" ->> %s AS v, t.ward_id, count(*) FROM layers_themefeature t
                 WHERE t.id IN ({ids_sql}) GROUP BY 1, 2""",
            [by, *ids_params],
        )
        rows = cur.fetchall()
    labels = {c["value"]: (c["label"], c.get("label_en") or c["label"]) for c in field.get("choices", [])}
    if field["type"] == "boolean":
        labels = {"true": ("Có", "Yes"), "false": ("Không", "No")}
    by_value: dict[str | None, int] = {}
    by_ward: dict[int, int] = {}
    for value, ward, n in rows:
        by_value[value] = by_value.get(value, 0) + n
        by_ward[ward] = by_ward.get(ward, 0) + n
    values = [
        {"value": value, "label": vi, "label_en": en, "count": by_value.get(value, 0)}
        for value, (vi, en) in labels.items()
    ]
    if None in by_value:
        values.append({"value": None, "label": "Chưa ghi", "label_en": "Not recorded", "count": by_value[None]})
    return {
        "layer": row.slug,
        "field": by,
        "total": sum(by_value.values()),
        "values": values,
        "wards": [{"ward": ward, "count": n} for ward, n in sorted(by_ward.items())],
        "role": role_of(user),
    }
