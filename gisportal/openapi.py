"""The portal's OpenAPI document (drf-spectacular): what it cannot guess by itself.

- the two ways a desktop client signs in (a personal token, HTTP Basic where settings allow it);
- the error body every refusal has (`gisportal/errors.py`), added to every operation so a client, and
  schemathesis in tests/gisportal/test_openapi_fuzz.py, can hold the portal to it;
- shared response shapes: GeoJSON FeatureCollections and Features, file downloads by media type.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import translation
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "gisportal.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: a personal API token created on /account/tokens/",
        }


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = "gisportal.tokens.OptionalBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "basic", "description": "Only where the server enables API_BASIC_AUTH"}


KML = "application/vnd.google-earth.kml+xml"
KMZ = "application/vnd.google-earth.kmz"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON = "application/geo+json"


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every refusal: a code, the message in Vietnamese, the message in English, optional details.",
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "message_en": {"type": "string"},
        "details": {},
    },
    "required": ["error", "message", "message_en"],
}

# The statuses the exception handler answers with the error body, on any operation.
ERROR_STATUSES = {
    "400": "Invalid input",
    "401": "Not authenticated (token or Basic)",
    "403": "Not allowed",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "409": "Conflict: someone saved first",
    "412": "Precondition failed: the If-Match version is not the stored one",
    "413": "Too large",
    "415": "Unsupported media type",
    "428": "Precondition required: send the version you read (If-Match)",
    "429": "Too many requests",
    "503": "A dependency does not answer",
}


# Raw schemas for answers built by hand (drf-spectacular passes a dict through as the schema).
OBJECT: dict[str, Any] = {"type": "object"}
LIST: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
FEATURE_COLLECTION: dict[str, Any] = {
    "type": "object",
    "description": "GeoJSON FeatureCollection (RFC 7946)",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}
FEATURE: dict[str, Any] = {
    "type": "object",
    "description": "GeoJSON Feature (RFC 7946)",
    "required": ["type"],
    "properties": {"type": {"type": "string", "enum": ["Feature"]}},
}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: the shared error body under components, referenced by every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, text in ERROR_STATUSES.items():
                # Left alone: an answer documented with a real shape of its own (health's 503, say).
                content = (responses.get(code) or {}).get("content") or {}
                schemas = [c.get("schema") for c in content.values()]
                if not schemas or all(sch in (None, {}, {"type": "object"}) for sch in schemas):
                    responses[code] = {"description": text, "content": {"application/json": {"schema": ref}}}
        _narrow_by_extension(path, item)
    return result


# A view serving several formats is mounted once per format (`export.csv`, `export.xlsx`, …): each path
# answers the one media type its extension names.
_EXTENSIONS = {
    ".csv": "text/csv",
    ".xlsx": XLSX,
    ".geojson": "application/geo+json",
    ".kml": "application/vnd.google-earth.kml+xml",
    ".kmz": "application/vnd.google-earth.kmz",
}


def _narrow_by_extension(path: str, item: dict) -> None:
    media = next((m for ext, m in _EXTENSIONS.items() if path.endswith(ext)), None)
    ok = (item.get("get") or {}).get("responses", {}).get("200", {})
    if media and media in ok.get("content", {}):
        ok["content"] = {media: ok["content"][media]}


def geojson_page_schema(collection: dict) -> dict:
    """What a GeoJsonPagination page really is: the serializer's FeatureCollection (`collection`, a
    reference drf-spectacular's rest_framework_gis support builds) plus `count`, `next` and `previous`.
    rest_framework_gis's own description nests that collection under `features` and still requires
    `results`, which no page carries."""
    return {
        "allOf": [
            collection,
            {
                "type": "object",
                "required": ["type", "count", "features"],
                "properties": {
                    "count": {"type": "integer", "example": 123},
                    "next": {"type": "string", "nullable": True, "format": "uri"},
                    "previous": {"type": "string", "nullable": True, "format": "uri"},
                },
            },
        ]
    }


def download(*media_types: str, description: str = "A file") -> dict:
    """Responses of an endpoint that answers a file: one entry per media type it can send. A JSON download
    (GeoJSON) is described as JSON, which clients and schemathesis parse; the rest as bytes."""
    return {
        (200, media): OpenApiResponse(
            OBJECT if media.endswith("json") else OpenApiTypes.BINARY, description=description
        )
        for media in media_types
    }


class _CachedRendering(Response):
    """A Response whose rendered bytes are kept per document and media type (YAML of the document: 0.15-0.3 s)."""

    def __init__(self, data: dict, key: tuple, store: dict, **kwargs: Any):
        super().__init__(data=data, **kwargs)
        self.key, self.store = key, store

    @property
    def rendered_content(self) -> Any:  # bytes; typed as DRF's stub types it
        key = (*self.key, self.accepted_media_type)
        kept = self.store.get(key)
        if kept is None:
            kept = self.store[key] = (super().rendered_content, self["Content-Type"])
        body, self["Content-Type"] = kept
        return body


class SchemaView(SpectacularAPIView):
    """/api/schema/, generated and rendered once per process, API version, language and media type.

    Generating the document walks every view and serializer, and rendering it as YAML takes as long again: ~0.5 s
    of CPU per request on a 2-core machine, for a document that changes only with the code. Every reader gets the
    same public document (SERVE_PUBLIC), so one generation serves them all.
    """

    _documents: ClassVar[dict[tuple, dict]] = {}
    _renderings: ClassVar[dict[tuple, tuple[bytes, str]]] = {}

    def _get_schema_response(self, request: Request) -> Response:
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (version, translation.get_language())
        document = self._documents.get(key)
        if document is None:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            document = self._documents[key] = generator.get_schema(request=request, public=self.serve_public)
        return _CachedRendering(
            document,
            key,
            self._renderings,
            headers={"Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'},
        )
