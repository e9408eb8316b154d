"""Per-pixel features of a before/after pair, cheap enough for ≥ 11 M pixel pairs a minute on two cores.

Everything is float32 and built from separable filters (uniform, minimum, maximum), so a feature costs
a few nanoseconds a pixel. The list, in order, is FEATURE_NAMES; the model file records it, and a model
trained on another list is refused at load time.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

# Sizes in pixels at the model's working resolution (about 0.5 m): a house is 12–40 px across.
TOPHAT = 25  # white/black top-hat: bright/dark objects narrower than ~12 m (roofs / shadows)
CONTEXT = (5, 15, 31)

FEATURE_NAMES: tuple[str, ...] = (
    "a_i",
    "a_rg",
    "a_gb",
    "a_sat",
    "b_i",
    "b_rg",
    "b_gb",
    "b_sat",
    "d_i",
    "d_rg",
    "d_gb",
    "cva",
    "cva_tol",
    "cva_tol_m5",
    "cva_tol_m15",
    "cva_tol_m31",
    "a_std5",
    "b_std5",
    "d_std5",
    "a_wth",
    "b_wth",
    "d_wth_m5",
    "a_bth",
    "b_bth",
    "a_grad",
    "b_grad",
    "d_i_m15",
    "b_exg_m5",
)


def normalise(before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """`after` with each band's mean and standard deviation matched to `before`'s (over valid pixels).

    Different flights differ in exposure, haze and white balance; matching the first two moments per
    band removes most of it at the cost of two passes, where histogram matching would need a sort.
    """
    a = before.astype(np.float32)
    b = after.astype(np.float32)
    sel = (slice(None, None, 4), slice(None, None, 4))  # a quarter-resolution sample is enough for moments
    av, bv = a[sel], b[sel]
    if valid is not None:
        v = valid[sel]
        if v.sum() > 100:
            av, bv = av[v], bv[v]
    av = av.reshape(-1, 3)
    bv = bv.reshape(-1, 3)
    ma, sa = av.mean(0), av.std(0) + 1e-3
    mb, sb = bv.mean(0), bv.std(0) + 1e-3
    return ((b - mb) * (sa / sb) + ma).astype(np.float32)


def _opp(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r, g, b = x[..., 0], x[..., 1], x[..., 2]
    i = (r + g + b) * np.float32(1 / 3)
    sat = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    return i, r - g, g - b, sat


def _mean(x: np.ndarray, size: int) -> np.ndarray:
    return ndimage.uniform_filter(x, size=size, mode="nearest")


def _std(x: np.ndarray, size: int) -> np.ndarray:
    m = _mean(x, size)
    return np.sqrt(np.maximum(_mean(x * x, size) - m * m, 0))


def _tolerant_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """min over shifts of ±1 px of Σ|a − b(shifted)|: a difference that a pixel of misregistration cannot fake."""
    h, w, _ = a.shape
    bp = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="edge")
    out: np.ndarray | None = None
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            d = np.abs(a - bp[dy : dy + h, dx : dx + w]).sum(axis=2)
            out = d if out is None else np.minimum(out, d, out=out)
    assert out is not None  # nine shifts were taken
    return out


def pair_features(before: np.ndarray, after: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """(H, W, 3) uint8 each → (H, W, len(FEATURE_NAMES)) float32."""
    a = before.astype(np.float32)
    b = normalise(before, after, valid)
    ai, arg, agb, asat = _opp(a)
    bi, brg, bgb, bsat = _opp(b)
    cva = np.sqrt(((a - b) ** 2).sum(axis=2))
    tol = _tolerant_diff(a, b)
    a_std, b_std = _std(ai, 5), _std(bi, 5)

    def wth(x: np.ndarray) -> np.ndarray:
        return x - ndimage.maximum_filter(ndimage.minimum_filter(x, TOPHAT), TOPHAT)

    def bth(x: np.ndarray) -> np.ndarray:
        return ndimage.minimum_filter(ndimage.maximum_filter(x, TOPHAT), TOPHAT) - x

    def grad(x: np.ndarray) -> np.ndarray:
        s = _mean(x, 3)
        gy = np.empty_like(s)
        gx = np.empty_like(s)
        gy[1:-1] = s[2:] - s[:-2]
        gy[0] = gy[-1] = 0
        gx[:, 1:-1] = s[:, 2:] - s[:, :-2]
        gx[:, 0] = gx[:, -1] = 0
        return np.abs(gx) + np.abs(gy)

    a_wth, b_wth = wth(ai), wth(bi)
    exg = 2 * b[..., 1] - b[..., 0] - b[..., 2]
    cols = [
        ai,
        arg,
        agb,
        asat,
        bi,
        brg,
        bgb,
        bsat,
        bi - ai,
        brg - arg,
        bgb - agb,
        cva,
        tol,
        _mean(tol, CONTEXT[0]),
        _mean(tol, CONTEXT[1]),
        _mean(tol, CONTEXT[2]),
        a_std,
        b_std,
        b_std - a_std,
        a_wth,
        b_wth,
        _mean(b_wth - a_wth, 5),
        bth(ai),
        bth(bi),
        grad(ai),
        grad(bi),
        _mean(bi - ai, CONTEXT[1]),
        _mean(exg, 5),
    ]
    out = np.empty(a.shape[:2] + (len(cols),), np.float32)
    for k, c in enumerate(cols):
        out[..., k] = c
    return out
