"""Tiny real GeoTIFFs made in code (fixed seeds): blocks of flat colour, so a pixel can be checked anywhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin

from layers.crs import WGS84, transformer

# Where the test images are placed: the centre of the test world's ward A (tests/conftest.py).
LON, LAT = 106.7000, 10.7800


def origin_near(lon: float, lat: float, srid: int) -> tuple[float, float]:
    """(x, y) of (lon, lat) in `srid`, through PROJ's EPSG transformation."""
    return transformer(WGS84, srid).transform(lon, lat)


def write_geotiff(
    path: Path,
    *,
    srid: int | None = 9210,
    origin: tuple[float, float] | None = None,
    pixel: float = 0.5,
    size: int = 256,
    block: int = 64,
    bands: int = 3,
    dtype: str = "uint8",
    seed: int = 1,
    tiled: bool = False,
) -> np.ndarray:
    """A size×size image of block×block squares of random flat colours; returns its (bands, rows, cols) array.

    `origin` is the upper-left corner in `srid` (default: at LON, LAT); srid None writes no georeference.
    With 4 bands the last is alpha: the bottom-right square is transparent.
    """
    rng = np.random.default_rng(seed)
    top = 255 if dtype == "uint8" else 4095
    n = size // block
    colours = rng.integers(20, top, size=(3, n, n), dtype=np.int64)
    data = np.repeat(np.repeat(colours, block, axis=1), block, axis=2).astype(dtype)
    if bands == 4:
        alpha = np.full((1, size, size), 255 if dtype == "uint8" else 65535, dtype=dtype)
        alpha[:, -block:, -block:] = 0
        data = np.concatenate([data, alpha])
    profile = {
        "driver": "GTiff",
        "width": size,
        "height": size,
        "count": bands,
        "dtype": dtype,
        "compress": "deflate",
    }
    if tiled:
        profile.update(tiled=True, blockxsize=128, blockysize=128)
    if srid is not None:
        x0, y0 = origin or origin_near(LON, LAT, srid)
        profile.update(crs=f"EPSG:{srid}", transform=from_origin(x0, y0, pixel, pixel))
    if bands == 4:
        profile.update(photometric="RGB", alpha="YES")  # GTiff's ExtraSamples=alpha
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data)
    return data


def write_huge_claim(path: Path, width: int = 1_000_000, height: int = 1_000_000) -> None:
    """A few hundred bytes of TIFF whose header claims width × height RGB pixels (no pixel data at all)."""
    import struct

    entries = [
        (256, 4, 1, width),  # ImageWidth, LONG
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 2),  # Photometric: RGB
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 3),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, width * height * 3 % 2**32),  # StripByteCounts
    ]
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        ifd += struct.pack("<HHI", tag, kind, count)
        ifd += struct.pack("<HH", value, 0) if kind == 3 else struct.pack("<I", value)
    ifd += struct.pack("<I", 0)
    path.write_bytes(b"II*\x00" + struct.pack("<I", 8) + ifd)


def write_truncated(path: Path) -> None:
    """A georeferenced TIFF whose header is whole but whose pixel data stops half-way (a broken copy)."""
    full = path.with_suffix(".full.tif")
    write_geotiff(full, size=512, block=32, seed=7)
    data = full.read_bytes()
    full.unlink()
    path.write_bytes(data[: len(data) // 2])
