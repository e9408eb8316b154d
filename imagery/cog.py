"""GeoTIFF → web-optimised Cloud Optimized GeoTIFF.

`inspect` refuses a bad file from its header alone (GDAL opens the header; no pixel is decoded); `convert` streams
the image window by window through rio-cogeo (reprojected to Web Mercator, tiles aligned on the
XYZ grid, internal overviews), reporting its progress; `describe` reads what the tile server
needs back from the finished COG.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, cast

import morecantile
import numpy as np
import rasterio
import shapely
from django.conf import settings
from pyproj import CRS, Geod
from pyproj.exceptions import CRSError
from rasterio.enums import ColorInterp, MaskFlags
from rasterio.errors import RasterioError
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform as warp_transform
from rio_cogeo.cogeo import cog_translate, cog_validate
from rio_cogeo.profiles import cog_profiles
from rio_tiler.io import Reader

from gisportal.errors import InvalidInput, TooLarge
from layers.crs import VIETNAM_LAT, VIETNAM_LON

WEB_MERCATOR_QUAD = morecantile.tms.get("WebMercatorQuad")
# A TIFF's first four bytes, classic and BigTIFF, both byte orders: only to tell "not a TIFF at all" from
# "a damaged TIFF" when GDAL cannot open the file.
TIFF_MAGIC = {b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"}
MAX_SIDE = 262_144
SUPPORTED_DTYPES = {"uint8", "uint16"}
# While converting, reading the source must see its sidecar files (.tfw, .aux.xml, .msk): the
# serving setting GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR would hide a georeference kept in a .tfw.
READ_SOURCE_ENV = {"GDAL_DISABLE_READDIR_ON_OPEN": "FALSE"}


@dataclass(frozen=True)
class SourceInfo:
    """What the header of an acceptable GeoTIFF says."""

    width: int
    height: int
    bands: int
    dtype: str
    crs: str
    crs_name: str
    footprint: shapely.Polygon  # WGS 84
    resolution_m: float


def check_size(width: int, height: int) -> None:
    """Refuse an image whose claimed size would not fit the limits (IMAGERY_MAX_PIXELS, MAX_SIDE)."""
    limit = settings.IMAGERY_MAX_PIXELS
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > limit:
        raise TooLarge(
            f"Ảnh khai báo kích thước {width} × {height} điểm ảnh, vượt giới hạn {limit:,} điểm ảnh "
            f"(tối đa {MAX_SIDE:,} mỗi chiều); tệp bị từ chối trước khi giải mã.",
            f"The image claims {width} × {height} pixels, over the limit of {limit:,} pixels "
            f"({MAX_SIDE:,} per side at most); refused before decoding.",
            {"width": width, "height": height, "max_pixels": limit},
            code="image_too_large",
        )


def _crs_label(crs) -> tuple[str, str]:
    """("EPSG:9210", "VN-2000 / TM-3 105-45"), or ("custom", its name) for a CRS without an EPSG code."""
    epsg = crs.to_epsg(confidence_threshold=70)
    try:
        name = CRS.from_wkt(crs.to_wkt()).name
    except CRSError:
        name = ""
    return (f"EPSG:{epsg}" if epsg else "custom"), name


def _footprint(ds) -> shapely.Polygon:
    """The image's outline in WGS 84, each edge densified so that a curved reprojected edge stays true."""
    left, bottom, right, top = ds.bounds
    n = 21
    xs = [*np.linspace(left, right, n), *[right] * n, *np.linspace(right, left, n), *[left] * n]
    ys = [*[top] * n, *np.linspace(top, bottom, n), *[bottom] * n, *np.linspace(bottom, top, n)]
    lons, lats = warp_transform(ds.crs, "EPSG:4326", xs, ys)
    return shapely.Polygon(zip(lons, lats, strict=True)).normalize()


def _ground_resolution(ds) -> float:
    """Metres on the ground between the centres of two neighbouring pixels, whatever the CRS's units."""
    cx, cy = ds.width // 2, ds.height // 2
    xs, ys = [], []
    for col, row in ((cx, cy), (cx + 1, cy), (cx, cy + 1)):
        x, y = ds.transform @ (col + 0.5, row + 0.5)
        xs.append(x)
        ys.append(y)
    lons, lats = warp_transform(ds.crs, "EPSG:4326", xs, ys)
    geod = Geod(ellps="WGS84")
    dx = geod.inv(lons[0], lats[0], lons[1], lats[1])[2]
    dy = geod.inv(lons[0], lats[0], lons[2], lats[2])[2]
    return (dx + dy) / 2


