"""Reading a before/after pair for detection: GeoTIFFs (the later reprojected onto the earlier's grid) or
plain PNG/JPEG images of the same size (un-georeferenced), in windows so that a 20,000² pair never sits
in memory.

Decisions (see docs/detection.md): 16-bit images are stretched to 8 bits between each band's 0.5th and
99.5th percentile (measured on a decimated read); nodata, alpha and pixels outside the later image are
masked out and passed to the detector as `valid`; float and signed images are refused.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window
from rest_framework import status

from gisportal.errors import PortalError as ImageryError


class DetectionInputError(ImageryError):
    """A pair the detector cannot read: the message says which file and why."""

    code = "detection_input"


class PairNoOverlap(DetectionInputError):
    code = "pair_no_overlap"


class PairSingleBand(DetectionInputError):
    code = "pair_single_band"


class PairUnsupported(DetectionInputError):
    code = "pair_unsupported"


class PairCorrupt(DetectionInputError):
    code = "pair_corrupt"


class PairSizeMismatch(DetectionInputError):
    code = "pair_size_mismatch"


class PairTooLarge(DetectionInputError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "pair_too_large"


def max_pixels() -> int:
    try:
        from django.conf import settings

        return int(settings.DETECTION_MAX_PIXELS)
    except Exception:  # noqa: BLE001 - outside Django (a bench, a notebook): the settings default
        return 500_000_000


def _georeferenced(ds) -> bool:
    return ds.crs is not None and ds.transform != Affine.identity()


def _open(path: Path, role_vi: str, role_en: str):
    if not Path(path).is_file():
        raise PairCorrupt(f"Không thấy tệp ảnh {role_vi}: {path}.", f"No {role_en} image file: {path}.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            ds = rasterio.open(path)
    except RasterioError as exc:
        raise PairCorrupt(
            f"Tệp ảnh {role_vi} bị hỏng hoặc không phải ảnh: {Path(path).name}.",
            f"The {role_en} image is corrupt or not an image: {Path(path).name}.",
        ) from exc
    if ds.driver in ("PNG", "JPEG"):
        # These drivers zero-fill a truncated file silently on read; a checksum pass (streamed, one band
        # is enough for interleaved pixels) is what reports the I/O error.
        try:
            ds.checksum(1)
        except RasterioError as exc:
            ds.close()
            raise PairCorrupt(
                f"Tệp ảnh {role_vi} bị hỏng hoặc bị cắt cụt: {Path(path).name}.",
                f"The {role_en} image is corrupt or truncated: {Path(path).name}.",
            ) from exc
    if ds.count < 3:
        ds.close()
        raise PairSingleBand(
            f"Ảnh {role_vi} chỉ có {ds.count} kênh; cần ảnh màu RGB.",
            f"The {role_en} image has {ds.count} band(s); an RGB image is needed.",
        )
    if ds.dtypes[0] not in ("uint8", "uint16"):
        dtype = ds.dtypes[0]
        ds.close()
        raise PairUnsupported(
            f"Ảnh {role_vi} có kiểu điểm ảnh {dtype}; chỉ nhận 8 hoặc 16 bit không dấu.",
            f"The {role_en} image has {dtype} pixels; only unsigned 8- or 16-bit images are accepted.",
        )
    return ds


def _stretch(ds) -> np.ndarray | None:
    """Per-band (low, high) for a 16-bit image, from a decimated read (≤ 1024 px a side); None for 8-bit."""
    if ds.dtypes[0] != "uint16":
        return None
    f = max(1, math.ceil(max(ds.width, ds.height) / 1024))
    small = ds.read((1, 2, 3), out_shape=(3, max(1, ds.height // f), max(1, ds.width // f)))
    mask = ds.dataset_mask(out_shape=(max(1, ds.height // f), max(1, ds.width // f))) > 0
    vals = small[:, mask] if mask.any() else small.reshape(3, -1)
    lo = np.percentile(vals, 0.5, axis=1)
    hi = np.percentile(vals, 99.5, axis=1)
    return np.stack([lo, np.maximum(hi, lo + 1)], axis=1).astype(np.float32)


@dataclass
class PairSource:
    """An open pair on the earlier image's grid. Use as a context manager; read windows with `read`."""

    before_ds: Any  # rasterio datasets (a WarpedVRT for the later image)
    after_ds: Any
    extra: list  # datasets to close (the later's file under its WarpedVRT)
    width: int
    height: int
    transform: Affine | None  # None: not georeferenced (pixel coordinates)
    crs: object | None
    pixel_m: float | None
    stretch_before: np.ndarray | None
    stretch_after: np.ndarray | None

    def __enter__(self) -> PairSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for ds in [self.after_ds, *self.extra, self.before_ds]:
            with contextlib.suppress(Exception):
                ds.close()

    def _rgb(self, ds, window: Window, stretch: np.ndarray | None) -> np.ndarray:
        arr = ds.read((1, 2, 3), window=window, boundless=False)
        if stretch is not None:
            lo, hi = stretch[:, 0, None, None], stretch[:, 1, None, None]
            arr = np.clip((arr.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255) + 0.5
        return np.ascontiguousarray(arr.transpose(1, 2, 0).astype(np.uint8))

    def read(self, window: Window) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """before, after (H, W, 3) uint8 and valid (H, W) bool of one window of the earlier image's grid."""
        try:
            before = self._rgb(self.before_ds, window, self.stretch_before)
            after = self._rgb(self.after_ds, window, self.stretch_after)
            valid = (self.before_ds.dataset_mask(window=window) > 0) & (self.after_ds.dataset_mask(window=window) > 0)
        except RasterioError as exc:
            raise PairCorrupt(
                "Không đọc được điểm ảnh (tệp bị hỏng hoặc bị cắt cụt).",
                "The pixels cannot be read (the file is corrupt or truncated).",
            ) from exc
        return before, after, valid

    def windows(self, tile: int = 1024, margin: int = 48) -> Iterator[tuple[Window, Window]]:
        """(outer window with margin, inner window) covering the grid, row by row."""
        for row in range(0, self.height, tile):
            for col in range(0, self.width, tile):
                h, w = min(tile, self.height - row), min(tile, self.width - col)
                r0, c0 = max(0, row - margin), max(0, col - margin)
                r1, c1 = min(self.height, row + h + margin), min(self.width, col + w + margin)
                yield Window(c0, r0, c1 - c0, r1 - r0), Window(col, row, w, h)


def open_pair(before: Path, after: Path, *, limit: int | None = None) -> PairSource:
    """Open and check a pair; raises a DetectionInputError (Vietnamese and English) on a pair it cannot use."""
    a = _open(before, "trước", "before")
    try:
        b = _open(after, "sau", "after")
    except DetectionInputError:
        a.close()
        raise
    extra: list = []
    try:
        limit = limit or max_pixels()
        if a.width * a.height > limit or b.width * b.height > limit:
            n = max(a.width * a.height, b.width * b.height)
            raise PairTooLarge(
                f"Cặp ảnh quá lớn: {n:,} điểm ảnh, giới hạn {limit:,} (DETECTION_MAX_PIXELS).",
                f"The pair is too large: {n:,} pixels, the limit is {limit:,} (DETECTION_MAX_PIXELS).",
            )
        if _georeferenced(a) and _georeferenced(b):
            bounds = transform_bounds(b.crs, a.crs, *b.bounds) if b.crs != a.crs else b.bounds
            ab = a.bounds
            if bounds[0] >= ab.right or bounds[2] <= ab.left or bounds[1] >= ab.top or bounds[3] <= ab.bottom:
                raise PairNoOverlap(
                    "Hai ảnh không chồng lên nhau: không có vùng chung để so sánh.",
                    "The two images do not overlap: there is no common area to compare.",
                )
            aligned = b.crs == a.crs and b.transform == a.transform and (b.width, b.height) == (a.width, a.height)
            if not aligned:
                # The later image resampled onto the earlier's grid; outside its footprint is nodata (masked).
                vrt = WarpedVRT(
                    b,
                    crs=a.crs,
                    transform=a.transform,
                    width=a.width,
                    height=a.height,
                    resampling=Resampling.bilinear,
                    nodata=0 if b.nodata is None else b.nodata,
                )
                extra.append(b)
                after_ds = vrt
            else:
                after_ds = b
            transform, crs = a.transform, a.crs
            pixel_m = abs(a.transform.a) if a.crs.is_projected else abs(a.transform.a) * 111_320
        else:
            if (a.width, a.height) != (b.width, b.height):
                raise PairSizeMismatch(
                    f"Hai ảnh không có tọa độ và khác kích thước ({a.width}×{a.height} và {b.width}×{b.height}).",
                    f"The images are not georeferenced and differ in size ({a.width}×{a.height} and "
                    f"{b.width}×{b.height}).",
                )
            after_ds, transform, crs, pixel_m = b, None, None, None
        return PairSource(a, after_ds, extra, a.width, a.height, transform, crs, pixel_m, _stretch(a), _stretch(b))
    except BaseException:
        for ds in [*extra, b, a]:
            with contextlib.suppress(Exception):
                ds.close()
        raise


def read_pair_arrays(before: Path, after: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, PairSource]:
    """A whole (small) pair in memory: before, after, valid, and the closed source for its georeferencing."""
    with open_pair(before, after) as src:
        b, a, v = src.read(Window(0, 0, src.width, src.height))
    return b, a, v, src


def read_label(path: Path, shape: tuple[int, int]) -> np.ndarray:
    """A label mask (any non-zero of a 0/1 mask, or > 127 of a 0/255 one) as bool; must match `shape`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(path) as ds:
                arr = ds.read(1)
    except RasterioError as exc:
        raise PairCorrupt(
            f"Tệp nhãn bị hỏng hoặc không phải ảnh: {Path(path).name}.",
            f"The label file is corrupt or not an image: {Path(path).name}.",
        ) from exc
    if arr.shape != tuple(shape):
        raise PairSizeMismatch(
            f"Tệp nhãn có kích thước {arr.shape[1]}×{arr.shape[0]}, khác ảnh ({shape[1]}×{shape[0]}).",
            f"The label is {arr.shape[1]}×{arr.shape[0]}, the images are {shape[1]}×{shape[0]}.",
        )
    return arr > 0 if arr.max() <= 1 else arr > 127
