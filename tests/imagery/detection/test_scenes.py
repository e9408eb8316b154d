"""The scene generator: deterministic, realistic enough to have the changes it claims."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point, box

from imagery.detection.scenes import Building, Layout, new_structures_mask, render_epoch, synthetic_pair


def test_same_seed_same_pixels_other_seed_other_pixels():
    a, b = synthetic_pair(123, size=256), synthetic_pair(123, size=256)
    assert np.array_equal(a.before, b.before)
    assert np.array_equal(a.after, b.after)
    assert np.array_equal(a.change, b.change)
    c = synthetic_pair(124, size=256)
    assert not np.array_equal(a.before, c.before)


def test_pair_shapes_and_labels():
    p = synthetic_pair(7, size=320)
    assert p.before.shape == p.after.shape == (320, 320, 3)
    assert p.before.dtype == np.uint8
    assert p.change.shape == (320, 320) and p.change.dtype == bool
    # The two epochs differ beyond the new buildings (season, exposure, cars, misregistration).
    outside = ~p.change
    diff = np.abs(p.after.astype(int) - p.before.astype(int)).sum(axis=2)
    assert diff[outside].mean() > 5


def test_render_epoch_of_a_given_layout():
    layout = Layout(200, 200, 0.5, seed=3)
    layout.buildings.append(Building(box(40, 40, 80, 70), (190, 110, 70), height_m=8, first_epoch=1))
    layout.buildings.append(Building(box(120, 120, 160, 150), (222, 218, 208), last_epoch=0))
    layout.roads.append((LineString([(0, 100), (200, 100)]), 8.0))
    layout.trees.append((Point(20, 20), 3.0))
    e0 = render_epoch(layout, 0, seed=1)
    e1 = render_epoch(layout, 1, seed=2, sun_azimuth_deg=100)
    assert np.array_equal(e0, render_epoch(layout, 0, seed=1))
    roof = e1[50:60, 50:70].reshape(-1, 3).mean(0)
    assert roof[0] > roof[2] + 40  # the new orange roof is there in epoch 1 …
    assert abs(e0[50:60, 50:70].astype(int).mean() - roof.mean()) > 10  # … and not in epoch 0
    mask = new_structures_mask(layout, 0, 1)
    assert mask[55, 60] and not mask[130, 130] and mask.sum() == 40 * 30
    # The sun in the east (azimuth 100°): the shadow falls west of the new building, not east.
    grey = e1.astype(int).sum(axis=2)
    assert grey[45:65, 32:38].mean() < 0.7 * grey[45:65, 84:90].mean()


def test_training_scenes_are_pinned():
    """The committed model's synthetic figures hold only while the generator draws the same pixels: a change
    to scenes.py that moves a pixel must come with a retrained model (and a new hash here)."""
    import hashlib

    p = synthetic_pair(10000, size=256)
    digest = hashlib.sha256(p.before.tobytes() + p.after.tobytes() + p.change.tobytes()).hexdigest()
    assert digest == "de28ca660975d4bf98d5ad83832497b4245c13b45b239b45ada149e29f1de68b"


def test_overlapping_roofs_later_one_on_top_and_eaves_darker():
    layout = Layout(120, 120, 0.5, seed=5)
    layout.buildings.append(Building(box(20, 20, 80, 60), (222, 218, 208)))  # white flat roof
    layout.buildings.append(Building(box(50, 40, 100, 90), (72, 68, 66)))  # dark roof drawn over its corner
    img = render_epoch(layout, 0, seed=9, noise=0.0).astype(int).sum(axis=2)
    assert img[30, 30] > 2 * img[70, 80]  # white where only the first stands
    assert img[50, 65] < img[30, 30] / 2  # the overlap shows the later, dark roof
    assert img[30, 20] < img[30, 40]  # the eave (a roof's outer pixel ring) is darker than the middle
