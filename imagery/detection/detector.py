"""The change detector: two co-registered RGB windows in, P(new structure) per pixel out, candidates as polygons.

This is the contract the CLI, the Celery tiles and the review workflow use. The model behind it is
loaded from the versioned joblib file beside this module (imagery/detection/model/, see docs/detection.md):
a HistGradientBoosting classifier over the per-pixel features of features.py, its probability smoothed
over a small neighbourhood (a roof is an area, not a pixel), a threshold chosen on the training data.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from scipy import ndimage
from shapely.geometry import Polygon

from imagery.detection.features import FEATURE_NAMES, pair_features

MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL = MODEL_DIR / "detector.joblib"
DEFAULT_PIXEL_M = 0.5  # assumed for un-georeferenced pairs (LEVIR-CD, the demo's renders)
PREDICT_CHUNK = 262_144  # pixels per predict_proba call: bounds the feature matrix's copies


@dataclass(frozen=True)
class Candidate:
    """One suspected new structure: a polygon in the coordinates of the transform given (pixels if none)."""

    geometry: Polygon
    score: float  # 0–1: the mean probability inside the polygon
    area_px: int


class Detector:
    """A trained model (see training.py) behind the contract; `Detector(bundle)` from a loaded joblib dict."""

    version = "untrained"
    threshold = 0.5
    min_area_m2 = 20.0
    smooth = 5  # px: the probability's mean filter
    stride = 2  # the classifier runs on every stride-th pixel of each axis (features stay full-resolution)
    simplify_px = 1.0

    def __init__(self, bundle: dict | None = None):
        self.bundle = bundle or {}
        self.model = self.bundle.get("model")
        if bundle:
            names = tuple(bundle["features"])
            if names != FEATURE_NAMES:
                raise ValueError("The model was trained on another feature list; retrain it (train_detector).")
            self.version = bundle["version"]
            self.threshold = float(bundle["threshold"])
            self.smooth = int(bundle.get("smooth", self.smooth))
            self.stride = int(bundle.get("stride", self.stride))
            self.min_area_m2 = float(bundle.get("min_area_m2", self.min_area_m2))
        self.stage2 = self.bundle.get("stage2")  # the candidate components' classifier (objects.py), if trained

    def raw_probability(self, before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """The classifier's per-pixel P(new structure), before smoothing."""
        if self.model is None:
            raise RuntimeError("no trained model: probability() measures the change vector instead")
        model = self.model
        feats = pair_features(before, after, valid)
        h, w, k = feats.shape
        st = self.stride
        sub = feats[::st, ::st]
        sh, sw = sub.shape[:2]
        flat = np.ascontiguousarray(sub).reshape(-1, k)
        out = np.empty(sh * sw, np.float32)
        for s in range(0, sh * sw, PREDICT_CHUNK):
            out[s : s + PREDICT_CHUNK] = model.predict_proba(flat[s : s + PREDICT_CHUNK])[:, 1]
        out = out.reshape(sh, sw)
        if st > 1:  # back to full resolution (the mean filter of `probability` then smooths the steps)
            out = np.repeat(np.repeat(out, st, axis=0), st, axis=1)[:h, :w]
        return np.ascontiguousarray(out)

    def probability(self, before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """(H, W, 3) uint8 each → (H, W) float32 in 0–1."""
        if self.model is None:  # no model file: change-vector magnitude, as the placeholder did
            diff = np.linalg.norm(after.astype(np.float32) - before.astype(np.float32), axis=2)
            return np.clip(diff / 255.0, 0, 1).astype(np.float32)
        p = self.raw_probability(before, after, valid)
        if self.smooth > 1:
            p = ndimage.uniform_filter(p, self.smooth, mode="nearest")
        if valid is not None:
            p[~valid] = 0
        return p.astype(np.float32)

    def mask(self, prob: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """The post-processed change mask: threshold, opening, holes filled, components the second stage
        rejects removed (before any minimum area)."""
        m = prob >= self.threshold
        if valid is not None:
            m &= valid
        m = fill_holes(ndimage.binary_opening(m, structure=np.ones((3, 3), bool)))
        if self.stage2:
            from imagery.detection.objects import keep_components

            m = keep_components(self.stage2, m, prob)
        return m

    def min_area_px(self, pixel_m: float | None) -> float:
        px = pixel_m or DEFAULT_PIXEL_M
        return self.min_area_m2 / (px * px)

    def candidates(
        self,
        prob: np.ndarray,
        *,
        transform: Affine | None = None,
        pixel_m: float | None = None,
        valid: np.ndarray | None = None,
    ) -> list[Candidate]:
        """Polygons of the connected areas above the threshold, at least min_area_m2, holes filled, simplified."""
        return components_to_candidates(
            self.mask(prob, valid), prob, min_px=self.min_area_px(pixel_m), transform=transform
        )


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Holes filled: background components that do not reach the edge (linear time, unlike
    ndimage.binary_fill_holes, whose iterated dilation costs ~3× more on a 1,024² window)."""
    lab, n = ndimage.label(~mask)
    if n == 0:
        return mask
    outside = np.zeros(n + 1, bool)
    outside[np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))] = True
    outside[0] = True
    return mask | ~outside[lab]


def components_to_candidates(
    mask: np.ndarray,
    prob: np.ndarray,
    *,
    min_px: float,
    transform: Affine | None = None,
    keep_small: np.ndarray | None = None,
    simplify_px: float = 1.0,
) -> list[Candidate]:
    """One candidate per 4-connected component of `mask` of at least min_px pixels (or touching keep_small)."""
    from rasterio import features
    from shapely import affinity
    from shapely.geometry import shape

    labels, n = ndimage.label(mask)
    if n == 0:
        return []
    idx = np.arange(1, n + 1)
    areas = ndimage.sum_labels(np.ones_like(prob, np.float32), labels, idx)
    scores = ndimage.mean(prob, labels, idx)
    keep = areas >= min_px
    if keep_small is not None:
        touching = np.unique(labels[keep_small & (labels > 0)])
        keep[touching - 1] = True
    sel = np.where(np.concatenate([[False], keep])[labels], labels, 0).astype(np.int32)
    polys: dict[int, list[Polygon]] = {}
    for geom, value in features.shapes(sel, mask=sel > 0, connectivity=4):
        polys.setdefault(int(value), []).append(Polygon(shape(geom).exterior))
    out = []
    t = transform
    for lab in sorted(polys):
        poly = max(polys[lab], key=lambda p: p.area)
        poly = poly.simplify(simplify_px, preserve_topology=True)
        if not poly.is_valid or poly.is_empty:
            poly = poly.buffer(0)
            if poly.geom_type != "Polygon":
                poly = max(getattr(poly, "geoms", [poly]), key=lambda p: p.area)
        if t is not None:
            poly = affinity.affine_transform(poly, [t.a, t.b, t.d, t.e, t.c, t.f])
        out.append(Candidate(poly, float(scores[lab - 1]), int(areas[lab - 1])))
    return out


_LOADED: dict[str, Detector] = {}
_LOCK = threading.Lock()


def set_threads() -> None:
    """OpenMP threads of the classifier's predict: DETECTION_THREADS (default: all cores)."""
    n = os.environ.get("DETECTION_THREADS")
    if n:
        try:
            from threadpoolctl import threadpool_limits

            threadpool_limits(int(n))
        except ImportError:
            pass


def load_detector(path: Path | None = None) -> Detector:
    """The detector of the committed model (or of `path`), loaded once per process."""
    key = str(path or "default")
    with _LOCK:
        if key not in _LOADED:
            import joblib

            p = Path(path) if path else DEFAULT_MODEL
            if p.is_dir():
                p = p / "detector.joblib"
            set_threads()
            _LOADED[key] = Detector(joblib.load(p)) if p.is_file() else Detector()
        return _LOADED[key]
