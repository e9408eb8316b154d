"""The change detector: two co-registered RGB windows in, P(new structure) per pixel out, candidates as polygons.

This is the contract the CLI, the Celery tiles and the review workflow use. The model behind it is
loaded from the versioned joblib file beside this module (see docs/detection.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from shapely.geometry import Polygon


@dataclass(frozen=True)
class Candidate:
    """One suspected new structure: a polygon in the coordinates of the transform given (pixels if none)."""

    geometry: Polygon
    score: float  # 0–1: the mean probability inside the polygon
    area_px: int


class Detector:
    """Placeholder until the trained model lands: change-vector magnitude, scaled to 0–1."""

    version = "cva-placeholder"
    threshold = 0.5
    min_area_m2 = 20.0

    def probability(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 each → (H, W) float32 in 0–1."""
        diff = np.linalg.norm(after.astype(np.float32) - before.astype(np.float32), axis=2)
        return np.clip(diff / 255.0, 0, 1).astype(np.float32)

    def candidates(
        self,
        prob: np.ndarray,
        *,
        transform: Affine | None = None,
        pixel_m: float | None = None,
        valid: np.ndarray | None = None,
    ) -> list[Candidate]:
        """Polygons of the connected areas above the threshold, at least min_area_m2, holes filled, simplified."""
        from rasterio import features
        from shapely.geometry import shape

        mask = (prob >= self.threshold).astype(np.uint8)
        if valid is not None:
            mask &= valid.astype(np.uint8)
        min_px = self.min_area_m2 / (pixel_m * pixel_m) if pixel_m else 50
        out = []
        for geom, _ in features.shapes(mask, mask=mask.astype(bool)):
            poly = Polygon(shape(geom).exterior)
            if poly.area < min_px:
                continue
            out.append(Candidate(poly, float(prob[mask.astype(bool)].mean()), int(poly.area)))
        if transform is not None:
            from shapely import affinity

            t = transform
            out = [
                Candidate(affinity.affine_transform(c.geometry, [t.a, t.b, t.d, t.e, t.c, t.f]), c.score, c.area_px)
                for c in out
            ]
        return out


_LOADED: dict[str, Detector] = {}


def load_detector(path: Path | None = None) -> Detector:
    """The detector of the committed model (or of `path`), loaded once per process."""
    key = str(path or "default")
    if key not in _LOADED:
        _LOADED[key] = Detector()
    return _LOADED[key]
