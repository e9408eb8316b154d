"""The committed model against the baseline on held-out synthetic scenes; training reproducible bit for bit."""

from __future__ import annotations

import io
import json

import numpy as np

from imagery.detection.baseline import cva_otsu
from imagery.detection.datasets import sha256
from imagery.detection.detector import DEFAULT_MODEL, MODEL_DIR, load_detector
from imagery.detection.metrics import object_scores, pixel_scores
from imagery.detection.scenes import synthetic_pair
from imagery.detection.training import HELD_OUT_SEED0, SYNTHETIC_SEED0, candidates_mask

TEST_SEEDS = range(HELD_OUT_SEED0 + 500, HELD_OUT_SEED0 + 504)  # never trained on (training: 10000+)


def test_committed_model_is_small_and_described():
    assert DEFAULT_MODEL.stat().st_size < 5 * 1024 * 1024
    manifest = json.loads((MODEL_DIR / "manifest.json").read_text())
    assert manifest["sha256"] == sha256(DEFAULT_MODEL)
    assert manifest["version"] == load_detector().version
    assert all(s >= SYNTHETIC_SEED0 for s in manifest["inputs"]["synthetic_seeds"])
    assert manifest["samples"]["positive_pixels"] > 0


def test_model_beats_cva_otsu_on_held_out_synthetic_scenes():
    det = load_detector()
    totals = {"model": np.zeros(5), "baseline": np.zeros(5)}
    for seed in TEST_SEEDS:
        p = synthetic_pair(seed, size=384)
        ours = candidates_mask(det, det.probability(p.before, p.after), None)
        base, _ = cva_otsu(p.before, p.after)
        for who, mask in (("model", ours), ("baseline", base)):
            s, o = pixel_scores(mask, p.change), object_scores(mask, p.change)
            totals[who] += (s.tp, s.fp, s.fn, o.found / max(o.labelled, 1), o.precision)

    def f1(t):
        return 2 * t[0] / (2 * t[0] + t[1] + t[2])

    assert f1(totals["model"]) > f1(totals["baseline"]) + 0.2
    assert f1(totals["model"]) > 0.6
    assert totals["model"][4] / len(TEST_SEEDS) > 0.7  # object precision
    assert totals["model"][3] / len(TEST_SEEDS) > 0.7  # object recall


def test_probability_contract():
    det = load_detector()
    p = synthetic_pair(HELD_OUT_SEED0 + 600, size=130)  # odd sizes: the strided prediction must fit back
    prob = det.probability(p.before[:, :129], p.after[:, :129])
    assert prob.shape == (130, 129) and prob.dtype == np.float32
    assert 0 <= prob.min() and prob.max() <= 1
    cands = det.candidates(prob, pixel_m=0.5)
    for c in cands:
        assert c.geometry.is_valid and 0 <= c.score <= 1 and c.area_px >= det.min_area_px(0.5)


def test_training_is_bit_for_bit_reproducible(tmp_path):
    from django.core.management import call_command

    for run in ("one", "two"):
        call_command(
            "train_detector",
            "--synthetic",
            "3",
            "--synthetic-size",
            "160",
            "--held-out",
            "0",
            "--out",
            str(tmp_path / run),
            stdout=io.StringIO(),
        )
    assert sha256(tmp_path / "one" / "detector.joblib") == sha256(tmp_path / "two" / "detector.joblib")
    one = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert one == json.loads((tmp_path / "two" / "manifest.json").read_text())
    assert one["inputs"]["synthetic_seeds"] == [SYNTHETIC_SEED0, SYNTHETIC_SEED0 + 1, SYNTHETIC_SEED0 + 2]
