"""Ward-defined layers in the layer registry: each definition row is served as a `registry.Layer`.

The registry asks this module's source for a name it does not hold (`registry.add_source`), at every
call: one indexed query by slug, so a definition saved on the page is in the tiles, OGC API and the
editor of every process at once, with no restart. The entry reads its rows from the shared feature
table (`t.layer_id = N`), its attributes from the JSONB `values` (`Field.expr`), and hands writes and
reads of values to `ThemeEditor` (layers/themes/editor.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from gisportal.permissions import Domain
from layers import registry
from layers.registry import Field, Layer
from layers.themes.models import ThemeFeature, ThemeLayer

# The SQL type each field type is read as (tiles, OGC filters): the JSON text cast, once per row.
_CASTS = {
    "number": "::float8",
    "date": "::date",
    "boolean": "::boolean",
    "house_number": "::bigint",
    "business": "::bigint",
}
POINT_DETAIL_MINZOOM = 15  # as the waste points': clusters below, so a z12 tile of 100,000 lamps stays small
SHAPE_DETAIL_MINZOOM = 13


def expr(field: dict) -> str:
    """The SQL reading a field from the row `t`: the name is checked by definition.FIELD_SCHEMA (a-z0-9_)."""
    return f"((t.\"values\" ->> '{field['name']}'){_CASTS.get(field['type'], '')})"


def model_field(field: dict) -> models.Field:
    """A Django field standing for a value: its type, choices and `to_python` for the generic services."""
    kind = field["type"]
    if kind == "number":
        out: models.Field = models.FloatField()
    elif kind == "date":
        out = models.DateField()
    elif kind == "boolean":
        out = models.BooleanField()
    elif kind in ("house_number", "business"):
        out = models.BigIntegerField()
    elif kind == "choice":
        choices = [(c["value"], f"{c['label']} / {c.get('label_en') or c['label']}") for c in field["choices"]]
        out = models.CharField(max_length=40, choices=choices)
    else:
        out = models.CharField(max_length=field.get("max_length") or 500)
    out.set_attributes_from_name(field["name"])
    out.verbose_name = f"{field['title']} / {field.get('title_en') or field['title']}"
    out.blank = not field.get("required")
    return out


def style(row: ThemeLayer) -> dict[str, Any]:
    """What the map draws with: a colour, a symbol, and a colour per choice value of the `by` field."""
    given = row.style or {}
    color = given.get("color", "#2563eb")
    out: dict[str, Any] = {"color": color, "radius": 5, "symbol": given.get("symbol", "circle")}
    if row.geometry_type == ThemeLayer.Geometry.POLYGON:
        out.update(fill=color, weight=1)
    if by := given.get("by"):
        field = next((f for f in row.fields if f["name"] == by), None)
        if field:
            out.update(by=by, colors={c["value"]: c.get("color", color) for c in field.get("choices", [])})
    return out


@dataclass(frozen=True)
class DefinedLayer(Layer):
    """A registry layer read from a `ThemeLayer` row."""

    definition: ThemeLayer | None = None

    @property
    def theme(self) -> ThemeLayer:
        # A dataclass field must have a default after Layer's: every DefinedLayer is made with its row.
        if self.definition is None:
            raise LookupError(f"layer {self.name}: no definition")
        return self.definition

    def rows(self) -> models.QuerySet:
        return ThemeFeature.objects.filter(layer_id=self.theme.pk)

    @property
    def fields(self) -> list[dict]:
        return self.theme.fields

    @property
    def private_fields(self) -> tuple[str, ...]:
        return tuple(f["name"] for f in self.fields if not f.get("public"))

    @property
    def geometry_type(self) -> str:
        return self.theme.geometry_type

    def model_field(self, f: Field) -> models.Field:
        return model_field(next(d for d in self.fields if d["name"] == f.name))

    def value_labels(self, f: Field) -> dict[str, list[str]]:
        """From the definition itself: a label may hold " / ", which the choices' joined labels cannot tell."""
        field = next(d for d in self.fields if d["name"] == f.name)
        return {c["value"]: [c["label"], c.get("label_en") or c["label"]] for c in field.get("choices") or []}


def entry(row: ThemeLayer) -> DefinedLayer:
    """The registry layer of a definition row."""
    from layers.themes.editor import ThemeEditor

    point = row.geometry_type == ThemeLayer.Geometry.POINT
    detail = max(row.minzoom, POINT_DETAIL_MINZOOM if point else SHAPE_DETAIL_MINZOOM)
    public = tuple(
        Field(f["name"], f["title"], f.get("title_en") or f["title"], expr=expr(f))
        for f in row.fields
        if f.get("public")
    )
    return DefinedLayer(
        name=row.slug,
        title=row.name_vi,
        title_en=row.name_en,
        model=ThemeFeature,
        public_fields=public,
        # The id is an integer from the database, never input; typed as the column, so that btree_gist takes
        # it as a condition of the (layer, geometry) index.
        public_filter=f"NOT t.is_deleted AND t.layer_id = {int(row.pk)}::bigint",
        minzoom=row.minzoom,
        detail_minzoom=detail,
        on_at_first=False,
        style=style(row),
        private_domain=Domain.FEATURES,
        edit_domain=Domain.FEATURES,
        edit_fields=("values",),
        revision=(row.pk, row.version),  # a layer removed and defined again under its name is a new one
        editor=ThemeEditor(row),
        definition=row,
    )


class _Source:
    """The registry's view of the definitions table (registry.add_source)."""

    def get(self, name: str) -> DefinedLayer | None:
        if not registry._NAME.match(name):
            return None
        row = ThemeLayer.objects.filter(slug=name).first()
        return entry(row) if row else None

    def all(self) -> list[DefinedLayer]:
        return [entry(row) for row in ThemeLayer.objects.all()]


registry.add_source(_Source())
