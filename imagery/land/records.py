"""What the parcel and permit APIs share: corners typed from a survey document, the ward a shape lies in,
and the views of one versioned land record (read; change or soft-delete with the version read, 409 when
stale; its history).

Land records are private as a whole: only land officers of the record's ward, leaders and admins read
them (others get an empty list or a 404), and only the ward's land officers write
(gisportal/permissions.py, Domain.LAND).
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.db import models, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gisportal.errors import InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import Domain, require_edit, scope_private
from imagery.land import parcels
from imagery.versioning import history, lock_current, soft_delete
from layers.models import AdminUnit


class CornersInput(serializers.Serializer):
    corners = serializers.JSONField(help_text="Text as pasted (one corner a line) or [[label, X, Y], …]")
    srid = serializers.ChoiceField(choices=sorted(parcels.CRS_CHOICES), default=parcels.VN2000_TM3_105_45)
    order = serializers.ChoiceField(choices=list(parcels.ORDERS), required=False)

    def shape(self) -> parcels.Shape:
        data = self.validated_data
        srid = data["srid"]
        order = data.get("order") or ("latlon" if srid == parcels.WGS84 else "xy")
        corners = data["corners"]
        if not isinstance(corners, str | list):
            raise InvalidInput("corners phải là văn bản hoặc danh sách.", "corners must be text or a list.")
        return parcels.build(corners, srid, order)


def visible(model: type[models.Model], user: Any, *, with_deleted: bool = False) -> QuerySet:
    """The land records of `model` the user may read (deleted ones only for their history)."""
    rows = model._default_manager  # `objects`, the only manager of each land record
    qs = rows.all() if with_deleted else rows.filter(is_deleted=False)
    return scope_private(qs, user, Domain.LAND)


def ward_at(geom: GEOSGeometry) -> AdminUnit | None:
    """The ward holding a shape's centre, if any."""
    return AdminUnit.objects.valid_on().wards().filter(boundary__contains=geom.point_on_surface).first()


def ward_of(geom: GEOSGeometry, named: AdminUnit | None) -> AdminUnit:
    """The ward a shape belongs to: the one named (which must hold its centre), or the one that holds it."""
    centre = geom.point_on_surface
    if named is not None:
        if named.boundary and not named.boundary.contains(centre):
            raise InvalidInput(
                f"Vị trí này không thuộc {named.name}.",
                f"This place is not inside {named.name}.",
                {"ward": named.pk},
                code="outside_ward",
            )
        return named
    found = ward_at(geom)
    if found is None:
        raise InvalidInput(
            "Vị trí này không thuộc phường nào đã biết; hãy chọn phường.",
            "This place is in no known ward; choose the ward.",
            code="no_ward",
        )
    return found


def id_param(params: Any, name: str) -> int | None:
    """An optional id among the query parameters (`?ward=`, `?parcel=`)."""
    raw = params.get(name)
    if not raw:
        return None
    if not is_whole(raw):
        raise InvalidInput(f"{name} phải là số.", f"{name} must be an id.", {name: raw})
    return int(raw)


def documented(serializer_class: type[serializers.Serializer], input_class: type[serializers.Serializer]):
    """The OpenAPI description of a RecordDetail subclass (its methods are the base class's)."""
    return extend_schema_view(
        get=extend_schema(responses=serializer_class),
        patch=extend_schema(request=input_class, responses=serializer_class),
        delete=extend_schema(responses={204: None}),
    )


class RecordDetail(APIView):
    """One land record (GET); its ward's land officers change it (PATCH) or delete it (soft), sending the
    version they read. Subclasses name the model, its serializer, its input and say how a change applies."""

    permission_classes = [IsAuthenticated]
    model: type[models.Model]
    serializer_class: type[serializers.Serializer]
    input_class: type[serializers.Serializer]
    noun: tuple[str, str]  # (vi, en), in the 409's message

    def represent(self, record: models.Model) -> dict:
        return self.serializer_class(record, context={"request": self.request}).data

    def _get(self, request, pk: int) -> Any:
        return get_object_or_404(visible(self.model, request.user), pk=pk)

    def get(self, request, pk: int) -> Response:
        return Response(self.represent(self._get(request, pk)))

    @transaction.atomic
    def patch(self, request, pk: int) -> Response:
        record = self._get(request, pk)
        require_edit(request.user, record.ward_id, domain=Domain.LAND)
        fields = self.input_class(data=request.data, partial=True)
        fields.is_valid(raise_exception=True)
        current = lock_current(request, record, self.represent, self.noun)
        self.change(request, current, dict(fields.validated_data))
        current.version += 1
        current.save()
        return Response(self.represent(current))

    def change(self, request, current: Any, values: dict) -> None:
        """Apply the validated fields (and any new shape) to the locked, current record."""
        raise NotImplementedError

    @transaction.atomic
    def delete(self, request, pk: int) -> Response:
        record = self._get(request, pk)
        require_edit(request.user, record.ward_id, domain=Domain.LAND)
        soft_delete(request, record, self.represent, self.noun)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(get=extend_schema(responses={200: dict}))
class RecordHistory(APIView):
    """Every saved version of a land record, newest first: who, when, what changed."""

    permission_classes = [IsAuthenticated]
    model: type[models.Model]
    fields: list[str]

    def get(self, request, pk: int) -> Response:
        record = get_object_or_404(visible(self.model, request.user, with_deleted=True), pk=pk)
        return Response({"id": record.pk, "history": history(record, self.fields)})
