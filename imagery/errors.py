"""Imagery errors, and the one table that maps rio-tiler's and rasterio's exceptions onto them.

Each refusal of a file names what is wrong with it in words a land officer can act on; the
ingestion job keeps the same code and messages, so the page and the CLI say the same thing.
"""

from __future__ import annotations

from typing import Any

from rasterio.errors import RasterioError, RasterioIOError
from rest_framework import status
from rio_tiler import errors as rt

from gisportal.errors import InvalidInput, PortalError


class ImageryError(PortalError):
    """Base of the imagery errors: a file or a request the imagery module cannot serve."""

    code = "imagery_error"


class NotAGeoTiff(ImageryError):
    """The file is not a TIFF, or GDAL cannot read it (corrupt, truncated)."""

    code = "not_a_geotiff"


class NotGeoreferenced(ImageryError):
    """The TIFF has no CRS or no geotransform: it cannot be placed on the map."""

    code = "not_georeferenced"


class UnsupportedImage(ImageryError):
    """Not RGB/RGBA, or not 8/16-bit unsigned."""

    code = "unsupported_image"


class ImageTooLarge(ImageryError):
    """The header claims more pixels than IMAGERY_MAX_PIXELS (refused before decoding)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "image_too_large"


class OutsideVietnam(ImageryError):
    """The image's footprint is not inside Vietnam."""

    code = "outside_vietnam"


class CorruptImage(ImageryError):
    """GDAL failed while reading the pixels (found during conversion)."""

    code = "corrupt_image"


class OutsideFootprint(ImageryError):
    """A point or an area that the acquisition does not cover."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "outside_footprint"


class ImageryUnavailable(ImageryError):
    """The acquisition's COG is missing or unreadable on the server."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "imagery_unavailable"


# rio-tiler / rasterio exception → how a request is answered. TileOutsideBounds is no error
# for a tile (it gets an empty tile, see imagery/tiles.py); for a point it means "not covered".
_TABLE: list[tuple[type[Exception], type[PortalError], str, str]] = [
    (rt.TileOutsideBounds, OutsideFootprint, "Ảnh không phủ vùng này.", "The image does not cover this area."),
    (rt.PointOutsideBounds, OutsideFootprint, "Ảnh không phủ điểm này.", "The image does not cover this point."),
    (rt.InvalidBounds, InvalidInput, "Khung tọa độ không hợp lệ.", "Invalid bounding box."),
    (rt.MaxArraySizeError, InvalidInput, "Vùng yêu cầu quá lớn.", "The requested area is too large."),
    (RasterioIOError, ImageryUnavailable, "Không đọc được tệp ảnh trên máy chủ.", "The image file cannot be read."),
    (RasterioError, ImageryUnavailable, "Không đọc được tệp ảnh trên máy chủ.", "The image file cannot be read."),
]


def translate(exc: Exception, details: Any = None) -> PortalError:
    """The portal error a rio-tiler/rasterio exception stands for (the first matching row of the table)."""
    for cls, portal_cls, vi, en in _TABLE:
        if isinstance(exc, cls):
            return portal_cls(vi, en, details)
    raise exc
