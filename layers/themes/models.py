"""Layers a ward defines itself: one row per definition, and one shared table for every such layer's features.

A definition (`ThemeLayer`) names the layer, its geometry type, its fields (a JSON list checked against
`definition.FIELDS_SCHEMA`), which of them are public, who edits and how it is drawn. Features of every
definition live in `ThemeFeature`: a geometry (GiST-indexed with the layer's id, through btree_gist), the
values as one JSONB checked against the definition (`validation.py`), the ward and khu phố, a version and
simple-history. Why one table and not a table per layer: docs/themes.md.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GistIndex
from simple_history.models import HistoricalRecords

from gisportal.model_fields import projected_copy


class ThemeLayer(models.Model):
    """A map layer defined on a page by a ward's (or a district's) administrator, not in code."""

    class Geometry(models.TextChoices):
        POINT = "Point", "Điểm / Point"
        LINE = "LineString", "Đường / Line"
        POLYGON = "Polygon", "Vùng / Polygon"

    class Scope(models.TextChoices):
        WARD = "ward", "Theo phường / By ward"
        KHU_PHO = "khu_pho", "Theo khu phố / By khu phố"

    slug = models.SlugField(max_length=50, unique=True, help_text="The layer's name in URLs, tiles and OGC")
    name_vi = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    geometry_type = models.CharField(max_length=10, choices=Geometry.choices)
    # [{"name", "title", "title_en", "type", "required", "public", "choices": [{"value", "label", "label_en",
    #   "color"}], "past_only", "max_length"}, …]: checked by definition.FIELDS_SCHEMA and definition.check.
    fields = models.JSONField(default=list)
    editor_roles = models.JSONField(default=list, help_text="Roles that edit the features, besides admins")
    edit_scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.WARD)
    style = models.JSONField(default=dict, blank=True)
    minzoom = models.PositiveSmallIntegerField(default=12)
    # The ward whose layer it is, or the district sharing it with its wards: features lie inside it.
    owner = models.ForeignKey("layers.AdminUnit", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Each saved definition adds one: a stale save is a 409, and every SQL text rendered for the layer is
    # keyed by it (layers/registry.Layer.revision).
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name_vi} ({self.slug})"

    def scope(self) -> tuple[int | None, int | None]:
        """A ward's layer is its ward's; a district's is every ward's of it (decided in permissions)."""
        return self.owner_id, None


class ThemeFeature(models.Model):
    """A feature of a ward-defined layer: its geometry and its values, as the layer's definition says."""

    # No index of its own: the (layer, id) B-tree below serves the key, and a lone layer_id index, whose rows
    # come in layer order, tempts the planner away from the tile index (bench/tiles_themes.py: 4× slower).
    layer = models.ForeignKey(ThemeLayer, on_delete=models.PROTECT, related_name="features", db_index=False)
    values = models.JSONField(default=dict, blank=True)
    ward = models.ForeignKey("layers.AdminUnit", on_delete=models.PROTECT, related_name="+")
    khu_pho = models.ForeignKey("layers.AdminUnit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.GeometryField(srid=4326)
    geom_3857 = projected_copy(models.GeometryField, 3857)
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["geom_3857"])

    # The layer's own private fields are the definition's non-public ones, inside `values` (layers/themes/
    # map_layers.py); as a model, nothing of this row is private but them.
    private_fields: tuple[str, ...] = ()

    class Meta:
        indexes = [
            # Tiles: `layer_id = N AND geom_3857 && envelope` is one index condition (btree_gist), so one
            # layer's tile does not walk the other layers' features in the same place.
            GistIndex(fields=["layer", "geom_3857"], name="themefeature_layer_3857_gist"),
            # OGC pages are keyset-paged on id within a layer.
            models.Index(fields=["layer", "id"], name="themefeature_layer_id"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.layer_id}:{self.pk}"

    def scope(self) -> tuple[int | None, int | None]:
        return self.ward_id, self.khu_pho_id
