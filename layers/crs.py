"""Coordinate reference systems the portal exchanges and stores, and reprojection of shapely geometries."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import shapely
from pyproj import Transformer

WGS84 = 4326
UTM48N = 32648  # metric storage for distance queries; covers all of HCMC
WEB_MERCATOR = 3857
VN2000_TM3_105_45 = 9210  # VN-2000 / TM-3 105-45: old HCMC, Bình Dương
VN2000_TM3_107_45 = 5899  # VN-2000 / TM-3 107-45: former Bà Rịa–Vũng Tàu
VN2000_UTM48N = 3405


@cache
def transformer(src: int, dst: int) -> Transformer:
    """PROJ's own EPSG transformation, lon/lat order (never a hand-written +towgs84)."""
    return Transformer.from_crs(src, dst, always_xy=True)


def reproject(geom: shapely.Geometry, src: int, dst: int) -> shapely.Geometry:
    tr = transformer(src, dst)
    return shapely.transform(geom, lambda xy: _stack(tr.transform(xy[:, 0], xy[:, 1])))


def _stack(xy):
    return np.column_stack(xy)


def to_shapely(geos_geom) -> shapely.Geometry:
    """A GeoDjango (GEOS) geometry as a shapely one, through WKB."""
    return shapely.from_wkb(bytes(geos_geom.wkb))


# Vietnam's mainland and islands (Trường Sa reaches 117.8° E), generously rounded.
VIETNAM_LON = (102.0, 118.0)
VIETNAM_LAT = (6.0, 23.5)


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise InvalidInput for NaN, swapped, or outside-Vietnam WGS 84 coordinates."""
    # Imported here: gisportal.errors pulls in DRF, which the demo generator and pure helpers do not need.
    from gisportal.errors import InvalidInput

    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidInput("Tọa độ không phải là số hợp lệ.", "Coordinates must be finite numbers.")
    in_lon = VIETNAM_LON[0] <= lon <= VIETNAM_LON[1]
    in_lat = VIETNAM_LAT[0] <= lat <= VIETNAM_LAT[1]
    if in_lon and in_lat:
        return
    if VIETNAM_LON[0] <= lat <= VIETNAM_LON[1] and VIETNAM_LAT[0] <= lon <= VIETNAM_LAT[1]:
        raise InvalidInput(
            f"Vĩ độ {lat} và kinh độ {lon} có vẻ bị đảo chỗ cho nhau (TP.HCM: vĩ độ ~10.8, kinh độ ~106.7).",
            f"Latitude {lat} and longitude {lon} look swapped (HCMC is at lat ~10.8, lon ~106.7).",
            {"lat": lat, "lon": lon},
            code="swapped_coordinates",
        )
    raise InvalidInput(
        f"Tọa độ ({lat}, {lon}) nằm ngoài lãnh thổ Việt Nam.",
        f"Coordinates ({lat}, {lon}) are outside Vietnam.",
        {"lat": lat, "lon": lon},
        code="outside_vietnam",
    )
