"""OGC API – Features at /ogc/: Part 1 (core, GeoJSON) over every public registry layer, Part 4 for officers.

Read: landing page, conformance, collections, a collection, its queryables and schema, items
(`bbox`, `limit`, keyset paging through `next` links, equality filters on public properties),
one item with its `ETag` (the feature's version). QGIS, GDAL's OAPIF driver and OWSLib read it as is.

Write (Part 4, editable layers): POST items, PUT/PATCH/DELETE an item, each through
`layers.editing` — the same rules as the web editor. A write names the version it is based on
with `If-Match` (the ETag it read): a stale one is a 412 with the stored feature in the details;
without it, 428. Desktop clients sign in with a personal API token (or HTTP Basic where settings allow
it); the browser with its session (and CSRF).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import re_path, reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gisportal import openapi as portal_openapi
from gisportal.errors import InvalidInput, exception_handler
from gisportal.feature_body import refuse_unknown_members
from gisportal.parsers import JSONParser
from gisportal.tokens import OptionalBasicAuthentication, TokenAuthentication
from layers import editing, labels, registry
from layers.ogc import features as ogc
from layers.ogc import openapi
from layers.ogc.features import CRS84
from layers.registry import Layer
from layers.tiles import mvt as tiles

GEOJSON = "application/geo+json"
JSON = "application/json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
]
OGC_OBJECT = portal_openapi.OBJECT
FEATURE_BODY = {
    GEOJSON: portal_openapi.FEATURE,
    JSON: portal_openapi.FEATURE,
    "application/merge-patch+json": portal_openapi.FEATURE,
}
ITEMS_PARAMETERS = [
    OpenApiParameter("bbox", OpenApiTypes.STR, description="west,south,east,north (CRS84)"),
    OpenApiParameter("limit", OpenApiTypes.INT, description="Features per page (see /ogc/api for the maximum)"),
    OpenApiParameter("after", OpenApiTypes.INT, description="Keyset paging: the last id of the previous page"),
]
FEATURE_MEMBERS = {"type", "id", "geometry", "properties", "bbox", "links"}
MAX_AGE = 60  # the tiles' own: an officer's edit shows within a minute


class GeoJSONParser(JSONParser):
    media_type = GEOJSON


class MergePatchParser(JSONParser):
    media_type = "application/merge-patch+json"


class OgcView(APIView):
    """JSON in any of the GeoJSON media types; answers built here, errors in the portal's shape."""

    permission_classes = [AllowAny]  # reads are public; writes are decided by layers.editing
    # A desktop client signs in with its personal token (QGIS: "API Header"), or with Basic where
    # settings.API_BASIC_AUTH allows it (a plain BasicAuthentication here accepted passwords whatever the setting
    # said, and refused tokens); the browser with its session.
    authentication_classes = [OptionalBasicAuthentication, TokenAuthentication, SessionAuthentication]
    parser_classes = [GeoJSONParser, JSONParser, MergePatchParser]
    renderer_classes = [JSONRenderer]

    def get_authenticate_header(self, request) -> str:
        # An unauthenticated write is a 401 with a challenge QGIS answers: Basic where allowed, else the token.
        return 'Basic realm="api"' if settings.API_BASIC_AUTH else "Token"

    def perform_content_negotiation(self, request, force=False):
        # Clients ask for application/geo+json, text/html, …: the answer is JSON whatever they ask.
        return JSONRenderer(), JSON


def _json(doc: dict, content_type: str = JSON, status: int = 200) -> HttpResponse:
    response = HttpResponse(orjson.dumps(doc), content_type=content_type, status=status)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def _url(request: HttpRequest, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))


def _layer(name: str) -> Layer:
    found = registry.get(name)
    if found is None or not found.public:
        raise NotFound(f"Không có tập dữ liệu '{name}'. / No collection named {name!r}.")
    return found


