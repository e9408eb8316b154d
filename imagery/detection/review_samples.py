"""The land officers' decisions as training labels, for `train_detector --from-reviews`.

A confirmed flag is a positive: the windows around it, and a mask True on its outline. A dismissed flag
is a hard negative: the same windows and an all-False mask (the officer looked and saw no new structure).
Flags marked permitted are new structures too, but their outline was not checked by anyone; they are
left out, as are undecided ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import rasterio
import shapely
from rasterio import features
from rasterio.windows import Window

from imagery.detection import windows
from imagery.detection.merge import WEB_MERCATOR, WGS84
from imagery.detection.models import ChangeFlag
from layers.crs import reproject

MARGIN_PX = 32  # context around the flag, on the earlier photograph's grid
MAX_SIDE_PX = 1024  # a huge flag is cropped around its centre: a sample stays a window


def _window(before_path, geom_3857: shapely.Geometry) -> Window | None:
    with rasterio.open(before_path) as ds:
        inv = ~ds.transform
        west, south, east, north = geom_3857.bounds
        xa, ya = inv @ (west, north)
        xb, yb = inv @ (east, south)
        c0 = max(0, math.floor(min(xa, xb)) - MARGIN_PX)
        r0 = max(0, math.floor(min(ya, yb)) - MARGIN_PX)
        c1 = min(ds.width, math.ceil(max(xa, xb)) + MARGIN_PX)
        r1 = min(ds.height, math.ceil(max(ya, yb)) + MARGIN_PX)
    if c1 <= c0 or r1 <= r0:
        return None
    cx, cy = (c0 + c1) // 2, (r0 + r1) // 2
    half = MAX_SIDE_PX // 2
    c0, c1 = max(c0, cx - half), min(c1, cx + half)
    r0, r1 = max(r0, cy - half), min(r1, cy + half)
    return Window(c0, r0, c1 - c0, r1 - r0)


def reviewed_samples(ward_ids: list[int] | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(before (H, W, 3) uint8, after (H, W, 3) uint8, label (H, W) bool) per decided flag, oldest flag first."""
    flags = ChangeFlag.objects.filter(status__in=ChangeFlag.DECIDED).select_related("before", "after")
    if ward_ids is not None:
        flags = flags.filter(ward_id__in=ward_ids)
    for flag in flags.order_by("id").iterator():
        if not (flag.before.cog_path.is_file() and flag.after.cog_path.is_file()):
            continue  # a photograph deleted since: its labels went with it
        geom = reproject(shapely.from_wkt(flag.geom.wkt), WGS84, WEB_MERCATOR)
        window = _window(flag.before.cog_path, geom)
        if window is None:
            continue
        pair = windows.read_pair(flag.before, flag.after, window)
        shape = pair.valid.shape
        if flag.status == ChangeFlag.Status.CONFIRMED:
            label = features.rasterize([(geom, 1)], out_shape=shape, transform=pair.transform, dtype="uint8") > 0
        else:
            label = np.zeros(shape, dtype=bool)
        yield pair.before, pair.after, label & pair.valid
