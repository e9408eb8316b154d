"""Query and body parameters shared by the imagery, land and detection APIs, refused in both languages."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import ward_ids
from layers.crs import check_lon_lat
from layers.models import AdminUnit


def number(params: Mapping[str, Any], name: str) -> float:
    """A finite number from `params` (a request's GET or DRF's query_params)."""
    raw = params.get(name, "")
    try:
        value = float(raw) if str(raw).isascii() else math.nan
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInput(f"{name} phải là số: '{raw}'.", f"{name} must be a number: {raw!r}.", {name: raw})
    return value


def parse_bbox(raw: str) -> tuple[float, float, float, float]:
    """`west,south,east,north` in WGS 84, inside Vietnam, west < east and south < north."""
    parts = raw.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput(
            "bbox phải có dạng tây,nam,đông,bắc (độ).", "bbox must be west,south,east,north (degrees).", {"bbox": raw}
        )
    west, south, east, north = values
    check_lon_lat(west, south)
    check_lon_lat(east, north)
    if not (west < east and south < north):
        raise InvalidInput("bbox bị đảo chiều.", "bbox is inverted (need west < east, south < north).", {"bbox": raw})
    return west, south, east, north


def pick_ward(user: Any, raw: Any) -> AdminUnit:
    """The ward named by id, or the user's only ward when none is named."""
    if raw in (None, ""):
        scope = ward_ids(user) or set()
        if len(scope) == 1:
            return AdminUnit.objects.get(pk=next(iter(scope)))
        raise InvalidInput("Hãy chọn phường (ward).", "Choose the ward (ward).", code="missing_parameter")
    ward = AdminUnit.objects.wards().filter(pk=int(raw)).first() if is_whole(raw) else None
    if ward is None:
        raise InvalidInput(f"Không có phường mã {raw}.", f"No ward with id {raw}.", code="unknown_ward")
    return ward
