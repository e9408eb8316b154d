"""Synthetic aerial scenes: one generator for the detector's training pairs and the demo ward's epochs.

Placeholder contract (the realistic renderer replaces the bodies, not the signatures).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import LineString, Point, Polygon


@dataclass
class Building:
    footprint: Polygon  # pixel coordinates (x right, y down)
    roof_rgb: tuple[int, int, int]
    height_m: float = 6.0
    first_epoch: int = 0  # exists from this epoch on
    last_epoch: int | None = None  # demolished after this epoch (None: still standing)


@dataclass
class Layout:
    """What stands where, in pixel coordinates of a width × height image at pixel_m metres per pixel."""

    width: int
    height: int
    pixel_m: float = 0.5
    buildings: list[Building] = field(default_factory=list)
    roads: list[tuple[LineString, float]] = field(default_factory=list)  # (centre line, width in metres)
    water: list[Polygon] = field(default_factory=list)
    trees: list[tuple[Point, float]] = field(default_factory=list)  # (centre, crown radius in metres)


@dataclass
class ScenePair:
    before: np.ndarray  # (H, W, 3) uint8
    after: np.ndarray
    change: np.ndarray  # (H, W) bool: pixels of structures new in `after`
    layout: Layout


def render_epoch(
    layout: Layout, epoch: int, *, seed: int, season: float = 0.0, sun_azimuth_deg: float = 135.0
) -> np.ndarray:
    """The (H, W, 3) uint8 image of `layout` as it stood at `epoch`."""
    from rasterio import features

    img = np.full((layout.height, layout.width, 3), (110, 120, 100), dtype=np.uint8)
    shapes = [
        (b.footprint, i + 1)
        for i, b in enumerate(layout.buildings)
        if b.first_epoch <= epoch and (b.last_epoch is None or epoch <= b.last_epoch)
    ]
    if shapes:
        ids = features.rasterize(shapes, out_shape=(layout.height, layout.width), fill=0, dtype="int32")
        for i, b in enumerate(layout.buildings):
            img[ids == i + 1] = b.roof_rgb
    return img


def new_structures_mask(layout: Layout, before_epoch: int, after_epoch: int) -> np.ndarray:
    """Pixels of buildings standing at after_epoch that did not stand at before_epoch."""
    from rasterio import features

    def stands(b: Building, e: int) -> bool:
        return b.first_epoch <= e and (b.last_epoch is None or e <= b.last_epoch)

    shapes = [(b.footprint, 1) for b in layout.buildings if stands(b, after_epoch) and not stands(b, before_epoch)]
    if not shapes:
        return np.zeros((layout.height, layout.width), dtype=bool)
    return features.rasterize(shapes, out_shape=(layout.height, layout.width), fill=0, dtype="uint8").astype(bool)


def synthetic_pair(seed: int, size: int = 512, pixel_m: float = 0.5) -> ScenePair:
    """A deterministic random scene pair (same seed → same pixels)."""
    rng = np.random.default_rng(seed)
    layout = Layout(size, size, pixel_m)
    for _ in range(12):
        x, y = rng.uniform(20, size - 60, 2)
        w, h = rng.uniform(15, 40, 2)
        layout.buildings.append(
            Building(
                Polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)]),
                tuple(int(v) for v in rng.integers(60, 230, 3)),
                first_epoch=int(rng.random() < 0.3),
            )
        )
    return ScenePair(
        render_epoch(layout, 0, seed=seed),
        render_epoch(layout, 1, seed=seed + 1),
        new_structures_mask(layout, 0, 1),
        layout,
    )
