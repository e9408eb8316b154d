"""Which ward and khu phố a report goes to: the units in force holding its point.

A point in a gap of today's boundaries but inside a unit merged away in 2025 goes to that unit's successor (of a
split ward, the successor nearest the point), so a citizen is never told "no ward" where an old ward was.
"""

from __future__ import annotations

import math

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point

from gisportal.errors import InvalidInput
from layers.crs import VIETNAM_LAT, VIETNAM_LON
from layers.models import AdminUnit


def parse_point(lat: object, lon: object) -> Point:
    """A WGS 84 point from the citizen's lat/lon, or a 400 saying what is wrong."""
    try:
        y, x = float(str(lat)), float(str(lon))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            "Cần chọn vị trí trên bản đồ (lat, lon là số).",
            "Pick the place on the map (lat and lon must be numbers).",
            {"lat": lat, "lon": lon},
            code="bad_location",
        ) from exc
    if not (math.isfinite(x) and math.isfinite(y)):
        raise InvalidInput(
            "Vị trí phải là số hữu hạn (lat, lon).",
            "lat and lon must be finite numbers.",
            {"lat": str(lat), "lon": str(lon)},
            code="bad_location",
        )
    if not (VIETNAM_LAT[0] <= y <= VIETNAM_LAT[1] and VIETNAM_LON[0] <= x <= VIETNAM_LON[1]):
        raise InvalidInput(
            "Vị trí nằm ngoài lãnh thổ Việt Nam (kiểm tra thứ tự lat, lon).",
            "The location is outside Vietnam (check the order of lat and lon).",
            {"lat": y, "lon": x},
            code="outside_vietnam",
        )
    return Point(x, y, srid=4326)


def _in_force_successor(unit: AdminUnit | None, point: Point) -> AdminUnit | None:
    seen: set[int] = set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        if unit.valid_to is None:
            return unit
        many = unit.successors.annotate(d=Distance("boundary", point)).order_by("d", "id")
        unit = many.first() or unit.successor
    return None


def route(point: Point) -> tuple[AdminUnit, AdminUnit | None]:
    """(ward, khu phố or None) in force that hold `point`; a 400 `unroutable` when no ward does."""
    units = AdminUnit.objects.valid_on()
    ward = units.wards().filter(boundary__intersects=point).order_by("id").first()
    if ward is None:
        old = (
            AdminUnit.objects.wards()
            .filter(boundary__intersects=point, valid_to__isnull=False)
            .order_by("-valid_to", "id")
            .first()
        )
        ward = _in_force_successor(old, point) if old else None
    if ward is None:
        raise InvalidInput(
            "Điểm bạn chọn không thuộc phường, xã nào đang tiếp nhận phản ánh. Hãy chọn lại vị trí trên bản đồ,"
            " trong ranh giới phường.",
            "The point you picked is not inside any ward taking reports. Pick the place again on the map, inside a"
            " ward's boundary.",
            {"lat": point.y, "lon": point.x},
            code="unroutable",
        )
    khu_pho = (
        units.filter(level=AdminUnit.Level.KHU_PHO, parent=ward, boundary__intersects=point).order_by("id").first()
    )
    return ward, khu_pho
