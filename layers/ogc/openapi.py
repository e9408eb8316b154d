"""The OGC API's own OpenAPI document (`service-desc` of the landing page, /ogc/api).

Small on purpose: the OGC paths, and the `limit` parameter with its default and maximum, which is what QGIS
reads from it to size its pages (QGIS's OAPIF provider asks `max(1000, default)` features a request, up to the
maximum, when the document declares them; without them it falls back to 100 a request, and 9,720 house
numbers took 98 requests). The portal's whole REST API stays described at /api/schema/.
"""

from __future__ import annotations

from layers import registry
from layers.ogc.features import DEFAULT_LIMIT, ITEMS_MAX_LIMIT

JSON = "application/json"
GEOJSON = "application/geo+json"


def _get(summary: str, media: str, parameters: list[dict] | None = None) -> dict:
    op: dict = {"summary": summary, "responses": {"200": {"description": summary, "content": {media: {}}}}}
    if parameters:
        op["parameters"] = parameters
    return {"get": op}


def document(server: str) -> dict:
    """The OpenAPI 3.0 document, with `server` the API's absolute base URL (…/ogc)."""
    items_params = [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/bbox"}]
    paths: dict[str, dict] = {
        "/": _get("Landing page", JSON),
        "/conformance": _get("Conformance classes", JSON),
        "/collections": _get("Collections", JSON),
    }
    for layer in registry.public_layers():
        base = f"/collections/{layer.name}"
        paths[base] = _get(layer.title_en, JSON)
        paths[f"{base}/items"] = _get(f"{layer.title_en}: features", GEOJSON, items_params)
        paths[f"{base}/items/{{featureId}}"] = _get(
            f"{layer.title_en}: one feature",
            GEOJSON,
            [{"name": "featureId", "in": "path", "required": True, "schema": {"type": "string"}}],
        )
    return {
        "openapi": "3.0.3",
        "info": {"title": "gisportal — OGC API Features", "version": "1.0"},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "parameters": {
                "limit": {
                    "name": "limit",
                    "in": "query",
                    "description": f"Features a page; {DEFAULT_LIMIT} unless asked, at most {ITEMS_MAX_LIMIT}.",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": ITEMS_MAX_LIMIT, "default": DEFAULT_LIMIT},
                },
                "bbox": {
                    "name": "bbox",
                    "in": "query",
                    "required": False,
                    "style": "form",
                    "explode": False,
                    "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                },
            }
        },
    }