def _collection(request: HttpRequest, layer: Layer) -> dict:
    items = _url(request, "ogc-items", collection=layer.name)
    doc: dict[str, Any] = {
        "id": layer.name,
        "title": layer.title,
        "description": layer.title_en,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            {"rel": "self", "type": JSON, "href": _url(request, "ogc-collection", collection=layer.name)},
            {"rel": "items", "type": GEOJSON, "title": layer.title, "href": items},
            {
                "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
                "type": "application/schema+json",
                "href": _url(request, "ogc-queryables", collection=layer.name),
            },
            {
                "rel": "describedby",
                "type": "application/schema+json",
                "href": _url(request, "ogc-schema", collection=layer.name),
            },
        ],
    }
    if box := tiles.bounds(layer):
        doc["extent"] = {"spatial": {"bbox": [box], "crs": CRS84}}
    return doc


class Landing(OgcView):
    @extend_schema(responses={200: OGC_OBJECT})
    def get(self, request: Request) -> HttpResponse:
        """The landing page: what this API is and where its parts are."""
        return _json(
            {
                "title": "gisportal — OGC API Features",
                "description": "Các lớp bản đồ công khai của phường / The ward's public map layers",
                "links": [
                    {"rel": "self", "type": JSON, "href": _url(request, "ogc-landing")},
                    {"rel": "conformance", "type": JSON, "href": _url(request, "ogc-conformance")},
                    {"rel": "data", "type": JSON, "href": _url(request, "ogc-collections")},
                    {
                        # The OGC API's own document: QGIS sizes its pages from its `limit` (openapi.py).
                        "rel": "service-desc",
                        "type": "application/vnd.oai.openapi+json;version=3.0",
                        "href": _url(request, "ogc-api"),
                    },
                    {"rel": "service-doc", "type": "text/html", "href": _url(request, "api-docs")},
                ],
            }
        )


class ApiDocument(OgcView):
    @extend_schema(responses={(200, "application/vnd.oai.openapi+json;version=3.0"): portal_openapi.OBJECT})
    def get(self, request: Request) -> HttpResponse:
        """The OpenAPI document of this OGC API (paths and the `limit` parameter's default and maximum)."""
        return _json(openapi.document(_url(request, "ogc-landing")), "application/vnd.oai.openapi+json;version=3.0")


class Conformance(OgcView):
    @extend_schema(responses={200: OGC_OBJECT})
    def get(self, request: Request) -> HttpResponse:
        """The conformance classes implemented."""
        return _json({"conformsTo": CONFORMANCE})


class Collections(OgcView):
    @extend_schema(operation_id="ogc_collections_list", responses={200: OGC_OBJECT})
    def get(self, request: Request) -> HttpResponse:
        """Every public layer of the registry."""
        return _json(
            {
                "links": [{"rel": "self", "type": JSON, "href": _url(request, "ogc-collections")}],
                "collections": [_collection(request, layer) for layer in registry.public_layers()],
            }
        )


class Collection(OgcView):
    @extend_schema(responses={200: OGC_OBJECT})
    def get(self, request: Request, collection: str) -> HttpResponse:
        """One layer's description: title, extent, links."""
        return _json(_collection(request, _layer(collection)))


def _schema_type(layer: Layer, name: str, model_field) -> dict:
    kind = registry.type_name(model_field)
    out: dict = {"title": name}
    if kind == "Number":
        out["type"] = "integer" if "Integer" in type(model_field).__name__ else "number"
    elif kind == "Boolean":
        out["type"] = "boolean"
    else:
        out["type"] = "string"
        if type(model_field).__name__ == "DateField":
            out["format"] = "date"
        if getattr(model_field, "max_length", None):
            out["maxLength"] = model_field.max_length
    if model_field.choices:
        out["enum"] = [value for value, _ in model_field.choices]
        out["x-labels"] = labels.choice_labels(model_field)  # one language: the reader's
    return out


