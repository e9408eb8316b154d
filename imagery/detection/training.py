"""Training the detector: balanced pixel samples → HistGradientBoosting → a threshold chosen on the training pairs.

Bit for bit: the synthetic seeds, the file order (sorted), the samplers' seeds and the classifier's
random_state are fixed, early stopping is off, and the manifest holds no clock time; so the same inputs
give the same detector.joblib (checked by tests/imagery/detection/test_model.py and by training twice).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from imagery.detection.features import FEATURE_NAMES, pair_features
from imagery.detection.metrics import object_scores, pixel_scores

SYNTHETIC_SEED0 = 10_000  # training scenes are seeds 10000, 10001, …
HELD_OUT_SEED0 = 900_000  # evaluation scenes: never trained on
SCHEMA = 1


@dataclass
class TrainConfig:
    synthetic: int = 60
    synthetic_size: int = 512
    synthetic_pos: int = 1500  # pixels sampled a synthetic pair, per class (negatives: twice)
    real_pos: int = 6000  # per real / reviewed pair
    hard_share: float = 0.5  # of negatives drawn from pixels that changed (top 20 % of the tolerant difference)
    max_iter: int = 60
    max_leaf_nodes: int = 31
    learning_rate: float = 0.1
    l2_regularization: float = 1.0
    smooth: int = 5
    stride: int = 2
    min_area_m2: float = 20.0
    calib_synthetic: int = 8  # synthetic pairs (besides every real one) the threshold is chosen on
    stage2: bool = True  # the second-stage classifier on candidate components (objects.py)
    stage2_iter: int = 80
    stage2_leaves: int = 8
    held_out: int = 10
    seed: int = 0


@dataclass
class Source:
    """One labelled pair as the trainer sees it (made lazily: synthetic pairs are rendered when needed)."""

    name: str
    kind: str  # synthetic / real / review
    load: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]]
    files: list[dict] = field(default_factory=list)


def synthetic_sources(n: int, size: int, seed0: int = SYNTHETIC_SEED0) -> list[Source]:
    from imagery.detection.scenes import synthetic_pair

    def make(seed: int):
        def load():
            p = synthetic_pair(seed, size=size)
            return p.before, p.after, p.change, None

        return load

    return [Source(f"synthetic/{seed}", "synthetic", make(seed)) for seed in range(seed0, seed0 + n)]


def folder_sources(folders: Iterable[Path]) -> list[Source]:
    from imagery.detection.datasets import load_pair, pair_files, sha256

    out = []
    for folder in folders:
        for files in pair_files(Path(folder)):

            def load(files=files):
                p = load_pair(*files)
                return p.before, p.after, p.label, None

            a = files[0]
            meta = [{"path": f"{f.parent.parent.name}/{f.parent.name}/{f.name}", "sha256": sha256(f)} for f in files]
            out.append(Source(f"{a.parent.parent.name}/{a.name}", "real", load, meta))
    return out


def review_sources() -> list[Source]:
    from imagery.detection.review_samples import reviewed_samples

    out = []
    for i, (before, after, label) in enumerate(reviewed_samples()):
        digest = hashlib.sha256(before.tobytes() + after.tobytes() + label.tobytes()).hexdigest()

        def load(b=before, a=after, lab=label):
            return b, a, lab.astype(bool), None

        out.append(Source(f"review/{i}", "review", load, [{"path": f"review/{i}", "sha256": digest}]))
    return out


def sample_pixels(
    feats: np.ndarray, label: np.ndarray, valid: np.ndarray | None, n_pos: int, cfg: TrainConfig, rng
) -> tuple[np.ndarray, np.ndarray]:
    """Balanced samples: up to n_pos positives, 2×n_pos negatives, half of them where something changed."""
    k = feats.shape[-1]
    flat = feats.reshape(-1, k)
    lab = label.ravel()
    ok = valid.ravel() if valid is not None else np.ones_like(lab)
    pos = np.flatnonzero(lab & ok)
    neg = np.flatnonzero(~lab & ok)
    pos = rng.choice(pos, min(n_pos, pos.size), replace=False) if pos.size else pos
    n_neg = min(2 * max(n_pos, 1), neg.size)
    n_hard = int(n_neg * cfg.hard_share)
    tol = flat[neg, FEATURE_NAMES.index("cva_tol_m5")]
    hard_pool = neg[tol >= np.quantile(tol, 0.8)] if neg.size else neg
    hard = rng.choice(hard_pool, min(n_hard, hard_pool.size), replace=False) if hard_pool.size else hard_pool
    easy = rng.choice(neg, n_neg - hard.size, replace=False) if neg.size else neg
    idx = np.sort(np.concatenate([pos, hard, easy]))
    return flat[idx].copy(), lab[idx].astype(np.uint8)


def collect(sources: list[Source], cfg: TrainConfig, log: Callable[[str], None] = print) -> dict[str, tuple]:
    """name → (X, y) of each source (features computed once; the leave-one-out folds reuse them)."""
    out = {}
    for i, src in enumerate(sources):
        before, after, label, valid = src.load()
        rng = np.random.default_rng([cfg.seed, i, len(src.name)])
        n_pos = cfg.synthetic_pos if src.kind == "synthetic" else cfg.real_pos
        out[src.name] = sample_pixels(pair_features(before, after, valid), label, valid, n_pos, cfg, rng)
        if (i + 1) % 20 == 0:
            log(f"  features of {i + 1}/{len(sources)} pairs")
    return out


def fit(samples: dict[str, tuple], names: list[str], cfg: TrainConfig):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = np.concatenate([samples[n][0] for n in names])
    y = np.concatenate([samples[n][1] for n in names])
    clf = HistGradientBoostingClassifier(
        max_iter=cfg.max_iter,
        max_leaf_nodes=cfg.max_leaf_nodes,
        learning_rate=cfg.learning_rate,
        l2_regularization=cfg.l2_regularization,
        early_stopping=False,
        random_state=cfg.seed,
    )
    clf.fit(X, y)
    return clf, int(y.sum()), int(y.size - y.sum())


THRESHOLD_BINS = 200


def choose_threshold(detector, probs: list[tuple]) -> tuple[float, dict]:
    """The threshold of the best pixel F1 over all calibration pixels (of the smoothed probability).

    `probs` holds (prob, label, valid) per calibration pair. From histograms of the probability on changed
    and unchanged pixels: one pass, whatever the number of thresholds tried (the opening and hole filling
    that follow change few pixels).
    """
    pos = np.zeros(THRESHOLD_BINS, np.int64)
    neg = np.zeros(THRESHOLD_BINS, np.int64)
    for prob, label, valid in probs:
        b = np.clip((prob * THRESHOLD_BINS).astype(np.int64), 0, THRESHOLD_BINS - 1)
        v = np.ones_like(label) if valid is None else valid
        pos += np.bincount(b[label & v], minlength=THRESHOLD_BINS)
        neg += np.bincount(b[~label & v], minlength=THRESHOLD_BINS)
    tp = np.cumsum(pos[::-1])[::-1]  # predicted positive at threshold k / BINS: bins k and above
    fp = np.cumsum(neg[::-1])[::-1]
    fn = pos.sum() - tp
    f1 = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    f1[: THRESHOLD_BINS // 10] = 0  # never below 0.1
    best = int(np.argmax(f1))
    detector.threshold = best / THRESHOLD_BINS
    return detector.threshold, {"calibration_pixel_f1": round(float(f1[best]), 4)}


def fit_stage2(detector, probs: list[tuple], cfg: TrainConfig) -> tuple[dict | None, dict]:
    """The second-stage classifier on the calibration pairs' candidate components, and its cutoff.

    A component is positive when it matches a labelled object (metrics' rule). The cutoff maximises the
    pooled object F1 + pixel F1 of out-of-fold scores (folds by pair), so it is not chosen on the scores of the very
    components the classifier learnt; the final classifier is then fitted on all components.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold

    from imagery.detection.objects import component_features, matched_objects

    xs, ys, groups, matches, px, px_true = [], [], [], [], [], []
    n_labelled = n_true_px = 0
    min_px = detector.min_area_px(None)
    for k, (prob, label, valid) in enumerate(probs):
        labels, n, x = component_features(detector.mask(prob, valid), prob)
        found, nt = matched_objects(labels, n, label)
        n_labelled += nt
        lab_in = label if valid is None else label & valid
        n_true_px += int(lab_in.sum())
        area = np.bincount(labels.ravel(), minlength=n + 1)[1:]
        inside = np.bincount(labels[lab_in], minlength=n + 1)[1:]
        big = area >= min_px  # what the minimum area removes anyway is not learnt
        px.append(area[big])
        px_true.append(inside[big])
        xs.append(x[big])
        ys += [bool(found[i]) for i in np.flatnonzero(big)]
        matches += [[(k, t) for t in found[i]] for i in np.flatnonzero(big)]
        groups += [k] * int(big.sum())
    y = np.array(ys)
    if not cfg.stage2 or y.size < 20 or y.all() or not y.any() or len(set(groups)) < 3:
        return None, {}
    x = np.concatenate(xs)

    def model():
        return HistGradientBoostingClassifier(
            max_iter=cfg.stage2_iter,
            max_leaf_nodes=cfg.stage2_leaves,
            learning_rate=0.1,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=cfg.seed,
        )

    oof = np.zeros(y.size)
    for tr, te in GroupKFold(n_splits=min(5, len(set(groups)))).split(x, y, groups):
        if y[tr].all() or not y[tr].any():
            oof[te] = 1.0
            continue
        oof[te] = model().fit(x[tr], y[tr]).predict_proba(x[te])[:, 1]
    from imagery.detection.objects import best_cutoff

    pixels = (np.concatenate(px), np.concatenate(px_true), n_true_px)
    keep_all = best_cutoff(np.ones(y.size), matches, n_labelled, *pixels)[1]
    cutoff, objective = best_cutoff(oof, matches, n_labelled, *pixels)
    clf = model().fit(x, y)
    metrics = {
        "stage2_components": int(y.size),
        "stage2_positive": int(y.sum()),
        "stage2_cutoff": round(cutoff, 3),
        # object F1 + pixel F1 of the calibration pairs' components, without the stage / with it (out of fold)
        "calibration_objective_without": round(keep_all, 4),
        "calibration_objective_oof": round(objective, 4),
    }
    if cutoff <= 0:
        return None, metrics
    return {"model": clf, "cutoff": cutoff}, metrics


def make_bundle(clf, threshold: float, cfg: TrainConfig, version: str, stage2: dict | None = None) -> dict:
    return {
        "stage2": stage2,
        "schema": SCHEMA,
        "version": version,
        "model": clf,
        "features": list(FEATURE_NAMES),
        "threshold": threshold,
        "smooth": cfg.smooth,
        "stride": cfg.stride,
        "min_area_m2": cfg.min_area_m2,
    }


def evaluate_synthetic(detector, n: int, size: int) -> dict:
    """Pixel and object scores on held-out synthetic scenes (seeds from HELD_OUT_SEED0, never trained on)."""
    from imagery.detection.scenes import synthetic_pair

    pix = np.zeros(3)
    found = labelled = tps = predicted = 0
    for seed in range(HELD_OUT_SEED0, HELD_OUT_SEED0 + n):
        p = synthetic_pair(seed, size=size)
        mask = candidates_mask(detector, detector.probability(p.before, p.after), None)
        s = pixel_scores(mask, p.change)
        o = object_scores(mask, p.change)
        pix += (s.tp, s.fp, s.fn)
        found, labelled = found + o.found, labelled + o.labelled
        tps, predicted = tps + o.true_positives, predicted + o.predicted
    tp, fp, fn = pix
    prec, rec = tps / max(predicted, 1), found / max(labelled, 1)
    return {
        "pairs": n,
        "pixel_f1": round(float(2 * tp / max(2 * tp + fp + fn, 1)), 4),
        "object_precision": round(prec, 4),
        "object_recall": round(rec, 4),
        "object_f1": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
    }


def candidates_mask(detector, prob: np.ndarray, valid: np.ndarray | None, pixel_m: float | None = None) -> np.ndarray:
    """The final mask: post-processed and without components under the minimum area (what mask.png holds)."""
    from scipy import ndimage

    m = detector.mask(prob, valid)
    labels, n = ndimage.label(m)
    if n:
        areas = np.bincount(labels.ravel())
        small = areas < detector.min_area_px(pixel_m)
        small[0] = False
        m[small[labels]] = False
    return m


def train(
    sources: list[Source],
    cfg: TrainConfig,
    *,
    log: Callable[[str], None] = print,
    samples: dict[str, tuple] | None = None,
    exclude: AbstractSet[str] = frozenset(),
):
    """(bundle, manifest) of a detector trained on `sources` minus `exclude`."""
    from imagery.detection.detector import Detector

    use = [s for s in sources if s.name not in exclude]
    samples = samples if samples is not None else collect(use, cfg, log)
    clf, n_pos, n_neg = fit(samples, [s.name for s in use], cfg)
    inputs = [f for s in use for f in s.files]
    h = hashlib.sha256(json.dumps([inputs, [s.name for s in use], asdict(cfg)], sort_keys=True).encode())
    version = f"hgb-{h.hexdigest()[:12]}"
    det = Detector(make_bundle(clf, 0.5, cfg, version))
    calib = [s for s in use if s.kind != "synthetic"] + [s for s in use if s.kind == "synthetic"][: cfg.calib_synthetic]
    probs = []
    for s in calib:
        before, after, label, valid = s.load()
        probs.append((det.probability(before, after, valid), label, valid))
    threshold, calib_metrics = choose_threshold(det, probs)
    stage2, stage2_metrics = fit_stage2(det, probs, cfg)
    calib_metrics.update(stage2_metrics)
    bundle = make_bundle(clf, threshold, cfg, version, stage2)
    det = Detector(bundle)
    import sklearn

    manifest = {
        "schema": SCHEMA,
        "version": version,
        "model": "sklearn.ensemble.HistGradientBoostingClassifier",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "features": list(FEATURE_NAMES),
        "parameters": asdict(cfg),
        "threshold": threshold,
        "inputs": {
            "synthetic_seeds": [int(s.name.split("/")[1]) for s in use if s.kind == "synthetic"],
            "files": inputs,
            "reviewed_pairs": sum(1 for s in use if s.kind == "review"),
        },
        "samples": {"pairs": len(use), "positive_pixels": n_pos, "negative_pixels": n_neg},
        "metrics": {"calibration": calib_metrics},
    }
    return bundle, manifest, det


def save(bundle: dict, manifest: dict, out: Path) -> Path:
    """detector.joblib and manifest.json into `out`, each written to a temporary name then renamed."""
    import joblib

    from imagery.detection.datasets import sha256

    out.mkdir(parents=True, exist_ok=True)
    tmp = out / ".detector.joblib.tmp"
    joblib.dump(bundle, tmp, compress=3)
    manifest["sha256"] = sha256(tmp)
    tmp.replace(out / "detector.joblib")
    mtmp = out / ".manifest.json.tmp"
    mtmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    mtmp.replace(out / "manifest.json")
    return out / "detector.joblib"
