"""The second stage: each candidate component judged from its own shape and probability, not pixel by pixel.

Most false alarms of the pixel model are small, ragged, lukewarm blobs (a car, a repainted patch, a tree's
shadow); a new roof is a compact, rectangular area of high probability standing out of its surroundings.
`component_features` describes every 4-connected component of a mask from the probability map alone (so
`Detector.mask(prob, valid)` keeps its signature), and a small classifier trained on the training pairs'
components (training.py) keeps or drops each one. Costs a few label passes a window: ~1 % of the probability.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

OBJECT_FEATURES: tuple[str, ...] = (
    "log_area",  # log of the area in px
    "p_mean",  # mean probability inside
    "p_max",
    "p_std",
    "p_hi",  # share of the component above 0.85
    "p_ring",  # mean probability in a 3 px ring around it
    "p_contrast",  # p_mean - p_ring
    "rect",  # area / bounding-box area (a rectangle or an L fills most of its box)
    "aspect",  # short side / long side of the bounding box
    "perim",  # boundary pixels / sqrt(area): ragged blobs score high
)
RING = 3


def component_features(mask: np.ndarray, prob: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """(labels, n, X): the 4-connected components of `mask` and one row of OBJECT_FEATURES per component."""
    labels, n = ndimage.label(mask)
    if n == 0:
        return labels, 0, np.zeros((0, len(OBJECT_FEATURES)), np.float32)
    flat = labels.ravel()
    fg = np.flatnonzero(flat)  # sums over the components' pixels only: a few % of a window
    lf = flat[fg]
    p = prob.ravel()[fg].astype(np.float64)
    area = np.bincount(lf, minlength=n + 1)[1:].astype(np.float64)
    s1 = np.bincount(lf, weights=p, minlength=n + 1)[1:]
    s2 = np.bincount(lf, weights=p * p, minlength=n + 1)[1:]
    hi = np.bincount(lf, weights=(p >= 0.85), minlength=n + 1)[1:]
    pmax = np.zeros(n + 1)
    np.maximum.at(pmax, lf, p)
    pmax = pmax[1:]
    mean = s1 / area
    std = np.sqrt(np.maximum(s2 / area - mean * mean, 0))
    # The ring: background pixels within RING px, given to the (largest-id) component they border.
    dil = ndimage.grey_dilation(labels, size=(2 * RING + 1, 2 * RING + 1))
    ring = (labels == 0) & (dil > 0)
    rl = dil[ring]
    rcount = np.bincount(rl, minlength=n + 1)[1:]
    rsum = np.bincount(rl, weights=prob[ring].astype(np.float64), minlength=n + 1)[1:]
    pring = rsum / np.maximum(rcount, 1)
    inner = ndimage.binary_erosion(mask.astype(bool), structure=ndimage.generate_binary_structure(2, 1))
    edge = mask.astype(bool) & ~inner
    perim = np.bincount(flat[np.flatnonzero(edge)], minlength=n + 1)[1:]
    box = np.zeros(n)
    aspect = np.zeros(n)
    for i, sl in enumerate(ndimage.find_objects(labels)):
        bh, bw = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        box[i] = bh * bw
        aspect[i] = min(bh, bw) / max(bh, bw)
    x = np.column_stack(
        [np.log(area), mean, pmax, std, hi / area, pring, mean - pring, area / box, aspect, perim / np.sqrt(area)]
    )
    return labels, n, x.astype(np.float32)


def keep_components(stage2: dict, mask: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """`mask` without the components the second-stage classifier scores under its cutoff."""
    labels, n, x = component_features(mask, prob)
    if n == 0:
        return mask
    score = stage2["model"].predict_proba(x)[:, 1]
    keep = np.concatenate([[False], score >= stage2["cutoff"]])
    return keep[labels]


def matched_objects(labels: np.ndarray, n: int, label: np.ndarray) -> tuple[list[list[int]], int]:
    """Per component, the labelled objects it matches (metrics' rule); and the number of labelled objects."""
    from imagery.detection.metrics import COVER_MATCH, IOU_MATCH

    tl, nt = ndimage.label(label.astype(bool))
    out: list[list[int]] = [[] for _ in range(n)]
    both = (labels > 0) & (tl > 0)
    if not both.any():
        return out, nt
    keys, inter = np.unique(labels[both].astype(np.int64) * (nt + 1) + tl[both], return_counts=True)
    pa = np.bincount(labels.ravel(), minlength=n + 1)
    ta = np.bincount(tl.ravel(), minlength=nt + 1)
    for key, i in zip(keys, inter, strict=True):
        c, t = int(key // (nt + 1)), int(key % (nt + 1))
        if i / (pa[c] + ta[t] - i) >= IOU_MATCH or i >= COVER_MATCH * ta[t]:
            out[c - 1].append(t)
    return out, nt


def best_cutoff(
    scores: np.ndarray,
    matches: list[list[tuple[int, int]]],
    n_labelled: int,
    px: np.ndarray | None = None,
    px_true: np.ndarray | None = None,
    n_true_px: int = 0,
) -> tuple[float, float]:
    """(cutoff, objective) maximising the pooled object F1 (plus the pixel F1 when `px` is given) when the
    components scored under the cutoff are dropped; cutoff 0 keeps everything.

    `matches[i]` lists the (pair, object) ids component i finds; `px[i]` is its area, `px_true[i]` how many
    of its pixels are labelled, `n_true_px` the labelled pixels in all. Both goals count: object F1 alone
    would drop large, lukewarm components that hold many labelled pixels.
    """
    is_tp = np.array([bool(m) for m in matches])
    obj_best: dict[tuple[int, int], float] = {}  # each found object: the best score of a component finding it
    for s, ms in zip(scores, matches, strict=True):
        for m in ms:
            obj_best[m] = max(obj_best.get(m, 0.0), float(s))
    ob = np.array(list(obj_best.values()))
    best = (0.0, -1.0)
    for c in np.unique(np.concatenate([[0.0], np.round(scores, 3)])):
        kept = scores >= c
        if not kept.any():
            continue
        prec = is_tp[kept].sum() / kept.sum()
        rec = (ob >= c).sum() / max(n_labelled, 1)
        value = 2 * prec * rec / max(prec + rec, 1e-9)
        if px is not None and px_true is not None:  # given together
            tp = px_true[kept].sum()
            value += 2 * tp / max(px[kept].sum() + n_true_px, 1)
        if value > best[1] + 1e-9:
            best = (float(c), float(value))
    return best
