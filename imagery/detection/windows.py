"""Pixel windows of an acquisition pair: the tile plan of a run, and one window of both photographs as RGB.

Everything is on the earlier photograph's grid (its COG, EPSG:3857); the later one is reprojected onto it
through a WarpedVRT, so a run never holds more than one window (plus its margin) of either image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio import features
from rasterio.enums import Resampling
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window
from shapely.geometry import box
from shapely.prepared import prep

from imagery.models import Acquisition

TILE_PX = 512
MARGIN_PX = 48  # wider than the largest building expected across a tile edge at 0.3–0.5 m/px
RGB = (1, 2, 3)


@dataclass(frozen=True)
class Core:
    """A tile's own part of the grid (no margin)."""

    col_off: int
    row_off: int
    width: int
    height: int


def grid_of(acquisition: Acquisition) -> tuple[Affine, int, int]:
    """(transform, width, height) of the acquisition's COG: the grid a run's tiles are cut from."""
    with rasterio.open(acquisition.cog_path) as ds:
        return ds.transform, ds.width, ds.height


def pixel_metres(transform: Affine, lat: float) -> float:
    """Ground size of a Web Mercator pixel at this latitude."""
    return abs(transform.a) * math.cos(math.radians(lat))


def plan(transform: Affine, width: int, height: int, area_3857: shapely.Geometry, tile: int = TILE_PX) -> list[Core]:
    """The tile cores of the grid that meet the area, row by row."""
    inv = ~transform
    west, south, east, north = area_3857.bounds
    xa, ya = inv @ (west, north)
    xb, yb = inv @ (east, south)
    c0, r0 = max(0, math.floor(min(xa, xb))), max(0, math.floor(min(ya, yb)))
    c1, r1 = min(width, math.ceil(max(xa, xb))), min(height, math.ceil(max(ya, yb)))
    prepared = prep(area_3857)
    cores = []
    for row in range(r0, r1, tile):
        for col in range(c0, c1, tile):
            w, h = min(tile, c1 - col), min(tile, r1 - row)
            if prepared.intersects(core_box(transform, Core(col, row, w, h))):
                cores.append(Core(col, row, w, h))
    return cores


def core_box(transform: Affine, core: Core) -> shapely.Polygon:
    x0, y0 = transform @ (core.col_off, core.row_off)
    x1, y1 = transform @ (core.col_off + core.width, core.row_off + core.height)
    return box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def padded(core: Core, width: int, height: int, margin: int = MARGIN_PX) -> Window:
    """The core widened by the margin, inside the grid."""
    col, row = max(0, core.col_off - margin), max(0, core.row_off - margin)
    right = min(width, core.col_off + core.width + margin)
    bottom = min(height, core.row_off + core.height + margin)
    return Window(col, row, right - col, bottom - row)


def _as_uint8(data: np.ndarray, acquisition: Acquisition) -> np.ndarray:
    """(3, h, w) → (h, w, 3) uint8; 16-bit through the 2–98 % stretch measured at ingestion."""
    if data.dtype != np.uint8:
        out = np.empty(data.shape, dtype=np.uint8)
        for i, band in enumerate(data):
            low, high = acquisition.rescale[i] if i < len(acquisition.rescale) else (0, 65535)
            scaled = (band.astype(np.float32) - low) * (255.0 / max(high - low, 1))
            out[i] = np.clip(scaled, 0, 255).astype(np.uint8)
        data = out
    return np.moveaxis(data, 0, -1)


@dataclass
class PairWindow:
    before: np.ndarray  # (h, w, 3) uint8
    after: np.ndarray
    valid: np.ndarray  # (h, w) bool: both photographs have a pixel, and it is inside the run's area
    transform: Affine  # of the window, EPSG:3857


def read_pair(
    before: Acquisition, after: Acquisition, window: Window, area_3857: shapely.Geometry | None = None
) -> PairWindow:
    """One window of both photographs on the earlier one's grid (the later reprojected onto it)."""
    with rasterio.open(before.cog_path) as b:
        data_b = b.read(RGB, window=window)
        mask_b = b.dataset_mask(window=window) > 0
        transform = b.window_transform(window)
        grid = {"crs": b.crs, "transform": b.transform, "width": b.width, "height": b.height}
    with rasterio.open(after.cog_path) as a, WarpedVRT(a, resampling=Resampling.bilinear, **grid) as vrt:
        data_a = vrt.read(RGB, window=window)
        mask_a = vrt.dataset_mask(window=window) > 0
    valid = mask_b & mask_a
    if area_3857 is not None:
        shape = (int(window.height), int(window.width))
        inside = features.rasterize([(area_3857, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8")
        valid &= inside.astype(bool)
    return PairWindow(_as_uint8(data_b, before), _as_uint8(data_a, after), valid, transform)
