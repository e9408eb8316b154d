"""Imagery endpoints under /imagery/: XYZ tiles, TileJSON, the point query and cut-outs.

Plain Django views (a tile is bytes, not a DRF representation). Login-only and scoped by ward,
like every land record: aerial photographs at 10–50 cm show the inside of yards, and they are
evidence in land-title and compensation files (docs/architecture.md, Access). So responses are `Cache-Control:
private` (the officer's browser keeps them; nginx, which caches public tiles for everyone, must
not); a repeated tile is fast through the server-side cache (imagery/tiles.py) and the signed tile
URLs that spare the session and the database (imagery/access.py).
"""

from __future__ import annotations

import hashlib
from typing import TypeVar, cast

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from gisportal.errors import InvalidInput, PortalError, error_response, json_error
from gisportal.params import is_whole
from imagery import access, tiles
from imagery.api.params import number, parse_bbox
from layers.crs import check_lon_lat

# A week: an acquisition's tiles never change.
MAX_AGE = 7 * 86400


def _find(request: HttpRequest, pk: int) -> tiles.Source | JsonResponse:
    """The acquisition if this request may read it, else the error to answer.

    A signed `key` (imagery/access.py) decides without the session; otherwise anonymous → 401,
    out of the user's wards → 404.
    """
    if key := request.GET.get("key"):
        cog_name = access.cog_of_key(key, pk)
        found = access.source_of_cog(cog_name) if cog_name else None
        if found is None:
            return json_error(
                403, "invalid_key", "Khóa xem ảnh sai hoặc đã hết hạn: tải lại trang.",
                "The imagery key is wrong or has expired: reload the page.",
            )  # fmt: skip
        return found
    if not request.user.is_authenticated:
        return json_error(401, "not_authenticated", "Bạn cần đăng nhập.", "You need to log in.")
    found = access.source_for_user(request.user, pk)
    if found is None:
        return json_error(404, "not_found", "Không tìm thấy ảnh.", "No such acquisition.", {"id": pk})
    return found


_R = TypeVar("_R", bound=HttpResponse)


def _private(response: _R, max_age: int = MAX_AGE) -> _R:
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


@require_safe
def tile(request: HttpRequest, pk: str, z: str, x: str, y: str, fmt: str) -> HttpResponse:
    """One 256 px XYZ tile (PNG or WebP); a transparent tile where the acquisition has no pixels."""
    found = _find(request, int(pk))
    if isinstance(found, JsonResponse):
        return found
    zi, xi, yi = int(z), int(x), int(y)
    if not tiles.valid_tile(zi, xi, yi):
        return json_error(
            400,
            "invalid_tile",
            f"Ô bản đồ {z}/{x}/{y} không tồn tại: cần 0 ≤ z ≤ {tiles.MAX_ZOOM} và 0 ≤ x, y < 2^z.",
            f"No tile {z}/{x}/{y}: need 0 ≤ z ≤ {tiles.MAX_ZOOM} and 0 ≤ x, y < 2^z.",
        )
    try:
        result = tiles.tile(found, zi, xi, yi, fmt)
    except PortalError as exc:
        return error_response(exc)
    response = HttpResponse(result.body, content_type=tiles.FORMATS[fmt][1])
    response["X-Tile-Cache"] = "hit" if result.cached else ("empty" if result.empty else "miss")
    # The COG's name and the tile address identify the bytes: no need to hash them.
    response["ETag"] = f'"{found.cog_name[:16]}-{zi}-{xi}-{yi}-{fmt}"'
    _private(response)
    return cast(HttpResponse, get_conditional_response(request, etag=response["ETag"], response=response))


@require_safe
def tilejson(request: HttpRequest, pk: int) -> HttpResponse:
    """TileJSON 3.0.0 of one acquisition (PNG tiles)."""
    found = _find(request, pk)
    if isinstance(found, JsonResponse):
        return found
    west, south, east, north = found.extent
    root = request.build_absolute_uri("/").rstrip("/")
    doc = {
        "tilejson": "3.0.0",
        "name": found.title or f"acquisition {found.pk}",
        "scheme": "xyz",
        "tiles": [root + access.tiles_url(request.user, found)] if request.user.is_authenticated else [],
        "minzoom": found.minzoom,
        "maxzoom": found.maxzoom,
        "bounds": [west, south, east, north],
        "center": [(west + east) / 2, (south + north) / 2, found.maxzoom],
    }
    return _private(JsonResponse(doc), 300)


@require_safe
def point(request: HttpRequest, pk: int) -> HttpResponse:
    """Pixel values of bands 1–3 at `?lon=&lat=` (WGS 84), in the source's units."""
    found = _find(request, pk)
    if isinstance(found, JsonResponse):
        return found
    try:
        lon, lat = number(request.GET, "lon"), number(request.GET, "lat")
        check_lon_lat(lon, lat)
        return _private(JsonResponse(tiles.point(found, lon, lat)))
    except PortalError as exc:
        return error_response(exc)


@require_safe
def crop(request: HttpRequest, pk: int) -> HttpResponse:
    """The acquisition cut to `?bbox=w,s,e,n` (WGS 84), at most `size` px (≤ 1024) on its longer side."""
    found = _find(request, pk)
    if isinstance(found, JsonResponse):
        return found
    try:
        bbox = parse_bbox(request.GET.get("bbox", ""))
        raw_size = request.GET.get("size", "256")
        if not is_whole(raw_size, 4) or not 16 <= int(raw_size) <= 1024:
            raise InvalidInput("size phải từ 16 đến 1024.", "size must be 16–1024.", {"size": raw_size})
        body = tiles.crop(found, bbox, int(raw_size))
    except PortalError as exc:
        return error_response(exc)
    response = HttpResponse(body, content_type="image/png")
    response["ETag"] = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
    _private(response)
    return cast(HttpResponse, get_conditional_response(request, etag=response["ETag"], response=response))


urlpatterns = [
    re_path(
        r"^(?P<pk>[0-9]{1,18})/tiles/(?P<z>[0-9]{1,2})/(?P<x>[0-9]{1,8})/(?P<y>[0-9]{1,8})\.(?P<fmt>png|webp)$",
        tile,
        name="imagery-tile",
    ),
    path("<int:pk>/tilejson.json", tilejson, name="imagery-tilejson"),
    path("<int:pk>/point", point, name="imagery-point"),
    path("<int:pk>/crop.png", crop, name="imagery-crop"),
]