class Queryables(OgcView):
    @extend_schema(responses={(200, "application/schema+json"): portal_openapi.OBJECT})
    def get(self, request: Request, collection: str) -> HttpResponse:
        """The public properties that `items` filters on (equality)."""
        layer = _layer(collection)
        props = {}
        for f in layer.public_fields:
            props[f.name] = {**_schema_type(layer, f.name, layer.model_field(f)), "title": f.title_en}
        props["geometry"] = {"format": f"geometry-{layer.geometry_type.lower()}"}
        return _json(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": _url(request, "ogc-queryables", collection=layer.name),
                "type": "object",
                "title": layer.title,
                "properties": props,
                "additionalProperties": False,
            },
            "application/schema+json",
        )


class Schema(OgcView):
    @extend_schema(responses={(200, "application/schema+json"): portal_openapi.OBJECT})
    def get(self, request: Request, collection: str) -> HttpResponse:
        """The features' schema: public properties (read-only unless editable) and the editable ones
        with their types, lengths and allowed values — what the web editor builds its form from."""
        layer = _layer(collection)
        if layer.editor is not None:  # a ward-defined layer: the fields of its definition (layers/themes)
            url = _url(request, "ogc-schema", collection=layer.name)
            return _json(layer.editor.schema(layer, url), "application/schema+json")
        props: dict[str, dict] = {}
        for f in layer.public_fields:
            editable = not f.via and f.source in layer.edit_fields
            props[f.name] = {
                **_schema_type(layer, f.name, layer.model_field(f)),
                "title": f.title_en if labels.english() else f.title,
                "x-title-en": f.title_en,
                "readOnly": not editable,
            }
        for name in layer.edit_fields:
            if name not in props:
                mf = registry.concrete_field(layer.model, name)
                props[name] = {
                    **_schema_type(layer, name, mf),
                    "title": labels.field_title(mf),
                    "x-private": name in layer.private_fields,
                    "x-multiline": type(mf).__name__ == "TextField",
                }
        required = [n for n in layer.edit_fields if not registry.concrete_field(layer.model, n).blank]
        return _json(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": _url(request, "ogc-schema", collection=layer.name),
                "type": "object",
                "title": layer.title,
                "x-title-en": layer.title_en,
                "x-geometry-type": layer.geometry_type,
                "x-editable": layer.editable,
                "x-minzoom": layer.detail_minzoom,
                "x-style": layer.style,
                "required": required,
                "properties": props,
            },
            "application/schema+json",
        )


def _next_url(request: HttpRequest, last: int) -> str:
    params = request.GET.copy()
    params.pop("offset", None)
    params["after"] = str(last)
    return request.build_absolute_uri(request.path) + "?" + params.urlencode(safe=",:/")


