"""What a save would change in a stored row: both map editors' rule that a save changing nothing makes no version.

An officer who presses Lưu without changing a field must not add a version (and a history row naming nobody's
change); nor must a desktop client that sends every property back as it was served.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.gis.geos import GEOSGeometry


def differs(stored: Any, sent: Any) -> bool:
    """Whether a value sent differs from the stored one. Geometries by their coordinates, exactly (GEOS `==` also
    compares the SRID, which a geometry parsed from GeoJSON may lack); empty text and no value alike."""
    if isinstance(stored, GEOSGeometry) and isinstance(sent, GEOSGeometry):
        return not stored.equals_exact(sent, 0)
    if stored in (None, "") and sent in (None, ""):
        return False
    return bool(stored != sent)


def changed_fields(row: Any, values: Mapping[str, Any]) -> list[str]:
    """The names in `values` whose value differs from the row's."""
    return [name for name, value in values.items() if differs(getattr(row, name), value)]
