"""Reading an acquisition's COG through rio-tiler: XYZ tiles, pixel values at a point, cut-outs.

Tiles are the same for every reader allowed to see them and never change (a re-flown area is a
new acquisition), so a rendered tile is kept in Django's "imagery" cache (Redis, shared by every
web worker) under the COG's own file name; a tile outside the footprint is answered without
opening the file at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import morecantile
import numpy as np
from django.conf import settings
from django.core.cache import caches
from rasterio.errors import RasterioError
from rio_tiler import errors as rt
from rio_tiler.errors import RioTilerError, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.models import ImageData

from gisportal.errors import InvalidInput, NotFound, PortalError, ServiceUnavailable
from imagery.models import Acquisition
from imagery.storage import cog_path

TMS = morecantile.tms.get("WebMercatorQuad")
TILE_SIZE = 256
MAX_ZOOM = 24
FORMATS = {"png": ("PNG", "image/png"), "webp": ("WEBP", "image/webp")}
RGB = (1, 2, 3)
NOT_COVERED = ("Ảnh không phủ vùng này.", "The image does not cover this area.")
NOT_COVERED_POINT = ("Ảnh không phủ điểm này.", "The image does not cover this point.")
UNREADABLE = ("Không đọc được tệp ảnh trên máy chủ.", "The image file cannot be read.")

# rio-tiler / rasterio exception → how a request is answered (the first matching row). TileOutsideBounds is
# no error for a tile (it gets an empty tile, see `tile`); for a point or an area it means "not covered".
_ERRORS: list[tuple[type[Exception], type[PortalError], str, tuple[str, str]]] = [
    (rt.TileOutsideBounds, NotFound, "outside_footprint", NOT_COVERED),
    (rt.PointOutsideBounds, NotFound, "outside_footprint", NOT_COVERED_POINT),
    (rt.InvalidBounds, InvalidInput, "invalid_input", ("Khung tọa độ không hợp lệ.", "Invalid bounding box.")),
    (
        rt.MaxArraySizeError,
        InvalidInput,
        "invalid_input",
        ("Vùng yêu cầu quá lớn.", "The requested area is too large."),
    ),
    (RasterioError, ServiceUnavailable, "imagery_unavailable", UNREADABLE),  # RasterioIOError too
]


def translate(exc: Exception, details: Any = None) -> PortalError:
    """The portal error a rio-tiler/rasterio exception stands for; any other exception is raised again."""
    for cls, portal_cls, code, (vi, en) in _ERRORS:
        if isinstance(exc, cls):
            return portal_cls(vi, en, details, code=code)
    raise exc


@dataclass(frozen=True)
class Source:
    """What serving an acquisition needs: small and picklable, so that an access decision can be cached."""

    pk: int
    cog_name: str
    extent: tuple[float, float, float, float]  # WGS 84 west, south, east, north
    dtype: str
    rescale: tuple[tuple[float, float], ...]
    minzoom: int
    maxzoom: int
    title: str

    @classmethod
    def of(cls, a: Acquisition) -> Source:
        return cls(
            a.pk,
            a.cog_name,
            a.footprint.extent,
            a.dtype,
            tuple(tuple(r) for r in a.rescale),
            a.minzoom,
            a.maxzoom,
            a.title,
        )

    @property
    def cog_path(self) -> Path:
        return cog_path(self.cog_name)


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def _empty(fmt: str) -> bytes:
    """A fully transparent tile, rendered once per format."""
    if fmt not in _EMPTY:
        blank = ImageData(np.ma.masked_all((3, TILE_SIZE, TILE_SIZE), dtype="uint8"))
        _EMPTY[fmt] = blank.render(img_format=FORMATS[fmt][0], **_options(fmt))
    return _EMPTY[fmt]


_EMPTY: dict[str, bytes] = {}


def _covers(acquisition: Source, z: int, x: int, y: int) -> bool:
    west, south, east, north = TMS.bounds(morecantile.Tile(x, y, z))
    a_west, a_south, a_east, a_north = acquisition.extent
    return west < a_east and east > a_west and south < a_north and north > a_south


def _options(fmt: str) -> dict:
    # PNG's zlib level (settings.IMAGERY_PNG_ZLEVEL, 1 by default): on a LAN, for tiles then served from
    # the cache, ~6 ms less per encode is worth ~20 % more bytes (measured by bench/tiles.py).
    return {"zlevel": settings.IMAGERY_PNG_ZLEVEL} if fmt == "png" else {}


def _render(acquisition: Source, image: ImageData, fmt: str) -> bytes:
    """PNG or WebP bytes; 16-bit imagery shown as 8-bit through the 2–98 % stretch measured at ingestion."""
    if acquisition.dtype != "uint8":
        image = image.rescale(in_range=list(acquisition.rescale))
    return image.render(img_format=FORMATS[fmt][0], **_options(fmt))


@dataclass(frozen=True)
class Tile:
    body: bytes
    empty: bool
    cached: bool


def tile(acquisition: Source, z: int, x: int, y: int, fmt: str = "png") -> Tile:
    """One 256 px tile of the acquisition; transparent where it has no pixels."""
    cache = caches["imagery"]
    key = f"tile:{acquisition.cog_name}:{z}/{x}/{y}.{fmt}:{_options(fmt).get('zlevel', '')}"
    body = cache.get(key)
    if body is not None:
        return Tile(body, empty=False, cached=True)
    if not _covers(acquisition, z, x, y):
        return Tile(_empty(fmt), empty=True, cached=False)
    try:
        with Reader(str(acquisition.cog_path)) as src:
            image = src.tile(x, y, z, tilesize=TILE_SIZE, indexes=RGB)
    except TileOutsideBounds:
        return Tile(_empty(fmt), empty=True, cached=False)
    except (RioTilerError, RasterioError) as exc:
        raise translate(exc, {"acquisition": acquisition.pk}) from exc
    body = _render(acquisition, image, fmt)
    cache.set(key, body)
    return Tile(body, empty=False, cached=False)


def point(acquisition: Source, lon: float, lat: float) -> dict:
    """The raw pixel values (source units: 0–255 or 0–65535) of bands 1–3 at a WGS 84 point."""
    try:
        with Reader(str(acquisition.cog_path)) as src:
            found = src.point(lon, lat, indexes=RGB)
    except (RioTilerError, RasterioError) as exc:
        raise translate(exc, {"lon": lon, "lat": lat}) from exc
    masked = bool(np.ma.getmaskarray(found.array).all())
    if masked:
        raise NotFound(
            "Ảnh không có dữ liệu tại điểm này.",
            "The image has no pixel at this point.",
            {"lon": lon, "lat": lat},
            code="outside_footprint",
        )
    return {
        "acquisition": acquisition.pk,
        "lon": lon,
        "lat": lat,
        "bands": ["red", "green", "blue"],
        "values": [int(v) for v in found.array.data],
        "dtype": acquisition.dtype,
    }


def crop(acquisition: Source, bbox: tuple[float, float, float, float], max_size: int = 256, fmt: str = "png") -> bytes:
    """The acquisition cut to a WGS 84 box, in Web Mercator, at most max_size px on its longer side."""
    west, south, east, north = bbox
    a_west, a_south, a_east, a_north = acquisition.extent
    if not (west < a_east and east > a_west and south < a_north and north > a_south):
        raise NotFound(*NOT_COVERED, {"bbox": bbox}, code="outside_footprint")
    cache = caches["imagery"]
    key = f"crop:{acquisition.cog_name}:{','.join(f'{v:.7f}' for v in bbox)}:{max_size}.{fmt}"
    body = cache.get(key)
    if body is not None:
        return body
    try:
        with Reader(str(acquisition.cog_path)) as src:
            image = src.part(bbox, dst_crs=TMS.rasterio_crs, max_size=max_size, indexes=RGB)
    except (RioTilerError, RasterioError) as exc:
        raise translate(exc, {"bbox": bbox}) from exc
    body = _render(acquisition, image, fmt)
    cache.set(key, body)
    return body
