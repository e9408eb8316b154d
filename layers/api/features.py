"""The web editor's side of the generic layer machinery: officers' reads, history, revert and restore.

Writes (create, replace, update, delete) go through OGC API Features Part 4 (`layers/ogc/api.py`),
so the map editor and a desktop client use one door; what only the editor needs lives here:
the features with the fields an officer may read (private ones in their own area), a feature's
history, revert to an earlier version, and restore after a soft delete. All of it through
`layers.editing`.
"""

from __future__ import annotations

from django.contrib.gis.geos import Polygon
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from gisportal import openapi
from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import Domain, edits_domain, role_of, scope_private, sees_domain
from layers import editing, registry
from layers.ogc.features import parse_bbox
from layers.registry import Layer

MAX_FEATURES = 2000  # an editor's screenful; the map asks for more by moving


def _layer(name: str) -> Layer:
    layer = registry.get(name)
    if layer is None:
        raise NotFound(f"Không có lớp '{name}'. / No layer named {name!r}.")
    return layer


def _officer(request: Request, layer: Layer) -> None:
    if not sees_domain(request.user, layer.private_domain):
        raise PermissionDenied("Chỉ cán bộ mới dùng được trình sửa bản đồ. / Only officers use the map editor.")


@extend_schema(responses={200: openapi.LIST})
@api_view(["GET"])
def layer_catalog(request: Request) -> Response:
    """Every layer the user may work with: public ones for all, and whether this user edits each."""
    out = []
    for layer in registry.all_layers():
        if not layer.public and not sees_domain(request.user, layer.private_domain):
            continue
        out.append(
            {
                "name": layer.name,
                "title": layer.title,
                "title_en": layer.title_en,
                "geometry_type": layer.geometry_type,
                "editable": layer.editable,
                "you_edit": layer.editable and _edits(request.user, layer),
                "detail_minzoom": layer.detail_minzoom,
                "style": layer.style,
            }
        )
    return Response(out)


def _edits(user, layer: Layer) -> bool:
    return layer.editor.edits(user) if layer.editor else edits_domain(user, layer.edit_domain or Domain.FEATURES)


@extend_schema(methods=["GET"], operation_id="layer_features_list")
@extend_schema(
    parameters=[
        OpenApiParameter("bbox", OpenApiTypes.STR, description="west,south,east,north (WGS 84)"),
        OpenApiParameter("deleted", OpenApiTypes.BOOL, description="Soft-deleted features, to restore"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
def features(request: Request, layer: str) -> Response:
    """Features of a layer in the officer's own area, with every field they may read and the version."""
    found = _layer(layer)
    _officer(request, found)
    if not found.editable:
        raise editing.ReadOnlyLayer(
            f"Lớp '{layer}' không có trình sửa chung.", f"The layer {layer!r} has no generic editor.", {"layer": layer}
        )
    qs = scope_private(found.rows(), request.user, found.private_domain)
    qs = qs.filter(is_deleted=request.query_params.get("deleted") in ("1", "true"))
    if raw := request.query_params.get("bbox"):
        qs = qs.filter(**{f"{found.geom_field}__bboverlaps": Polygon.from_bbox(parse_bbox(raw))})
    related = [f.via for f in found.public_fields if f.via]
    rows = list(qs.select_related(*related).order_by("pk")[: MAX_FEATURES + 1])
    truncated = len(rows) > MAX_FEATURES
    return Response(
        {
            "type": "FeatureCollection",
            "features": [editing.feature(found, obj, request.user) for obj in rows[:MAX_FEATURES]],
            "truncated": truncated,
            # How many the view holds, so the editor can say "showing N of M" (counted only when cut).
            "count": qs.count() if truncated else len(rows),
            "role": role_of(request.user),
        }
    )


@extend_schema(responses={200: openapi.FEATURE})
@api_view(["GET"])
def feature_detail(request: Request, layer: str, pk: int) -> Response:
    """One feature as the editor shows it (private fields to officers of its area), ETag = version."""
    found = _layer(layer)
    _officer(request, found)
    obj = found.rows().filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"Không có đối tượng {pk}. / No feature {pk}.")
    response = Response(editing.feature(found, obj, request.user))
    response["ETag"] = f'"{obj.version}"'
    return response


@extend_schema(responses={200: openapi.OBJECT})
@api_view(["GET"])
def feature_history(request: Request, layer: str, pk: int) -> Response:
    """Every saved version of a feature, newest first, with what changed."""
    found = _layer(layer)
    return Response({"id": pk, "layer": found.name, "history": editing.history(found, request.user, pk)})


def _data(request: Request) -> dict:
    # A JSON array body carries no members: read as an empty object (a 400 below, never a 500).
    return request.data if isinstance(request.data, dict) else {}


def _expected(request: Request) -> editing.Expected:
    return editing.expected_version(request.headers.get("If-Match"), _data(request).get("version"))


@extend_schema(request=dict, responses={200: dict})
@api_view(["POST"])
def feature_revert(request: Request, layer: str, pk: int) -> Response:
    """Bring back an earlier version (`to_version`) as a new one; `version` is the one you read."""
    found = _layer(layer)
    raw = _data(request).get("to_version")
    if raw is None or not is_whole(raw):
        raise InvalidInput("Thiếu to_version (số nguyên).", "to_version (an integer) is missing.", code="bad_version")
    obj = editing.revert(found, request.user, pk, int(raw), _expected(request))
    return Response(editing.feature(found, obj, request.user), headers={"ETag": f'"{obj.version}"'})


@extend_schema(request=dict, responses={200: dict})
@api_view(["POST"])
def feature_restore(request: Request, layer: str, pk: int) -> Response:
    """Undo a soft delete; `version` is the one you read."""
    found = _layer(layer)
    obj = editing.restore(found, request.user, pk, _expected(request))
    return Response(editing.feature(found, obj, request.user), headers={"ETag": f'"{obj.version}"'})


urlpatterns = [
    path("layers/", layer_catalog, name="layer-catalog"),
    path("layers/<slug:layer>/features/", features, name="layer-features"),
    path("layers/<slug:layer>/features/<int:pk>/", feature_detail, name="layer-feature"),
    path("layers/<slug:layer>/features/<int:pk>/history", feature_history, name="layer-feature-history"),
    path("layers/<slug:layer>/features/<int:pk>/revert", feature_revert, name="layer-feature-revert"),
    path("layers/<slug:layer>/features/<int:pk>/restore", feature_restore, name="layer-feature-restore"),
]