def inspect(path: Path) -> SourceInfo:
    """Check a GeoTIFF from its header and describe it, or raise why it is refused.

    GDAL's GTiff driver reads the header only (no pixel is decoded, however large the image claims to
    be), so the size limits are checked before anything else is asked of the file.
    """
    try:
        with rasterio.Env(**READ_SOURCE_ENV), rasterio.open(path, driver="GTiff") as ds:
            check_size(ds.width, ds.height)
            try:
                return _describe_source(ds)
            except (RasterioError, ValueError) as exc:  # rasterio's CRSError is a ValueError
                raise InvalidInput(
                    "Không chuyển được hệ tọa độ của ảnh sang WGS 84.",
                    "The image's CRS cannot be transformed to WGS 84.",
                    {"crs": str(ds.crs), "error": str(exc)[:300]},
                    code="not_georeferenced",
                ) from exc
    except RasterioError as exc:  # GDAL cannot open it as a TIFF: say whether it is one at all
        with open(path, "rb") as fh:
            first = fh.read(4)
        if first not in TIFF_MAGIC:
            raise InvalidInput(
                "Tệp không phải là ảnh GeoTIFF.",
                "The file is not a GeoTIFF.",
                {"first_bytes": first.hex()},
                code="not_a_geotiff",
            ) from exc
        raise InvalidInput(
            "Tệp TIFF bị hỏng hoặc không đọc được.",
            "The TIFF is corrupt or unreadable.",
            {"gdal": str(exc)},
            code="not_a_geotiff",
        ) from exc


def _describe_source(ds) -> SourceInfo:
    if ds.crs is None or ds.transform.is_identity:
        gcps = bool(ds.gcps[0])
        raise InvalidInput(
            "Ảnh chưa được nắn chỉnh tọa độ (không có hệ tọa độ hoặc phép biến đổi địa lý)"
            + ("; ảnh chỉ có điểm khống chế (GCP): hãy nắn ảnh trước khi tải lên." if gcps else "."),
            "The image is not georeferenced (no CRS or no geotransform)"
            + ("; it only has ground control points (GCPs): warp it first." if gcps else "."),
            {"crs": str(ds.crs) if ds.crs else None, "gcps": gcps},
            code="not_georeferenced",
        )
    dtype = ds.dtypes[0]
    alpha_ok = ds.count == 4 and ds.colorinterp[3] == ColorInterp.alpha
    if ds.count not in (3, 4) or (ds.count == 4 and not alpha_ok) or dtype not in SUPPORTED_DTYPES:
        raise InvalidInput(
            f"Chỉ nhận ảnh RGB hoặc RGBA 8 hoặc 16 bit; tệp này có {ds.count} kênh kiểu {dtype}.",
            f"Only RGB or RGBA images of 8 or 16 bits are accepted; this one has {ds.count} bands of {dtype}.",
            {"bands": ds.count, "dtype": dtype, "colorinterp": [c.name for c in ds.colorinterp]},
            code="unsupported_image",
        )
    footprint = _footprint(ds)
    west, south, east, north = footprint.bounds
    finite = all(math.isfinite(v) for v in footprint.bounds)
    inside = finite and VIETNAM_LON[0] <= west and east <= VIETNAM_LON[1]
    inside = inside and VIETNAM_LAT[0] <= south and north <= VIETNAM_LAT[1]
    if not inside:
        raise InvalidInput(
            f"Ảnh nằm ngoài lãnh thổ Việt Nam (kinh độ {west:.4f}–{east:.4f}, vĩ độ {south:.4f}–{north:.4f}); "
            "kiểm tra lại hệ tọa độ của tệp.",
            f"The image lies outside Vietnam (lon {west:.4f}–{east:.4f}, lat {south:.4f}–{north:.4f}); "
            "check the file's CRS.",
            {"bounds": [west, south, east, north], "crs": ds.crs.to_string()},
            code="outside_vietnam",
        )
    crs, crs_name = _crs_label(ds.crs)
    return SourceInfo(
        width=ds.width,
        height=ds.height,
        bands=ds.count,
        dtype=dtype,
        crs=crs,
        crs_name=crs_name,
        footprint=footprint,
        resolution_m=_ground_resolution(ds),
    )


