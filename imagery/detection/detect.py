"""Detection over a whole pair on disk, window by window: mask.png, scores.png, candidates.geojson.

Memory stays at one window (tile + margin) whatever the pair's size: each window's mask and scores are
written into tiled temporary GeoTIFFs, which GDAL then copies to PNG line by line. Candidates cut by a
window's edge are merged with their neighbours' parts before the minimum area applies. Everything is
written into a temporary folder beside DIR and moved into place only when complete.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.errors import NotGeoreferencedWarning
from rasterio.windows import Window
from shapely.geometry import mapping

from imagery.detection.detector import Candidate, Detector, components_to_candidates, load_detector
from imagery.detection.pairs import open_pair, read_label

OUTPUTS = ("mask.png", "scores.png", "candidates.geojson")


@dataclass
class DetectResult:
    width: int
    height: int
    georeferenced: bool
    candidates: list[Candidate]
    model_version: str
    metrics: dict | None = None
    lines: list[str] = field(default_factory=list)


def _merge(cands: list[Candidate], edge: list[bool]) -> list[Candidate]:
    """Join the parts of one structure cut by window edges (only candidates flagged as touching an edge)."""
    from shapely import STRtree
    from shapely.ops import unary_union

    keep = [c for c, e in zip(cands, edge, strict=True) if not e]
    parts = [c for c, e in zip(cands, edge, strict=True) if e]
    if not parts:
        return keep
    geoms = [c.geometry.buffer(0.6) for c in parts]
    tree = STRtree(geoms)
    parent = list(range(len(parts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, g in enumerate(geoms):
        for j in tree.query(g, predicate="intersects"):
            ri, rj = find(i), find(int(j))
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(len(parts)):
        groups.setdefault(find(i), []).append(i)
    for members in groups.values():
        area = sum(parts[i].area_px for i in members)
        score = sum(parts[i].score * parts[i].area_px for i in members) / max(area, 1)
        geom = unary_union([parts[i].geometry.buffer(0.01) for i in members]).buffer(-0.01)
        if geom.geom_type != "Polygon":
            geom = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        keep.append(Candidate(geom, float(score), int(area)))
    return keep


def _geojson(cands: list[Candidate], transform: Affine | None, crs, version: str) -> dict:
    from shapely import affinity

    feats = []
    for i, c in enumerate(sorted(cands, key=lambda c: -c.score)):
        geom = c.geometry
        if transform is not None:
            t = transform
            geom = affinity.affine_transform(geom, [t.a, t.b, t.d, t.e, t.c, t.f])
            if crs is not None and crs.to_epsg() != 4326:
                from rasterio.warp import transform_geom

                geom_json = transform_geom(crs, "EPSG:4326", mapping(geom))
            else:
                geom_json = mapping(geom)
        else:
            geom_json = mapping(geom)
        feats.append(
            {
                "type": "Feature",
                "id": i + 1,
                "geometry": geom_json,
                "properties": {"score": round(c.score, 4), "area_px": c.area_px},
            }
        )
    out = {"type": "FeatureCollection", "model_version": version, "features": feats}
    out["coordinates"] = "EPSG:4326" if transform is not None else "pixels (x right, y down, origin top-left)"
    return out


def detect_pair(
    before: Path,
    after: Path,
    out_dir: Path,
    *,
    labels: Path | None = None,
    detector: Detector | None = None,
    tile: int = 1024,
    margin: int = 48,
    progress: Callable[[int, int], None] | None = None,
) -> DetectResult:
    """Run the detector over a pair and write OUTPUTS into out_dir (all or nothing)."""
    det = detector or load_detector()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        with open_pair(before, after) as src:
            profile = {
                "driver": "GTiff",
                "width": src.width,
                "height": src.height,
                "count": 1,
                "dtype": "uint8",
                "tiled": True,
                "blockxsize": 256,
                "blockysize": 256,
                "compress": "deflate",
            }
            cands: list[Candidate] = []
            edge: list[bool] = []
            min_px = det.min_area_px(src.pixel_m)
            windows = list(src.windows(tile, margin))
            with (
                warnings.catch_warnings(),
                rasterio.open(tmp / "mask.tif", "w", **profile) as mtif,
                rasterio.open(tmp / "scores.tif", "w", **profile) as stif,
            ):
                warnings.simplefilter("ignore", NotGeoreferencedWarning)
                for k, (outer, inner) in enumerate(windows):
                    b, a, v = src.read(outer)
                    prob = det.probability(b, a, v)
                    m = det.mask(prob, v)
                    r0, c0 = inner.row_off - outer.row_off, inner.col_off - outer.col_off
                    crop = (slice(r0, r0 + inner.height), slice(c0, c0 + inner.width))
                    p_in, m_in = prob[crop], m[crop]
                    # Components touching an inner edge that is not the raster's edge continue next door.
                    border = np.zeros_like(m_in)
                    if inner.row_off > 0:
                        border[0] = True
                    if inner.col_off > 0:
                        border[:, 0] = True
                    if inner.row_off + inner.height < src.height:
                        border[-1] = True
                    if inner.col_off + inner.width < src.width:
                        border[:, -1] = True
                    shift = Affine.translation(inner.col_off, inner.row_off)
                    tile_cands = components_to_candidates(
                        m_in, p_in, min_px=min_px, transform=shift, keep_small=border, simplify_px=det.simplify_px
                    )
                    # The mask holds exactly the candidates' pixels (small specks removed here too).
                    from scipy import ndimage

                    labels_, n = ndimage.label(m_in)
                    if n:
                        areas = np.bincount(labels_.ravel())
                        touching = np.zeros(n + 1, bool)
                        touching[np.unique(labels_[border & (labels_ > 0)])] = True
                        small = (areas < min_px) & ~touching
                        small[0] = False
                        m_in = m_in & ~small[labels_]
                    for c in tile_cands:
                        minx, miny, maxx, maxy = c.geometry.bounds
                        edge.append(
                            (inner.col_off > 0 and minx <= inner.col_off + 0.5)
                            or (inner.row_off > 0 and miny <= inner.row_off + 0.5)
                            or (maxx >= inner.col_off + inner.width - 0.5 and maxx < src.width)
                            or (maxy >= inner.row_off + inner.height - 0.5 and maxy < src.height)
                        )
                        cands.append(c)
                    mtif.write((m_in * 255).astype(np.uint8), 1, window=inner)
                    stif.write(np.clip(p_in * 255 + 0.5, 0, 255).astype(np.uint8), 1, window=inner)
                    if progress:
                        progress(k + 1, len(windows))
            merged = [c for c in _merge(cands, edge) if c.area_px >= min_px]
            for name in ("mask", "scores"):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", NotGeoreferencedWarning)
                    rasterio.shutil.copy(tmp / f"{name}.tif", tmp / f"{name}.png", driver="PNG", ZLEVEL=6)
                (tmp / f"{name}.tif").unlink()
                aux = tmp / f"{name}.png.aux.xml"
                if aux.exists():
                    aux.unlink()
            gj = _geojson(merged, src.transform, src.crs, det.version)
            (tmp / "candidates.geojson").write_text(json.dumps(gj), encoding="utf-8")
            result = DetectResult(src.width, src.height, src.transform is not None, merged, det.version)
            if labels is not None:
                result.metrics, result.lines = _score(tmp / "mask.png", Path(labels), (src.height, src.width))
        _move_into_place(tmp, out_dir)
        return result
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _score(mask_png: Path, labels: Path, shape: tuple[int, int]) -> tuple[dict, list[str]]:
    from imagery.detection.metrics import as_dict, object_scores, pixel_scores, score_lines

    label = read_label(labels, shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        with rasterio.open(mask_png) as ds:
            pred = ds.read(1, window=Window(0, 0, shape[1], shape[0])) > 127
    pix, obj = pixel_scores(pred, label), object_scores(pred, label)
    return as_dict(pix, obj), score_lines(pix, obj)


def _move_into_place(tmp: Path, out_dir: Path) -> None:
    """The finished files into out_dir: a rename of the whole folder, or file by file into an existing one."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    for name in OUTPUTS:
        (tmp / name).replace(out_dir / name)
    shutil.rmtree(tmp, ignore_errors=True)
