"""The naive baseline every figure is printed beside: change-vector magnitude, thresholded by Otsu."""

from __future__ import annotations

import numpy as np
from skimage.filters import threshold_otsu


def cva_magnitude(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """|after − before| over RGB, float32 (no normalisation: the baseline is deliberately naive)."""
    d = after.astype(np.float32) - before.astype(np.float32)
    return np.sqrt((d * d).sum(axis=2))


def cva_otsu(before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(change mask, magnitude scaled to 0–1) of the baseline."""
    mag = cva_magnitude(before, after)
    vals = mag[valid] if valid is not None else mag
    t = threshold_otsu(vals) if vals.size and vals.max() > vals.min() else np.inf
    mask = mag > t
    if valid is not None:
        mask &= valid
    return mask, np.clip(mag / 441.7, 0, 1).astype(np.float32)
