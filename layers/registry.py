"""The layer registry: what each map layer is, what of it is public, who edits it, how it is drawn.

Each app declares its layers in `<app>/map_layers.py` with `register(Layer(...))`. The generic
services (vector tiles in `layers/tiles/mvt.py`, OGC API Features next) read only this registry,
so a new layer is one declaration here, never a copy of those services.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, TypeVar

from django.contrib.gis.db import models
from django.core.exceptions import FieldDoesNotExist
from django.utils.module_loading import autodiscover_modules

from gisportal.permissions import Domain

# Attribute names the tile SQL itself writes: a field may not take them.
RESERVED = {"fid", "id", "geom", "count"}
MAX_ZOOM = 22
_F = TypeVar("_F", bound=models.Field)
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@dataclass(frozen=True)
class Field:
    """A public attribute of a layer's features: a column of its table, or of the row a foreign key points to."""

    name: str  # the attribute's name in tiles and feature properties
    title: str  # Vietnamese label
    title_en: str
    column: str = ""  # model field to read; the attribute's name when empty
    via: str = ""  # a ForeignKey of the layer's model: `column` is then read from the row it points to
    # An SQL expression over the row `t` instead of a column (a database-defined layer's JSONB member,
    # layers/themes); written by code from checked names, never from input.
    expr: str = ""

    @property
    def source(self) -> str:
        return self.column or self.name


@dataclass(frozen=True)
class Layer:
    """One map layer and everything the generic services need to know about it."""

    name: str  # slug: URLs, the MVT layer name, the catalog key
    title: str
    title_en: str
    model: type[models.Model]
    public_fields: tuple[Field, ...]
    # SQL over the layer's table aliased `t`: the rows the public may see (written in code, never from input).
    public_filter: str = "TRUE"
    geom_field: str = "geom"  # EPSG:4326, what the APIs exchange
    tile_geom_field: str = "geom_3857"  # stored EPSG:3857 copy with its own GiST index: tiles read it as is
    # A point layer's B-tree index on `portal_tile_key(tile_geom_field) INCLUDE (tile_geom_field)`, partial on
    # `public_filter` (as businesses/migrations/0011): cluster tiles then count from a range of it alone.
    cluster_index: str = ""
    # A point layer's table of sums per z17 tile (`cell` = the tile key >> 28, `n`, `sx`, `sy`: as
    # businesses/migrations/0017), kept by trigger over `public_filter`: cluster tiles to z13 read it.
    cluster_cells: str = ""
    minzoom: int = 0  # no tile content below
    detail_minzoom: int = 14  # individual features from here; clusters with a count below
    maxzoom: int = MAX_ZOOM
    style: dict[str, Any] = field(default_factory=dict)  # for the front end: color, radius
    private_domain: Domain = Domain.FEATURES  # who reads `private_fields` (through the detail APIs, never tiles)
    edit_domain: Domain | None = Domain.FEATURES  # None: nobody edits it through the portal
    public: bool = True  # listed in /tiles/ and served to everyone
    # Drawn when the home map opens; a ward's own theme layers are listed but left for the reader to turn on.
    on_at_first: bool = True
    # Model fields the generic editor and OGC API Features Part 4 write (layers/editing.py). Empty: the
    # layer is read-only there (businesses keep their own editor, with the registration-number rules).
    # An editable model has `ward`, `khu_pho`, `version`, `is_deleted` and simple-history.
    edit_fields: tuple[str, ...] = ()
    # Database-defined layers (layers/themes): the definition's (id, version), part of the key of every SQL text
    # rendered once per layer, so a changed definition is served at once; and the object the generic editor
    # hands their values, reads, history and edit rights to (None: the model's own fields, as above).
    revision: Hashable = 0
    editor: Any = None

    def rows(self) -> models.QuerySet:
        """The layer's features (a database-defined layer shares its table with the others)."""
        return self.model.objects.all()  # type: ignore[attr-defined]  # every layer model keeps `objects`

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def id_column(self) -> str:
        return column(self.model, self.model._meta.pk.name)

    def column(self, name: str) -> str:
        """The database column of one of the model's own fields."""
        return column(self.model, name)

    @property
    def private_fields(self) -> tuple[str, ...]:
        """The model's own declaration, read by serialisers and the role × endpoint test too."""
        return tuple(getattr(self.model, "private_fields", ()))

    @property
    def geometry_type(self) -> str:
        """The OGC/GeoJSON geometry type of `geom_field`: "Point", "Polygon", "MultiPolygon", …"""
        geo = concrete_field(self.model, self.geom_field)
        return geo.geom_class.__name__  # type: ignore[attr-defined]  # _check: a geometry field

    @property
    def is_point(self) -> bool:
        return self.geometry_type == "Point"

    @property
    def editable(self) -> bool:
        return bool(self.edit_fields) and self.edit_domain is not None

    def model_field(self, f: Field) -> models.Field:
        """The Django field behind an attribute (on the related model for `via` fields)."""
        if f.via:
            return concrete_field(foreign_key(self.model, f.via).related_model, f.source)
        return concrete_field(self.model, f.source)

    def field_column(self, f: Field) -> str:
        """The column of a public attribute, on the layer's table or on the row its `via` key points to."""
        found = self.model_field(f).column
        if found is None:
            raise FieldDoesNotExist(f"layer {self.name}: {f.source} has no column")
        return found

    def value_labels(self, f: Field) -> dict[str, list[str]]:
        """A coded attribute's labels per stored value, Vietnamese and English, from its model field's choices
        ("Đang hoạt động / Active"): {"active": ["Đang hoạt động", "Active"]}. Empty for free text and numbers."""
        labels = {}
        for value, label in self.model_field(f).choices or ():
            vi, _, en = str(label).partition(" / ")
            labels[str(value)] = [vi, en or vi]
        return labels

    def field_types(self) -> dict[str, str]:
        """Attribute → TileJSON type name ("String", "Number", "Boolean"), `id` first."""
        types = {"id": "Number"}
        for f in self.public_fields:
            types[f.name] = type_name(self.model_field(f))
        return types


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """A field of the model's own table, never a reverse relation (those have no column to read or write)."""
    return _field_of(model, name, models.Field, "a reverse relation, not a column")


