"""HTTP for ward-defined layers: their definitions and their statistics.

GET  /api/v1/themes/                 every definition (public fields only, unless an officer or a definer)
POST /api/v1/themes/                 define a layer (a ward's administrator: gisportal.permissions)
GET  /api/v1/themes/schema           the JSON Schema a definition follows (the page checks with it too)
GET  /api/v1/themes/{slug}           one definition, with its version (ETag)
PUT  /api/v1/themes/{slug}           a new definition, based on `version`; `confirm` to remove fields with values
GET  /api/v1/themes/{slug}/stats?by= counts by a choice or yes/no field, per ward
POST /api/v1/themes/{slug}/photos    a photo for a feature's photo field (the layer's editors): its address
GET  /api/v1/themes/{slug}/photos/{token}.jpg   the photo, cleaned of its metadata

Features are not here: they are a registry layer's (`/ogc/collections/{slug}/items`, `/tiles/{slug}/…`,
`/api/v1/layers/{slug}/…` for the editor, imports and exports), as every other layer's.
"""

from __future__ import annotations

from django.http import FileResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, parser_classes
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from gisportal import openapi
from gisportal.errors import InvalidInput
from gisportal.permissions import edits_theme
from layers.themes import definition, photos, services, stats
from layers.themes.models import ThemeLayer


def _row(slug: str) -> ThemeLayer:
    row = ThemeLayer.objects.select_related("owner").filter(slug=slug).first()
    if row is None:
        raise NotFound(f"Không có lớp '{slug}'. / No layer named {slug!r}.")
    return row


def _signed_in(request: Request) -> None:
    if not request.user or not request.user.is_authenticated:
        raise NotAuthenticated("Bạn cần đăng nhập để định nghĩa lớp. / Log in to define layers.")


@extend_schema(methods=["GET"], operation_id="themes_list", responses={200: openapi.LIST})
@extend_schema(methods=["POST"], request=OpenApiTypes.OBJECT, responses={201: openapi.OBJECT})
@api_view(["GET", "POST"])
def theme_list(request: Request) -> Response:
    """Every ward-defined layer; POST defines a new one."""
    if request.method == "POST":
        _signed_in(request)
        row = services.define(request.user, request.data)
        doc = services.document(row, request.user)
        return Response(doc, status=status.HTTP_201_CREATED, headers={"ETag": f'"{row.version}"'})
    rows = ThemeLayer.objects.select_related("owner").all()
    return Response([services.document(row, request.user) for row in rows])


@extend_schema(responses={200: openapi.OBJECT})
@api_view(["GET"])
def theme_schema(request: Request) -> Response:
    """The JSON Schema of a definition, and the field types with their names in both languages."""
    types = [{"type": k, "title": vi, "title_en": en} for k, (vi, en) in definition.FIELD_TYPES.items()]
    return Response(
        {
            "schema": definition.DEFINITION_SCHEMA,
            "field_types": types,
            "reserved": sorted(definition.RESERVED),
            "symbols": definition.SYMBOLS,
        }
    )


@extend_schema(request=dict, responses={200: dict})
@api_view(["GET", "PUT"])
def theme_detail(request: Request, slug: str) -> Response:
    """One definition; PUT replaces it (send the `version` you read; `confirm` to drop fields with values)."""
    if request.method == "PUT":
        _signed_in(request)
        row = services.change(request.user, slug, request.data)
    else:
        row = _row(slug)
    return Response(services.document(row, request.user), headers={"ETag": f'"{row.version}"'})


@extend_schema(
    parameters=[OpenApiParameter("by", OpenApiTypes.STR, description="a choice or yes/no field")],
    responses={200: openapi.OBJECT},
)
@api_view(["GET", "HEAD"])
def theme_stats(request: Request, slug: str) -> Response:
    """Features by the values of a choice field, and by ward."""
    return Response(stats.counts(_row(slug), request.query_params.get("by", ""), request.user))


_PHOTO_FORM = {"type": "object", "properties": {"photo": {"type": "string", "format": "binary"}}}


@extend_schema(
    request={"multipart/form-data": _PHOTO_FORM},
    responses={201: openapi.OBJECT},
)
@api_view(["POST"])
@parser_classes([MultiPartParser])
def theme_photo_upload(request: Request, slug: str) -> Response:
    """A photo for a feature's photo field, from the layer's editors: checked, stripped of EXIF, kept."""
    _signed_in(request)
    row = _row(slug)
    if not edits_theme(request.user, row.editor_roles):
        raise PermissionDenied("Bạn không sửa lớp này. / You do not edit this layer.")
    upload = request.FILES.get("photo")
    if upload is None:
        raise InvalidInput("Chưa chọn ảnh.", "No photo was sent (field 'photo').", code="no_photo")
    url = photos.store(row, upload, upload.name or "photo")
    return Response({"url": url}, status=status.HTTP_201_CREATED)


@extend_schema(responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
@api_view(["GET"])
def theme_photo(request: Request, slug: str, token: str) -> FileResponse:
    """A stored photo; its address is only known where the field holding it may be read."""
    stored = photos.opened(slug, token)
    if stored is None:
        raise NotFound("Không có ảnh này. / No such photo.")
    response = FileResponse(stored, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=86400"
    return response


urlpatterns = [
    path("themes/", theme_list, name="theme-list"),
    path("themes/schema", theme_schema, name="theme-schema"),
    path("themes/<slug:slug>", theme_detail, name="theme-detail"),
    path("themes/<slug:slug>/stats", theme_stats, name="theme-stats"),
    path("themes/<slug:slug>/photos", theme_photo_upload, name="theme-photo-upload"),
    path("themes/<slug:slug>/photos/<str:token>.jpg", theme_photo, name="theme-photo"),
]
