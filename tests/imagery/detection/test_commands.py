"""detect_changes end to end on generated PNGs and GeoTIFFs, and each bad input's message (no output left)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from django.core.management import CommandError, call_command
from PIL import Image

from imagery.detection.scenes import synthetic_pair

UTM48 = "EPSG:32648"
ORIGIN = (680_000.0, 1_190_000.0)  # Bình Tân, UTM 48N


def _png(path: Path, arr: np.ndarray) -> Path:
    Image.fromarray(arr).save(path)
    return path


def _tif(path: Path, arr: np.ndarray, *, crs=UTM48, px=0.5, origin=ORIGIN, nodata=None) -> Path:
    bands = arr[..., None] if arr.ndim == 2 else arr
    profile = {
        "driver": "GTiff",
        "width": bands.shape[1],
        "height": bands.shape[0],
        "count": bands.shape[2],
        "dtype": bands.dtype.name,
        "crs": crs,
        "transform": Affine(px, 0, origin[0], 0, -px, origin[1]),
    }
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(bands.transpose(2, 0, 1))
    return path


@pytest.fixture(scope="module")
def pair():
    return synthetic_pair(424_242, size=256)


def _run(*args, **kw) -> list[str]:
    out = io.StringIO()
    call_command("detect_changes", *[str(a) for a in args], stdout=out, **kw)
    return out.getvalue().strip().splitlines()


def test_pngs_with_labels(tmp_path, pair):
    a, b = _png(tmp_path / "a.png", pair.before), _png(tmp_path / "b.png", pair.after)
    lab = _png(tmp_path / "l.png", (pair.change * 255).astype(np.uint8))
    lines = _run(a, b, "--out", tmp_path / "out", "--labels", lab)
    names = [ln.split()[0] for ln in lines[-7:]]
    assert names == "pixel_precision pixel_recall pixel_f1 pixel_iou object_precision object_recall object_f1".split()
    values = {ln.split()[0]: float(ln.split()[1]) for ln in lines[-7:]}
    assert values["pixel_f1"] > 0.5  # a real model, not the placeholder
    mask = np.array(Image.open(tmp_path / "out" / "mask.png"))
    scores = np.array(Image.open(tmp_path / "out" / "scores.png"))
    assert mask.shape == scores.shape == (256, 256)
    assert mask.dtype == np.uint8 and set(np.unique(mask)) <= {0, 255}
    gj = json.loads((tmp_path / "out" / "candidates.geojson").read_text())
    assert gj["features"] and all(0 < f["properties"]["score"] <= 1 for f in gj["features"])
    x, y = gj["features"][0]["geometry"]["coordinates"][0][0]
    assert 0 <= x <= 256 and 0 <= y <= 256  # pixel coordinates
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_geotiffs_reprojected_and_in_wgs84(tmp_path, pair):
    a = _tif(tmp_path / "a.tif", pair.before)
    # The later image at 1 m instead of 0.5 m (half the pixels): resampled onto the earlier's grid.
    small = np.array(Image.fromarray(pair.after).resize((128, 128), Image.BILINEAR))
    b = _tif(tmp_path / "b.tif", small, px=1.0)
    _run(a, b, "--out", tmp_path / "out", "--tile", "128")
    with rasterio.open(tmp_path / "out" / "mask.png") as ds:
        assert (ds.width, ds.height) == (256, 256)
    gj = json.loads((tmp_path / "out" / "candidates.geojson").read_text())
    assert gj["coordinates"] == "EPSG:4326"
    for f in gj["features"]:
        lon, lat = f["geometry"]["coordinates"][0][0]
        assert 106.5 < lon < 106.8 and 10.6 < lat < 10.9


def test_tiles_give_the_same_candidates_as_one_window(tmp_path, pair):
    a, b = _png(tmp_path / "a.png", pair.before), _png(tmp_path / "b.png", pair.after)
    _run(a, b, "--out", tmp_path / "one")
    _run(a, b, "--out", tmp_path / "tiled", "--tile", "96")
    one = json.loads((tmp_path / "one" / "candidates.geojson").read_text())["features"]
    tiled = json.loads((tmp_path / "tiled" / "candidates.geojson").read_text())["features"]
    assert abs(len(one) - len(tiled)) <= 1  # window margins make tiny differences at most


def test_nodata_is_masked_out(tmp_path, pair):
    before = pair.before.copy()
    before[:, :128] = 0
    a = _tif(tmp_path / "a.tif", before, nodata=0)
    b = _tif(tmp_path / "b.tif", pair.after)
    _run(a, b, "--out", tmp_path / "out")
    mask = np.array(Image.open(tmp_path / "out" / "mask.png"))
    assert not mask[:, :128].any()


def test_16_bit_is_stretched(tmp_path, pair):
    a = _tif(tmp_path / "a.tif", pair.before.astype(np.uint16) * 40)
    b = _tif(tmp_path / "b.tif", pair.after.astype(np.uint16) * 40)
    _run(a, b, "--out", tmp_path / "out")
    assert (tmp_path / "out" / "mask.png").is_file()


def _refused(tmp_path: Path, a: Path, b: Path, vi: str, en: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(CommandError) as err:
        _run(a, b, "--out", out)
    msg = str(err.value)
    assert vi in msg and en in msg
    assert msg.index(vi) < msg.index(en)  # Vietnamese first
    assert not out.exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_no_overlap(tmp_path, pair):
    a = _tif(tmp_path / "a.tif", pair.before)
    b = _tif(tmp_path / "b.tif", pair.after, origin=(ORIGIN[0] + 5000, ORIGIN[1]))
    _refused(tmp_path, a, b, "không chồng lên nhau", "do not overlap")


def test_single_band(tmp_path, pair):
    a = _tif(tmp_path / "a.tif", pair.before[..., 0])
    b = _tif(tmp_path / "b.tif", pair.after)
    _refused(tmp_path, a, b, "chỉ có 1 kênh", "1 band(s)")


def test_float_image(tmp_path, pair):
    a = _tif(tmp_path / "a.tif", pair.before.astype(np.float32))
    b = _tif(tmp_path / "b.tif", pair.after)
    _refused(tmp_path, a, b, "kiểu điểm ảnh float32", "float32 pixels")


def test_corrupt_file(tmp_path, pair):
    a = tmp_path / "a.tif"
    a.write_bytes(b"II*\x00" + bytes(np.random.default_rng(1).integers(0, 255, 500, dtype=np.uint8)))
    b = _png(tmp_path / "b.png", pair.after)
    _refused(tmp_path, a, b, "bị hỏng", "corrupt")


def test_truncated_png(tmp_path, pair):
    full = _png(tmp_path / "full.png", pair.before).read_bytes()
    a = tmp_path / "a.png"
    a.write_bytes(full[: len(full) // 2])
    b = _png(tmp_path / "b.png", pair.after)
    _refused(tmp_path, a, b, "bị hỏng", "corrupt")


def test_too_large(tmp_path, pair, settings):
    settings.DETECTION_MAX_PIXELS = 256 * 255
    a, b = _png(tmp_path / "a.png", pair.before), _png(tmp_path / "b.png", pair.after)
    _refused(tmp_path, a, b, "Cặp ảnh quá lớn", "too large")


def test_different_sizes_not_georeferenced(tmp_path, pair):
    a = _png(tmp_path / "a.png", pair.before)
    b = _png(tmp_path / "b.png", pair.after[:200])
    _refused(tmp_path, a, b, "khác kích thước", "differ in size")
