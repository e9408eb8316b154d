"""Metrics on hand-made masks whose true/false positives are counted by hand."""

from __future__ import annotations

import numpy as np
import pytest

from imagery.detection.metrics import object_scores, pixel_scores


def _square(mask: np.ndarray, r: int, c: int, size: int) -> None:
    mask[r : r + size, c : c + size] = True


def test_pixel_scores_count_tp_fp_fn():
    label = np.zeros((20, 20), bool)
    pred = np.zeros((20, 20), bool)
    label[0:10, 0:10] = True  # 100 px
    pred[5:15, 0:10] = True  # 100 px, 50 overlapping
    s = pixel_scores(pred, label)
    assert (s.tp, s.fp, s.fn) == (50, 50, 50)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(0.5)
    assert s.f1 == pytest.approx(0.5)
    assert s.iou == pytest.approx(50 / 150)


def test_pixel_scores_empty_prediction_is_zero_not_nan():
    label = np.zeros((5, 5), bool)
    label[0, 0] = True
    s = pixel_scores(np.zeros((5, 5), bool), label)
    assert (s.precision, s.recall, s.f1, s.iou) == (0, 0, 0, 0)


def test_object_scores_iou_and_half_cover_rules():
    label = np.zeros((100, 100), bool)
    pred = np.zeros((100, 100), bool)
    _square(label, 0, 0, 10)  # A: found by an exact match
    _square(pred, 0, 0, 10)
    _square(label, 20, 0, 10)  # B: a large candidate covers all of it (IoU 100/400 < 0.3, but covers ≥ half)
    _square(pred, 20, 20, 1)  # (a separate false positive far away, see below)
    pred[20:40, 0:20] = True
    _square(label, 50, 0, 10)  # C: a candidate covers 4 of its 100 px: IoU and cover too low → missed
    _square(pred, 50, 0, 2)
    _square(label, 70, 70, 10)  # D: not touched at all → missed
    _square(pred, 90, 50, 5)  # a false positive
    s = object_scores(pred, label)
    # labelled objects: A, B, C, D; found: A, B. predicted: A', B' (20x20), the 1-px speck next to B'?
    assert s.labelled == 4
    assert s.found == 2
    assert s.recall == pytest.approx(0.5)
    # the speck at (20, 20) touches B' (it is inside rows 20..39, col 20 is outside 0..19: adjacent) → joins it
    assert s.predicted == 4  # A', B'+speck, C', the false positive
    assert s.true_positives == 2
    assert s.precision == pytest.approx(0.5)
    assert s.f1 == pytest.approx(0.5)


def test_object_iou_threshold_exactly():
    label = np.zeros((30, 30), bool)
    pred = np.zeros((30, 30), bool)
    label[0:10, 0:10] = True
    pred[0:10, 6:16] = True  # overlap 40, union 160 → IoU 0.25 < 0.3, covers 40 % < 50 % → missed
    assert object_scores(pred, label).found == 0
    pred[:] = False
    pred[0:10, 4:14] = True  # overlap 60 → covers 60 % ≥ 50 % → found
    assert object_scores(pred, label).found == 1


def test_small_labelled_objects_can_be_ignored():
    label = np.zeros((30, 30), bool)
    label[0:2, 0:2] = True
    label[10:20, 10:20] = True
    pred = label.copy()
    pred[0:2, 0:2] = False
    assert object_scores(pred, label).recall == pytest.approx(0.5)
    assert object_scores(pred, label, min_label_px=10).recall == pytest.approx(1.0)


def test_component_features_describe_shape_and_probability():
    from imagery.detection.objects import OBJECT_FEATURES, component_features

    prob = np.zeros((60, 60), np.float32)
    prob[10:20, 10:30] = 0.9  # a 10 × 20 rectangle
    prob[40:43, 40:55] = 0.6
    prob[43:50, 40:43] = 0.6  # an L of thin arms
    _labels, n, x = component_features(prob > 0.5, prob)
    assert n == 2 and x.shape == (2, len(OBJECT_FEATURES))
    f = dict(zip(OBJECT_FEATURES, x[0], strict=True))
    assert abs(f["log_area"] - np.log(200)) < 1e-5 and abs(f["p_mean"] - 0.9) < 1e-5
    assert f["rect"] == 1.0 and f["aspect"] == 0.5 and abs(f["p_contrast"] - 0.9) < 1e-5
    g = dict(zip(OBJECT_FEATURES, x[1], strict=True))
    assert g["rect"] < 0.5 and g["perim"] > f["perim"]  # the L's arms: ragged against the rectangle