def column(model: type[models.Model], name: str) -> str:
    """The database column of one of the model's own fields."""
    found = concrete_field(model, name).column
    if found is None:
        raise FieldDoesNotExist(f"{model.__name__}.{name} has no column")
    return found


def foreign_key(model: type[models.Model], name: str) -> models.ForeignKey:
    """A foreign key of the model, by field name."""
    return _field_of(model, name, models.ForeignKey, "not a foreign key")


def _field_of(model: type[models.Model], name: str, kind: type[_F], refusal: str) -> _F:
    # `_meta.get_field` answers reverse relations too: the stubs' Field | ForeignObjectRel, narrowed here once.
    found = model._meta.get_field(name)
    if not isinstance(found, kind):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is {refusal}")
    return found


def type_name(model_field: models.Field) -> str:
    """The TileJSON type name of a model field: "Number", "Boolean" or "String"."""
    if isinstance(model_field, models.BooleanField):
        return "Boolean"
    if isinstance(model_field, (models.IntegerField, models.FloatField, models.DecimalField, models.AutoField)):
        return "Number"
    return "String"


def _check(layer: Layer) -> None:
    """Refuse a declaration that would leak a private field, name a missing column or break the SQL."""
    meta = layer.model._meta
    if not _NAME.match(layer.name):
        raise ValueError(f"layer name {layer.name!r}: lowercase letters, digits and _ only")
    if not 0 <= layer.minzoom <= layer.detail_minzoom <= layer.maxzoom <= MAX_ZOOM:
        raise ValueError(f"layer {layer.name}: zooms must satisfy 0 ≤ minzoom ≤ detail_minzoom ≤ maxzoom ≤ 22")
    for name, srid in ((layer.geom_field, 4326), (layer.tile_geom_field, 3857)):
        geo = meta.get_field(name)
        geo = getattr(geo, "output_field", geo)  # a GeneratedField carries its type in output_field
        if getattr(geo, "srid", None) != srid:
            raise ValueError(f"layer {layer.name}: {name} must be a geometry in EPSG:{srid}")
    if (layer.cluster_index or layer.cluster_cells) and not layer.is_point:
        raise ValueError(f"layer {layer.name}: cluster_index and cluster_cells are for point layers (one key per row)")
    for name in layer.private_fields:
        meta.get_field(name)
    seen = set()
    for f in layer.public_fields:
        if f.name in RESERVED or f.name in seen or not _NAME.match(f.name):
            raise ValueError(f"layer {layer.name}: attribute name {f.name!r} is reserved, repeated or malformed")
        seen.add(f.name)
        if f.via:
            fk = meta.get_field(f.via)
            if not isinstance(fk, models.ForeignKey):
                raise ValueError(f"layer {layer.name}: {f.via} is not a foreign key")
            private = getattr(fk.related_model, "private_fields", ())
        else:
            private = layer.private_fields
        layer.model_field(f)  # raises FieldDoesNotExist on a typo
        if f.source in private:
            raise ValueError(f"layer {layer.name}: {f.source} is private and can never be a public attribute")
    if layer.edit_fields:
        for name in ("ward", "khu_pho", "version", "is_deleted", "history"):
            if not hasattr(layer.model, name):
                raise ValueError(f"layer {layer.name}: an editable model needs {name}")
        for name in layer.edit_fields:
            mf = concrete_field(layer.model, name)
            if mf.primary_key or isinstance(mf, models.GeneratedField) or not mf.editable or mf.is_relation:
                raise ValueError(f"layer {layer.name}: {name} cannot be an edit field")
            if name in (layer.geom_field, "ward", "khu_pho", "version", "is_deleted"):
                raise ValueError(f"layer {layer.name}: {name} is managed by the editor itself")
    # The filter is pasted into SQL run with named parameters: a literal % would be read as one.
    if "%" in layer.public_filter or ";" in layer.public_filter:
        raise ValueError(f"layer {layer.name}: public_filter may not contain % or ;")