def _tail(request: HttpRequest, layer: Layer, returned: int, last: int | None, full: bool) -> bytes:
    """The FeatureCollection's members after `features`: counts, time stamp, links (`next` when full)."""
    links = [
        {"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()},
        {"rel": "collection", "type": JSON, "href": _url(request, "ogc-collection", collection=layer.name)},
    ]
    if full and last is not None:
        links.append({"rel": "next", "type": GEOJSON, "href": _next_url(request, last)})
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    members = {"numberReturned": returned, "timeStamp": stamp, "links": links}
    return b"]," + orjson.dumps(members)[1:]


def _streamed(request: HttpRequest, layer: Layer, q: ogc.Query) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    returned, last = 0, None
    for text, count, chunk_last in ogc.chunks(layer, q):
        yield (b"," if returned else b"") + text
        returned, last = returned + count, chunk_last
    yield _tail(request, layer, returned, last, returned == q.limit)


def _items_page(request: HttpRequest, layer: Layer) -> HttpResponseBase:
    """A page of features as GeoJSON; over STREAM_OVER features, streamed in keyset chunks."""
    q = ogc.parse_query(layer, request.GET)
    response: HttpResponseBase
    if q.limit > ogc.STREAM_OVER:
        response = StreamingHttpResponse(_streamed(request, layer, q), content_type=GEOJSON)
    else:
        text, count, last = ogc.page(layer, q, q.limit)
        # One copy of the page's bytes (`a + text + b` makes two: 3.6 MB each for 10,000 features).
        head = b'{"type":"FeatureCollection","features":['
        body = b"".join((head, text, _tail(request, layer, count, last, count == q.limit)))
        response = HttpResponse(body, content_type=GEOJSON)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


class Items(OgcView):
    @extend_schema(
        operation_id="ogc_items_list",
        parameters=ITEMS_PARAMETERS,
        responses={(200, GEOJSON): portal_openapi.FEATURE_COLLECTION},
    )
    def get(self, request: Request, collection: str) -> HttpResponseBase:
        """A page of features as GeoJSON; over STREAM_OVER features, streamed in keyset chunks."""
        return _items_page(request, _layer(collection))

    @extend_schema(request=FEATURE_BODY, responses={(201, GEOJSON): portal_openapi.FEATURE})
    def post(self, request: Request, collection: str) -> HttpResponse:
        """Part 4 create: a GeoJSON Feature → 201 with its Location and ETag."""
        layer = _layer(collection)
        _writer(request)
        props, geometry = _feature_body(request)
        obj = editing.create(layer, request.user, props, editing.parse_geojson(geometry), repair=_repair(request))
        response = _json(editing.feature(layer, obj, request.user), GEOJSON, status=201)
        response["Location"] = _url(request, "ogc-item", collection=layer.name, feature_id=str(obj.pk))
        return _written(response, obj)


def _writer(request: Request) -> None:
    if not request.user or not request.user.is_authenticated:
        raise NotAuthenticated("Bạn cần đăng nhập để sửa dữ liệu. / Log in to edit.")


def _repair(request: Request) -> bool:
    return request.query_params.get("repair") in ("1", "true", "yes")


def _feature_body(request: Request) -> tuple[dict | None, dict | None]:
    data = request.data
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise InvalidInput(
            "Nội dung gửi lên phải là một GeoJSON Feature.", "The body must be a GeoJSON Feature.", code="not_a_feature"
        )
    refuse_unknown_members(data, FEATURE_MEMBERS)
    return data.get("properties"), data.get("geometry")


def _written(response: HttpResponse, obj) -> HttpResponse:
    response["ETag"] = f'"{obj.version}"'
    response["Cache-Control"] = "no-store"
    return response


_items_api = Items.as_view()


def _allowed(view_class: type[APIView]) -> str:
    """The Allow header DRF sends for this view (View.setup adds HEAD to each instance serving GET)."""
    view = view_class()
    view.head = view.get  # type: ignore[attr-defined]  # Items serves GET: View.setup does the same
    return ", ".join(view.allowed_methods)


_ITEMS_ALLOW = _allowed(Items)


@csrf_exempt  # as DRF's views: writes go to Items, whose authentication enforces CSRF for sessions
def items(request: HttpRequest, collection: str) -> HttpResponseBase:
    """The items endpoint. A read without credentials, what QGIS and the map send page after page, is
    answered here without DRF's request wrapping, authentication and negotiation (~0.3 ms of a ~2 ms
    request, bench/features.py): the page is public and the same for every reader, so nothing in it
    depends on who asks. Writes, and reads with an Authorization header (a wrong Basic login must
    still be a 401), go through `Items` as before; errors have the same shape either way."""
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return _items_api(request, collection=collection)
    try:
        response = _items_page(request, _layer(collection))
    except APIException as exc:
        handled = cast(Response, exception_handler(exc, {"request": request}))  # an APIException always is
        response = HttpResponse(orjson.dumps(handled.data), content_type=JSON, status=handled.status_code)
    response["Allow"] = _ITEMS_ALLOW  # as DRF answers: clients read it to know the collection is writable
    return response


# drf-spectacular documents DRF views only: this one answers as `Items` does, so describe it as `Items`.
items.cls = Items  # type: ignore[attr-defined]
items.initkwargs = {}  # type: ignore[attr-defined]


class Item(OgcView):
    @extend_schema(responses={(200, GEOJSON): portal_openapi.FEATURE})
    def get(self, request: Request, collection: str, feature_id: str) -> HttpResponse:
        """One public feature, with its version as ETag (what a later write sends back as If-Match)."""
        layer = _layer(collection)
        found = ogc.item(layer, feature_id)
        if found is None:
            raise NotFound(f"Không có đối tượng {feature_id}. / No feature {feature_id}.")
        text, version = found
        tail = {
            "links": [
                {"rel": "self", "type": GEOJSON, "href": request.build_absolute_uri()},
                {"rel": "collection", "type": JSON, "href": _url(request, "ogc-collection", collection=layer.name)},
            ]
        }
        body = text[:-1].encode() + b"," + orjson.dumps(tail)[1:]
        response = HttpResponse(body, content_type=GEOJSON)
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        if version is not None:
            response["ETag"] = f'"{version}"'
            return cast(HttpResponse, get_conditional_response(request, etag=response["ETag"], response=response))
        return response

    def _write(self, request: Request, collection: str, feature_id: str, partial: bool) -> HttpResponse:
        layer = _layer(collection)
        _writer(request)
        props, geometry = _feature_body(request)
        expected = editing.expected_version(request.headers.get("If-Match"), (props or {}).get("version"))
        shape = editing.parse_geojson(geometry) if geometry is not None else None
        obj = editing.update(
            layer, request.user, feature_id, props, shape, expected, partial=partial, repair=_repair(request)
        )
        return _written(_json(editing.feature(layer, obj, request.user), GEOJSON), obj)

    @extend_schema(request=FEATURE_BODY, responses={(200, GEOJSON): portal_openapi.FEATURE})
    def put(self, request: Request, collection: str, feature_id: str) -> HttpResponse:
        """Part 4 replace."""
        return self._write(request, collection, feature_id, partial=False)

    @extend_schema(request=FEATURE_BODY, responses={(200, GEOJSON): portal_openapi.FEATURE})
    def patch(self, request: Request, collection: str, feature_id: str) -> HttpResponse:
        """Part 4 update: only what the body carries."""
        return self._write(request, collection, feature_id, partial=True)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, collection: str, feature_id: str) -> HttpResponse:
        """Part 4 delete (soft: it can be restored from the editor)."""
        layer = _layer(collection)
        _writer(request)
        expected = editing.expected_version(request.headers.get("If-Match"), request.query_params.get("version"))
        obj = editing.delete(layer, request.user, feature_id, expected)
        return _written(HttpResponse(status=204), obj)


