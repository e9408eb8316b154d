"""Vector tile endpoints under /tiles/: the catalog, TileJSON per layer, and the tiles themselves.

Plain Django views (a tile is bytes, not a DRF representation); errors use the portal's JSON
shape through `gisportal.errors.json_error`. Everything here is public and the same for every
reader, so responses are cacheable (`Cache-Control: public`) by browsers and nginx (docker/nginx.conf).
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe

from gisportal.errors import json_error
from layers import registry
from layers.registry import Layer
from layers.tiles import mvt as tiles

MVT = "application/vnd.mapbox-vector-tile"
# Short: officers edit live and the map should show it within a minute. A count off by one for a few
# minutes misleads nobody, and a cluster tile of a layer without cell sums (a ward's own layer, or the
# businesses at z14-z15) reads every row in it: up to 0.1-0.5 s over a city.
MAX_AGE = 60
CLUSTER_MAX_AGE = 300


def _unknown(name: str) -> JsonResponse:
    return json_error(
        404, "unknown_layer", f"Không có lớp bản đồ '{name}'.", f"No map layer named {name!r}.", {"layer": name}
    )


def _public_layer(name: str) -> Layer | None:
    layer = registry.get(name)
    return layer if layer and layer.public else None


def _tiles_url(request: HttpRequest, layer: Layer) -> str:
    prefix = request.build_absolute_uri(reverse("tiles-catalog"))
    return f"{prefix}{layer.name}/{{z}}/{{x}}/{{y}}.mvt"


def _cacheable(response: HttpResponse, max_age: int = MAX_AGE) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_safe
def catalog(request: HttpRequest) -> HttpResponse:
    """The public layers: name, titles, zooms, style and public fields for the map, and their TileJSON."""
    entries = [
        {
            "name": layer.name,
            "title": layer.title,
            "title_en": layer.title_en,
            "tilejson": request.build_absolute_uri(reverse("tiles-tilejson", kwargs={"layer": layer.name})),
            "tiles": _tiles_url(request, layer),
            "minzoom": layer.minzoom,
            "detail_minzoom": layer.detail_minzoom,
            "maxzoom": layer.maxzoom,
            "style": layer.style,
            "on_at_first": layer.on_at_first,
            "fields": [
                {"name": f.name, "title": f.title, "title_en": f.title_en, "values": layer.value_labels(f)}
                for f in layer.public_fields
            ],
        }
        for layer in registry.public_layers()
    ]
    return _cacheable(JsonResponse(entries, safe=False))


@require_safe
def tilejson(request: HttpRequest, layer: str) -> HttpResponse:
    """TileJSON 3.0.0 of one layer."""
    found = _public_layer(layer)
    if found is None:
        return _unknown(layer)
    box = tiles.bounds(found)
    doc = {
        "tilejson": "3.0.0",
        "name": found.name,
        "description": f"{found.title} / {found.title_en}",
        "scheme": "xyz",
        "tiles": [_tiles_url(request, found)],
        "minzoom": found.minzoom,
        "maxzoom": found.maxzoom,
        "vector_layers": [
            {
                "id": found.name,
                "description": (
                    f"Features from z{found.detail_minzoom}; below, clusters whose only attribute is `count`."
                ),
                "minzoom": found.minzoom,
                "maxzoom": found.maxzoom,
                "fields": found.field_types() | {"count": "Number"},
            }
        ],
    }
    if box:
        west, south, east, north = box
        doc["bounds"] = box
        doc["center"] = [(west + east) / 2, (south + north) / 2, found.detail_minzoom]
    return _cacheable(JsonResponse(doc))


def _int(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 8 else None


@require_safe
def tile(request: HttpRequest, layer: str, z: str, x: str, y: str) -> HttpResponse:
    """One MVT tile: 200 with the tile, 204 when the tile is empty, 304 when the client's copy is current.

    An empty tile is a 204 (as martin answers): "nothing here" without a body that a client must parse,
    and cacheable like any tile (nginx caches by the Cache-Control header, whatever the status).
    """
    found = _public_layer(layer)
    if found is None:
        return _unknown(layer)
    zi, xi, yi = _int(z), _int(x), _int(y)
    if zi is None or xi is None or yi is None or not tiles.valid_tile(zi, xi, yi):
        return json_error(
            400,
            "invalid_tile",
            f"Ô bản đồ {z}/{x}/{y} không tồn tại: cần 0 ≤ z ≤ {registry.MAX_ZOOM} và 0 ≤ x, y < 2^z.",
            f"No tile {z}/{x}/{y}: need 0 ≤ z ≤ {registry.MAX_ZOOM} and 0 ≤ x, y < 2^z.",
            {"z": z, "x": x, "y": y},
        )
    body = tiles.tile(found, zi, xi, yi)
    response = HttpResponse(body, content_type=MVT, status=200 if body else 204)
    # A hash of the bytes: the query still runs, but an unchanged tile costs the client (and nginx's
    # revalidation) no transfer. Rows carry no modification time to answer from without the query.
    # SHA-256, which the CPU computes in hardware: 0.09 ms for a 169 kB z16 tile, blake2b 0.18.
    response["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    _cacheable(response, CLUSTER_MAX_AGE if tiles.is_clustered(found, zi) else MAX_AGE)
    return get_conditional_response(request, etag=response["ETag"], response=response) or response


urlpatterns = [
    path("", catalog, name="tiles-catalog"),
    path("<slug:layer>.json", tilejson, name="tiles-tilejson"),
    path("<slug:layer>/<str:z>/<str:x>/<str:y>.mvt", tile, name="tiles-tile"),
]
