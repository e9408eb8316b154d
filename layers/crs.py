"""Coordinate reference systems the portal exchanges and stores, and reprojection of shapely geometries."""

from __future__ import annotations

from functools import cache

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
    import numpy as np

    return np.column_stack(xy)