class _ProgressSink(io.TextIOBase):
    """rio-cogeo's click progress bar, read back as a percentage.

    click draws its bar (and the "37%") only on a terminal, so this stream says it is one; the
    bar advances once per block window that has been read, warped and written.
    """

    _PERCENT = re.compile(r"(\d{1,3})%")

    def __init__(self, callback: Callable[[int], None]):
        super().__init__()
        self.callback = callback

    def isatty(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        found = self._PERCENT.findall(text)
        if found:
            self.callback(min(100, int(found[-1])))
        return len(text)


def convert(src: Path, dst: Path, progress: Callable[[int], None] = lambda p: None) -> None:
    """Write `src` as a web-optimised COG at `dst`, streaming it window by window (never whole in memory).

    `progress` gets 0–100 for the windows copied; overviews and the final layout follow at 100.
    Nearest-neighbour warping keeps every pixel value as it was (no invented colours at full zoom);
    overviews average, for display. DEFLATE is lossless; 512 px blocks, as TiTiler advises.
    """
    profile = cog_profiles.get("deflate")
    profile.update(blockxsize=512, blockysize=512, predictor=2, BIGTIFF="IF_SAFER")
    with warnings.catch_warnings():
        # rio-cogeo flags `web_optimized`-era options and nodata+alpha files; neither changes the result.
        warnings.simplefilter("ignore")
        sink = _ProgressSink(progress)
        # rio-cogeo also echoes its stages to stderr: kept out of the worker's log and the CLI's bar.
        with contextlib.ExitStack() as stack:
            stack.enter_context(rasterio.Env(**READ_SOURCE_ENV))
            stack.enter_context(contextlib.redirect_stderr(sink))
            source = stack.enter_context(rasterio.open(src))
            has_mask = (
                source.nodata is not None
                or source.count == 4
                or any(MaskFlags.per_dataset in flags for flags in source.mask_flag_enums)
            )
            if not has_mask:
                # Every pixel of the source is real, but the reprojected grid has empty corners: an alpha
                # band (a view, no copy) marks them, and rio-cogeo turns it into the COG's mask.
                source = stack.enter_context(WarpedVRT(source, add_alpha=True))
            cog_translate(
                source,
                str(dst),
                profile,
                tms=WEB_MERCATOR_QUAD,
                # Always RGB + an internal mask (from nodata, alpha or the added alpha): one shape to serve.
                add_mask=True,
                resampling="nearest",
                overview_resampling="average",
                in_memory=False,
                # The intermediate file stays on disk, compressed: a 1 GB source never needs RAM or 3 GB of /tmp.
                allow_intermediate_compression=True,
                quiet=False,
                progress_out=cast(TextIO, sink),  # a text stream click writes its bar to
                config=READ_SOURCE_ENV,
            )


_NOT_TILED = re.compile(r"Overview of index (\d+) is not tiled")


def _one_block_wide_overview(path: Path, error: str) -> bool:
    """rio-cogeo's validator calls an overview exactly one block wide "not tiled" (rasterio's is_tiled
    compares the block width with the width); GDAL did write it in 512 px tiles, which is what counts."""
    found = _NOT_TILED.fullmatch(error)
    if not found:
        return False
    with rasterio.open(path, overview_level=int(found.group(1))) as level:
        return level.block_shapes[0] == (512, 512)


@dataclass(frozen=True)
class CogInfo:
    minzoom: int
    maxzoom: int
    rescale: list[list[float]]
    size_bytes: int


def describe(path: Path, dtype: str) -> CogInfo:
    """Validate the COG and read back its zoom range and, for 16-bit, a 2–98 % stretch per band."""
    _valid, errors, _warnings = cog_validate(str(path), quiet=True)
    errors = [e for e in errors if not _one_block_wide_overview(path, e)]
    if errors:
        raise RasterioError(f"COG validation failed: {errors}")
    with Reader(str(path)) as reader:
        rescale: list[list[float]] = []
        if dtype != "uint8":
            stats = reader.statistics(indexes=(1, 2, 3), max_size=1024, percentiles=[2, 98])
            rescale = [[float(s.percentile_2), float(s.percentile_98)] for s in stats.values()]
        return CogInfo(reader.minzoom, reader.maxzoom, rescale, path.stat().st_size)
