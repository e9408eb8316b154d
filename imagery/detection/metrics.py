"""Pixel and object metrics of a predicted change mask against a labelled one.

Object level: a labelled object (a 4-connected component of the label) counts as found when some
predicted object overlaps it by IoU ≥ 0.3 or covers at least half of it; a predicted object is a true
positive when it matches some labelled object by the same rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import ndimage

IOU_MATCH = 0.3
COVER_MATCH = 0.5


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class PixelScores:
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    iou: float


@dataclass
class ObjectScores:
    labelled: int
    predicted: int
    found: int  # labelled objects matched
    true_positives: int  # predicted objects matched
    precision: float
    recall: float
    f1: float


def pixel_scores(pred: np.ndarray, label: np.ndarray) -> PixelScores:
    pred, label = pred.astype(bool), label.astype(bool)
    tp = int((pred & label).sum())
    fp = int((pred & ~label).sum())
    fn = int((~pred & label).sum())
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return PixelScores(tp, fp, fn, p, r, _f1(p, r), _ratio(tp, tp + fp + fn))


def match_objects(pred_labels: np.ndarray, n_pred: int, true_labels: np.ndarray, n_true: int) -> tuple[set, set]:
    """(matched predicted ids, found labelled ids) by the IoU ≥ 0.3 or half-covered rule."""
    both = (pred_labels > 0) & (true_labels > 0)
    if not both.any():
        return set(), set()
    pairs, inter = np.unique(pred_labels[both].astype(np.int64) * (n_true + 1) + true_labels[both], return_counts=True)
    pred_area = np.bincount(pred_labels.ravel(), minlength=n_pred + 1)
    true_area = np.bincount(true_labels.ravel(), minlength=n_true + 1)
    matched, found = set(), set()
    for key, i in zip(pairs, inter, strict=True):
        p, t = int(key // (n_true + 1)), int(key % (n_true + 1))
        iou = i / (pred_area[p] + true_area[t] - i)
        if iou >= IOU_MATCH or i >= COVER_MATCH * true_area[t]:
            matched.add(p)
            found.add(t)
    return matched, found


def object_scores(pred: np.ndarray, label: np.ndarray, min_label_px: int = 0) -> ObjectScores:
    """Object precision/recall/F1; labelled objects smaller than min_label_px are ignored (label noise)."""
    pl, npred = ndimage.label(pred.astype(bool))
    tl, ntrue = ndimage.label(label.astype(bool))
    if min_label_px and ntrue:
        sizes = np.bincount(tl.ravel(), minlength=ntrue + 1)
        small = sizes < min_label_px
        small[0] = False
        tl[small[tl]] = 0
        tl, ntrue = ndimage.label(tl > 0)
    matched, found = match_objects(pl, npred, tl, ntrue)
    p, r = _ratio(len(matched), npred), _ratio(len(found), ntrue)
    return ObjectScores(ntrue, npred, len(found), len(matched), p, r, _f1(p, r))


def score_lines(pix: PixelScores, obj: ObjectScores) -> list[str]:
    """The lines detect_changes prints last (one metric a line, machine-readable)."""
    return [
        f"pixel_precision {pix.precision:.4f}",
        f"pixel_recall {pix.recall:.4f}",
        f"pixel_f1 {pix.f1:.4f}",
        f"pixel_iou {pix.iou:.4f}",
        f"object_precision {obj.precision:.4f}",
        f"object_recall {obj.recall:.4f}",
        f"object_f1 {obj.f1:.4f}",
    ]


def as_dict(pix: PixelScores, obj: ObjectScores) -> dict:
    return {"pixel": asdict(pix), "object": asdict(obj)}
