"""Basemap endpoints under /tiles/: its TileJSON, its MVT tiles, and an optional PMTiles file by range requests.

- `/tiles/basemap.json`: TileJSON 3.0.0; `tiles` is the portal's own ZXY URL, or the PMTiles file when
  `BASEMAP_PMTILES` names one (a city-wide basemap made once from an OpenStreetMap extract), plus
  `online` = `BASEMAP_URL` (a raster basemap on the Internet, empty on closed networks).
- `/tiles/basemap/{z}/{x}/{y}.mvt[?year=YYYY]`: layers/basemap/tiles.py's tile; 204 when empty.
- `/tiles/basemap.pmtiles`: the configured file with `Range` support (206), which protomaps-leaflet reads
  a directory and a tile at a time.
Everything here is public and the same for everyone, so cacheable like the layer tiles.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path
from typing import cast

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from gisportal.errors import json_error
from layers.basemap import tiles as basemap

MVT = "application/vnd.mapbox-vector-tile"
MAX_AGE = 300  # the basemap changes when a ward imports an extract or edits a street: minutes are fine
CHUNK = 1 << 16
GZIP_FROM = 1024  # bytes: below this gzip saves less than its header costs
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 8 else None


def pmtiles_path() -> Path | None:
    raw = getattr(settings, "BASEMAP_PMTILES", "")
    return Path(raw) if raw and Path(raw).is_file() else None


@require_safe
def tilejson(request: HttpRequest) -> JsonResponse:
    """TileJSON of the basemap: where its tiles are, and the online raster basemap if one is configured."""
    pm = pmtiles_path()
    if pm:
        tiles = request.build_absolute_uri(reverse("basemap-pmtiles"))
    else:
        tiles = request.build_absolute_uri(reverse("basemap-tile", kwargs={"z": "0", "x": "0", "y": "0"}))
        tiles = tiles.replace("/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    doc = {
        "tilejson": "3.0.0",
        "name": "basemap",
        "description": "Bản đồ nền của cổng / The portal's own basemap",
        "scheme": "xyz",
        "format": "pmtiles" if pm else "mvt",
        "tiles": [tiles],
        "minzoom": basemap.MINZOOM,
        "maxzoom": basemap.MAX_ZOOM,
        "online": settings.BASEMAP_URL,
        "attribution": settings.BASEMAP_ATTRIBUTION,
        "vector_layers": [
            {"id": name, "fields": fields}
            for name, fields in (
                ("water", {"name": "String"}),
                ("parks", {"name": "String"}),
                ("blocks", {}),
                ("buildings", {"class": "String", "floors": "Number"}),
                ("trees", {}),
                ("streets", {"name": "String", "class": "String", "width": "Number"}),
                ("boundaries", {"level": "String", "name": "String"}),
                ("labels", {"level": "String", "name": "String"}),
            )
        ],
    }
    response = JsonResponse(doc)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@require_safe
def tile(request: HttpRequest, z: str, x: str, y: str) -> HttpResponse:
    """One basemap tile: 200, 204 when empty, 304 when the client's copy is current."""
    zi, xi, yi = _int(z), _int(x), _int(y)
    if zi is None or xi is None or yi is None or not basemap.valid_tile(zi, xi, yi):
        return json_error(
            400,
            "invalid_tile",
            f"Ô bản đồ {z}/{x}/{y} không tồn tại: cần 0 ≤ z ≤ {basemap.MAX_ZOOM} và 0 ≤ x, y < 2^z.",
            f"No tile {z}/{x}/{y}: need 0 ≤ z ≤ {basemap.MAX_ZOOM} and 0 ≤ x, y < 2^z.",
            {"z": z, "x": x, "y": y},
        )
    year = None
    if raw := request.GET.get("year"):
        year = _int(raw)
        if year is None or not 1900 <= year <= 2100:
            return json_error(
                400, "invalid_year", "Năm phải từ 1900 đến 2100.", "year must be 1900–2100.", {"year": raw}
            )
    body = basemap.tile(zi, xi, yi, year)
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    # A ward's z15 tile of 13,000 building outlines is ~270 kB and gzips to a third (~10 ms): worth it on a phone.
    zipped = len(body) > GZIP_FROM and "gzip" in request.headers.get("Accept-Encoding", "")
    response = HttpResponse(gzip.compress(body, 5) if zipped else body, content_type=MVT, status=200 if body else 204)
    if zipped:
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return cast(HttpResponse, get_conditional_response(request, etag=etag, response=response))  # never None here


def _stream(fh, start: int, length: int):
    fh.seek(start)
    left = length
    try:
        while left > 0:
            chunk = fh.read(min(CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        fh.close()


@require_safe
def pmtiles(request: HttpRequest) -> HttpResponseBase:
    """The configured PMTiles file, whole or by one byte range (`Range: bytes=a-b`)."""
    pm = pmtiles_path()
    if pm is None:
        return json_error(
            404, "no_pmtiles", "Chưa cấu hình tệp bản đồ nền PMTiles.", "No PMTiles basemap is configured."
        )
    size = pm.stat().st_size
    header = request.headers.get("Range", "")
    response: HttpResponseBase
    if not header:
        response = FileResponse(pm.open("rb"), content_type="application/octet-stream")
        response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        return response
    match = RANGE.match(header.strip())
    start: int | None = None
    end: int | None = None
    if match and (match[1] or match[2]):
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:  # a suffix: the last N bytes
            start, end = max(size - int(match[2]), 0), size - 1
    if start is None or end is None or start > end or start >= size:
        response = json_error(
            416,
            "invalid_range",
            f"Khoảng byte không hợp lệ: {header} (tệp {size} byte).",
            f"Invalid byte range: {header} (file of {size} bytes).",
        )
        response["Content-Range"] = f"bytes */{size}"
        return response
    length = end - start + 1
    response = StreamingHttpResponse(
        _stream(pm.open("rb"), start, length), status=206, content_type="application/octet-stream"
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


# Included under "tiles/" before layers.tiles.api, whose `<slug:layer>.json` would otherwise take basemap.json.
urlpatterns = [
    path("basemap.json", tilejson, name="basemap-tilejson"),
    path("basemap.pmtiles", pmtiles, name="basemap-pmtiles"),
    path("basemap/<str:z>/<str:x>/<str:y>.mvt", tile, name="basemap-tile"),
]