# Mounted at the root (gisportal/urls.py), so each pattern names `ogc` itself. Every route answers as people
# type it, with or without the trailing slash, and never redirects: QGIS 3.22 does not follow a 301, so
# `http://host/ogc` found no layer.
# Links are built without the slash (reverse() takes the optional `/?` zero times).
_C = r"(?P<collection>[-a-zA-Z0-9_]+)"
urlpatterns = [
    re_path(r"^ogc/?$", Landing.as_view(), name="ogc-landing"),
    re_path(r"^ogc/api/?$", ApiDocument.as_view(), name="ogc-api"),
    re_path(r"^ogc/conformance/?$", Conformance.as_view(), name="ogc-conformance"),
    re_path(r"^ogc/collections/?$", Collections.as_view(), name="ogc-collections"),
    re_path(rf"^ogc/collections/{_C}/?$", Collection.as_view(), name="ogc-collection"),
    re_path(rf"^ogc/collections/{_C}/queryables/?$", Queryables.as_view(), name="ogc-queryables"),
    re_path(rf"^ogc/collections/{_C}/schema/?$", Schema.as_view(), name="ogc-schema"),
    re_path(rf"^ogc/collections/{_C}/items/?$", items, name="ogc-items"),
    re_path(rf"^ogc/collections/{_C}/items/(?P<feature_id>[^/]+)/?$", Item.as_view(), name="ogc-item"),
]
