"""Scoring the detector on labelled folders beside the CVA + Otsu baseline, optionally leave-one-out.

The report (report.json, report.md, pr_curve.png) gives per pair and per folder (pixels and objects
summed over the folder's pairs) the detector's and the baseline's figures, measured in the same run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from imagery.detection import training
from imagery.detection.baseline import cva_magnitude, cva_otsu
from imagery.detection.metrics import object_scores, pixel_scores

BINS = 200


class Tally:
    """Summed counts over pairs, and histograms of positive/negative scores for a precision–recall curve."""

    def __init__(self) -> None:
        self.pix = np.zeros(3, np.int64)  # tp fp fn
        self.obj = np.zeros(4, np.int64)  # labelled predicted found true_positives
        self.hist_pos = np.zeros(BINS, np.int64)
        self.hist_neg = np.zeros(BINS, np.int64)

    def add(self, mask: np.ndarray, label: np.ndarray, score01: np.ndarray, valid: np.ndarray | None) -> dict:
        p, o = pixel_scores(mask, label), object_scores(mask, label)
        self.pix += (p.tp, p.fp, p.fn)
        self.obj += (o.labelled, o.predicted, o.found, o.true_positives)
        v = np.ones_like(label) if valid is None else valid
        b = np.clip((score01 * BINS).astype(np.int64), 0, BINS - 1)
        self.hist_pos += np.bincount(b[label & v], minlength=BINS)
        self.hist_neg += np.bincount(b[~label & v], minlength=BINS)
        return summary(np.array([p.tp, p.fp, p.fn]), np.array([o.labelled, o.predicted, o.found, o.true_positives]))

    def summary(self) -> dict:
        return summary(self.pix, self.obj)

    def curve(self) -> tuple[np.ndarray, np.ndarray]:
        """(precision, recall) at each bin's lower edge as threshold."""
        tp = np.cumsum(self.hist_pos[::-1])[::-1]
        fp = np.cumsum(self.hist_neg[::-1])[::-1]
        return tp / np.maximum(tp + fp, 1), tp / max(self.hist_pos.sum(), 1)


def summary(pix: np.ndarray, obj: np.ndarray) -> dict:
    tp, fp, fn = (int(x) for x in pix)
    labelled, predicted, found, tps = (int(x) for x in obj)
    pp, pr = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    op, orr = tps / max(predicted, 1), found / max(labelled, 1)
    return {
        "pixel_precision": round(pp, 4),
        "pixel_recall": round(pr, 4),
        "pixel_f1": round(2 * pp * pr / max(pp + pr, 1e-9), 4),
        "pixel_iou": round(tp / max(tp + fp + fn, 1), 4),
        "object_precision": round(op, 4),
        "object_recall": round(orr, 4),
        "object_f1": round(2 * op * orr / max(op + orr, 1e-9), 4),
        "objects_labelled": labelled,
        "objects_predicted": predicted,
    }


def evaluate(
    folders: list[Path],
    *,
    leave_one_out: bool = False,
    detector=None,
    cfg: training.TrainConfig | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    from imagery.detection.detector import load_detector

    cfg = cfg or training.TrainConfig()
    pairs = training.folder_sources(folders)
    if not pairs:
        raise ValueError("no pairs")
    samples = None
    if leave_one_out:
        synth = training.synthetic_sources(cfg.synthetic, cfg.synthetic_size)
        everything = synth + pairs
        log(f"features of {len(everything)} pairs for the leave-one-out folds …")
        samples = training.collect(everything, cfg, log)
    rows = []
    tallies: dict[str, dict[str, Tally]] = {}
    for k, src in enumerate(pairs):
        if leave_one_out:
            _, _, det = training.train(everything, cfg, samples=samples, exclude={src.name}, log=log)
        else:
            det = detector or load_detector()
        before, after, label, valid = src.load()
        prob = det.probability(before, after, valid)
        mask = training.candidates_mask(det, prob, valid)
        base_mask, _ = cva_otsu(before, after, valid)
        mag = cva_magnitude(before, after)
        base01 = mag / max(float(mag.max()), 1e-6)
        folder = src.name.split("/")[0]
        t = tallies.setdefault(folder, {"model": Tally(), "baseline": Tally()})
        row = {
            "pair": src.name,
            "threshold": det.threshold,
            "model": t["model"].add(mask, label, prob, valid),
            "baseline": t["baseline"].add(base_mask, label, base01, valid),
        }
        rows.append(row)
        log(
            f"[{k + 1}/{len(pairs)}] {src.name}: pixel F1 {row['model']['pixel_f1']:.3f} (baseline "
            f"{row['baseline']['pixel_f1']:.3f}), object P/R {row['model']['object_precision']:.2f}/"
            f"{row['model']['object_recall']:.2f}"
        )
    return {
        "mode": "leave-one-out" if leave_one_out else "committed model",
        "model_version": None if leave_one_out else (detector or load_detector()).version,
        "config": vars(cfg) if leave_one_out else None,
        "pairs": rows,
        "folders": {
            f: {"model": t["model"].summary(), "baseline": t["baseline"].summary()} for f, t in tallies.items()
        },
        "_tallies": tallies,
    }


def write_report(report: dict, out: Path) -> None:
    """report.json, report.md and pr_curve.png into `out` (created)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    tallies = report.pop("_tallies")
    fig, ax = plt.subplots(figsize=(6, 5))
    for folder, t in tallies.items():
        for who, style in (("model", "-"), ("baseline", ":")):
            p, r = t[who].curve()
            ax.plot(r, p, style, label=f"{folder} — {who}")
    ax.set_xlabel("recall (pixels)")
    ax.set_ylabel("precision (pixels)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(f"Precision–recall, {report['mode']}")
    fig.tight_layout()
    fig.savefig(out / "pr_curve.png", dpi=110)
    plt.close(fig)
    (out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    keys = [
        "pixel_precision",
        "pixel_recall",
        "pixel_f1",
        "pixel_iou",
        "object_precision",
        "object_recall",
        "object_f1",
    ]
    lines = [f"# Change detector evaluation ({report['mode']})", ""]
    if report.get("model_version"):
        lines.append(f"Model {report['model_version']}.")
    lines += ["", "| folder | who | " + " | ".join(keys) + " |", "|---|---|" + "---|" * len(keys)]
    for folder, d in report["folders"].items():
        for who in ("model", "baseline"):
            lines.append(f"| {folder} | {who} | " + " | ".join(f"{d[who][k]:.3f}" for k in keys) + " |")
    lines += [
        "",
        "| pair | model pixel F1 | baseline pixel F1 | model object P | model object R |",
        "|---|---|---|---|---|",
    ]
    for r in report["pairs"]:
        m, b = r["model"], r["baseline"]
        lines.append(
            f"| {r['pair']} | {m['pixel_f1']:.3f} | {b['pixel_f1']:.3f} | {m['object_precision']:.3f} | "
            f"{m['object_recall']:.3f} |"
        )
    lines += ["", "![precision-recall](pr_curve.png)", ""]
    (out / "report.md").write_text("\n".join(lines), encoding="utf-8")
