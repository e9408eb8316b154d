"""The geometry of an edited feature (layers/editing.py): read from GeoJSON, checked to lie in Vietnam, of the
layer's type and valid (repaired with ST_MakeValid only when the officer agreed), and placed in its ward."""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

from gisportal.errors import InvalidInput
from layers.crs import VIETNAM_LAT, VIETNAM_LON, check_lon_lat
from layers.models import AdminUnit
from layers.registry import Layer


def parse_geojson(raw: Any) -> shapely.Geometry:
    """A GeoJSON geometry object (dict or text) as shapely, or a 400."""
    if raw is None:
        raise InvalidInput("Thiếu hình học (geometry).", "The geometry is missing.", code="missing_geometry")
    try:
        return shapely.from_geojson(raw if isinstance(raw, str) else json.dumps(raw))
    except (shapely.errors.GEOSException, TypeError, ValueError) as exc:
        raise InvalidInput(
            "Hình học không đọc được (cần GeoJSON theo WGS 84).",
            "The geometry cannot be read (GeoJSON in WGS 84 expected).",
            {"reason": str(exc)},
            code="bad_geometry",
        ) from exc


def check_extent(geom: shapely.Geometry) -> None:
    """Every vertex finite and inside Vietnam; a swapped pair says so (crs.check_lon_lat)."""
    xy = shapely.get_coordinates(geom)
    if not len(xy):
        raise InvalidInput("Hình học rỗng.", "The geometry is empty.", code="empty_geometry")
    if not all(math.isfinite(v) for v in xy.flat):
        raise InvalidInput("Tọa độ không phải là số hợp lệ.", "Coordinates must be finite numbers.")
    check_lon_lat(float(xy[0, 0]), float(xy[0, 1]))
    west, south = xy.min(axis=0)
    east, north = xy.max(axis=0)
    if west < VIETNAM_LON[0] or east > VIETNAM_LON[1] or south < VIETNAM_LAT[0] or north > VIETNAM_LAT[1]:
        raise InvalidInput(
            "Có điểm của hình học nằm ngoài lãnh thổ Việt Nam.",
            "Part of the geometry lies outside Vietnam.",
            {"bbox": [float(west), float(south), float(east), float(north)]},
            code="outside_vietnam",
        )


def clean_geometry(layer: Layer, geom: shapely.Geometry, *, repair: bool = False) -> GEOSGeometry:
    """The geometry as the layer stores it (2D, its type, valid), or a 400 saying what is wrong."""
    geom = shapely.force_2d(geom)
    want = layer.geometry_type
    if geom.geom_type == f"Multi{want}" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type != want:
        raise InvalidInput(
            f"Lớp này cần hình học kiểu {want}, không phải {geom.geom_type}.",
            f"This layer needs a {want} geometry, not a {geom.geom_type}.",
            {"expected": want, "got": geom.geom_type},
            code="wrong_geometry_type",
        )
    check_extent(geom)
    if not geom.is_valid:
        reason = shapely.is_valid_reason(geom)
        if not repair:
            raise InvalidInput(
                f"Hình học không hợp lệ ({reason}). Có thể sửa tự động (ST_MakeValid) nếu bạn đồng ý.",
                f"The geometry is invalid ({reason}). It can be repaired (ST_MakeValid) if you agree.",
                {"reason": reason, "repairable": True},
                code="invalid_geometry",
            )
        geom = make_valid(geom, want)
    return GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)


def make_valid(geom: shapely.Geometry, want: str) -> shapely.Geometry:
    """PostGIS's ST_MakeValid, keeping the parts of the layer's dimension; refused if it splits the feature."""
    dim = {"Point": 1, "LineString": 2, "Polygon": 3}[want.removeprefix("Multi")]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT ST_AsBinary(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB(%s, 4326)), %s))",
            [shapely.to_wkb(geom), dim],
        )
        fixed = shapely.from_wkb(bytes(cur.fetchone()[0]))
    parts = list(getattr(fixed, "geoms", [fixed]))
    parts = [p for p in parts if not p.is_empty]
    if len(parts) != 1:
        raise InvalidInput(
            f"Sửa hình học cho ra {len(parts)} phần, không phải một {want}: hãy vẽ lại.",
            f"Repairing the geometry gives {len(parts)} parts, not one {want}: please redraw it.",
            {"parts": len(parts)},
            code="unrepairable_geometry",
        )
    return parts[0]


def locate(geom: GEOSGeometry) -> tuple[AdminUnit, AdminUnit | None]:
    """The ward in force (and its khu phố) holding the geometry's point on surface."""
    point = geom.point_on_surface
    units = AdminUnit.objects.valid_on()
    ward = units.wards().filter(boundary__intersects=point).order_by("id").first()
    if ward is None:
        raise InvalidInput(
            "Vị trí không nằm trong phường, xã nào đang có hiệu lực.",
            "The location is not inside any ward or commune in force.",
            {"lon": point.x, "lat": point.y},
            code="outside_wards",
        )
    khu_pho = units.filter(level=AdminUnit.Level.KHU_PHO, parent=ward, boundary__intersects=point).first()
    return ward, khu_pho