_layers: dict[str, Layer] = {}
_lock = threading.RLock()  # re-entered by register() while discovery imports a `map_layers` module
_discovered = False
# Layers defined in the database rather than in code (a ward's own layers, layers/themes): each source
# answers `get(name)` and `all()` from the database at every call, so a definition saved in one process
# is served by every other at once, without a restart. Imported by `_discover`, like the `map_layers`.
SOURCE_MODULES = ("layers.themes.map_layers",)
_sources: list[Any] = []


def add_source(source: Any) -> None:
    """Add a source of database-defined layers: an object with `get(name) -> Layer | None` and `all()`."""
    with _lock:
        if source not in _sources:
            _sources.append(source)


def is_registered(name: str) -> bool:
    """Whether a layer of that name is declared in code (a database-defined layer may not take its name)."""
    _discover()
    return name in _layers


def register(layer: Layer) -> Layer:
    """Add a layer, after checking its declaration; a name can be registered once."""
    _check(layer)
    with _lock:
        if layer.name in _layers:
            raise ValueError(f"layer {layer.name!r} is already registered")
        _layers[layer.name] = layer
    return layer


def _discover() -> None:
    """Import every installed app's `map_layers` module once, as Django's admin finds `admin` modules."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if not _discovered:
            autodiscover_modules("map_layers")
            for module in SOURCE_MODULES:
                import_module(module)
            _discovered = True


def get(name: str) -> Layer | None:
    """The layer of that name, or None."""
    _discover()
    found = _layers.get(name)
    for source in _sources:
        if found is not None:
            break
        found = source.get(name)
    return found


def known(name: str) -> Layer:
    """The layer of a name the caller has already found registered."""
    found = get(name)
    if found is None:
        raise LookupError(f"no layer {name!r}")
    return found


def builtin_layers() -> list[Layer]:
    """The layers the portal's code declares, without those wards define in the database."""
    _discover()
    return sorted(_layers.values(), key=lambda layer: layer.name)


def all_layers() -> list[Layer]:
    _discover()
    layers = dict(_layers)
    for source in _sources:
        for layer in source.all():
            layers.setdefault(layer.name, layer)
    return sorted(layers.values(), key=lambda layer: layer.name)


def public_layers() -> list[Layer]:
    """Layers served to everyone (tiles catalog, OGC collections), by name."""
    return [layer for layer in all_layers() if layer.public]
