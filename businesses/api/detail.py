"""One business household: read, changed or deleted by the officers of its ward (with the version they read),
restored, and its history."""

from __future__ import annotations

import json

from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from businesses.api.lists import locate
from businesses.api.serializers import FIELD_LABELS, BusinessCreateSerializer, BusinessSerializer
from businesses.models import Business
from gisportal import changes, field_errors, openapi
from gisportal.errors import Conflict, InvalidInput
from gisportal.params import is_whole
from gisportal.permissions import can_see_private, require_edit
from layers import history as feature_history


def _current_for_write(request, instance: Business) -> Business:
    """Lock the row and check the version the writer read: two officers never silently overwrite each other."""
    sent = request.data.get("version") if hasattr(request.data, "get") else None
    sent = sent or request.query_params.get("version") or request.headers.get("If-Match", "").strip('"')
    if not is_whole(sent):
        raise InvalidInput(
            "Thiếu số phiên bản (version) của bản ghi đã đọc.",
            "The version of the record you read is missing (version).",
            code="version_required",
        )
    current = Business.objects.select_for_update().get(pk=instance.pk)
    if current.version != int(sent):
        raise Conflict(
            "Người khác đã lưu hộ kinh doanh này trước bạn; dữ liệu mới hơn được giữ nguyên.",
            "Someone else saved this business first; the newer data was kept.",
            {
                "yours": request.data if isinstance(request.data, dict) else {},
                "current": BusinessSerializer(current, context={"request": request}).data,
            },
        )
    feature_history.ensure_baseline(current)  # a business seeded or synced in bulk gets its version 1 first
    return current


class BusinessDetail(generics.RetrieveUpdateDestroyAPIView):
    """One business household; officers of its ward change or delete it, sending the version they read."""

    serializer_class = BusinessSerializer
    queryset = Business.objects.filter(is_deleted=False).select_related("industry")

    def _new_point(self, serializer):
        """The point a PATCH/PUT moves the business to: a GeoJSON Feature's geometry (read by the serializer)
        or a plain `geometry` member beside the fields, which the serializer would silently ignore."""
        geom = serializer.validated_data.pop("geom", None)
        data = self.request.data
        if geom is None and isinstance(data, dict) and data.get("geometry") is not None and "properties" not in data:
            try:
                geom = GEOSGeometry(json.dumps(data["geometry"]))
            except (GEOSException, ValueError, TypeError):
                raise field_errors.field_refused(
                    "geometry", "Không phải GeoJSON hợp lệ.", "Not valid GeoJSON.", field_errors.labels_of(FIELD_LABELS)
                ) from None
        return BusinessCreateSerializer._point(geom) if geom is not None else None

    @transaction.atomic
    def perform_update(self, serializer):
        instance = serializer.instance
        ward = serializer.validated_data.get("ward", instance.ward)
        require_edit(self.request.user, instance.ward_id)
        if (point := self._new_point(serializer)) is not None:
            # A move follows the rule of a new registration: the ward and khu phố are those holding the
            # point (or the ones sent, checked to hold it), and the officer must edit that ward too.
            given = serializer.validated_data
            ward, khu_pho = locate(point, given.get("ward"), given.get("khu_pho"))
            given.update(geom=point, ward=ward, khu_pho=khu_pho)
        require_edit(self.request.user, ward.pk)
        current = _current_for_write(self.request, instance)
        # Save onto the locked, fresh row: fields this request did not send (a sync's missing mark,
        # say) keep their newest value instead of the one read before the lock.
        serializer.instance = current
        if not changes.changed_fields(current, serializer.validated_data):
            return  # nothing differs from what is stored: no new version (the answer shows the stored one)
        industry = serializer.validated_data.get("industry", current.industry)
        serializer.save(version=current.version + 1, section=industry.section)

    @transaction.atomic
    def perform_destroy(self, instance):
        # Soft: the ward can undo it (restore), and the history keeps who deleted it and when.
        require_edit(self.request.user, instance.ward_id)
        current = _current_for_write(self.request, instance)
        current.is_deleted = True
        current.version += 1
        current.save(update_fields=["is_deleted", "version"])


@extend_schema(request=None, responses=BusinessSerializer)
@api_view(["POST"])
def business_restore(request, pk: int) -> Response:
    """Undo a soft delete (officers of the business's ward)."""
    with transaction.atomic():
        business = get_object_or_404(Business.objects.select_for_update(), pk=pk, is_deleted=True)
        require_edit(request.user, business.ward_id)
        feature_history.ensure_baseline(business)
        business.is_deleted = False
        business.version += 1
        business.save(update_fields=["is_deleted", "version"])
    return Response(BusinessSerializer(business, context={"request": request}).data)


HISTORY_FIELDS = [f for f in BusinessSerializer.Meta.fields if f not in ("id", "version")] + ["geom", "is_deleted"]
FOREIGN_KEYS = {"industry", "ward", "khu_pho"}


def _plain(row, field: str):
    """A history row's value of `field` as JSON: ids for foreign keys, [lon, lat], ISO dates."""
    value = getattr(row, f"{field}_id" if field in FOREIGN_KEYS else field)
    if field == "geom" and value is not None:
        return [round(value.x, 7), round(value.y, 7)]
    return value.isoformat() if hasattr(value, "isoformat") else value


@extend_schema(responses={200: openapi.OBJECT})
@api_view(["GET"])
def business_history(request, pk: int) -> Response:
    """Every saved version, newest first: who, when, and what changed (to those who may read it all)."""
    business = get_object_or_404(Business, pk=pk)
    if not can_see_private(request.user, business):
        raise PermissionDenied(
            "Chỉ cán bộ phụ trách mới xem được lịch sử sửa đổi. / Only officers in charge may read the edit history."
        )
    out = feature_history.versions(business, HISTORY_FIELDS, _plain, reasons=False)
    return Response({"id": business.pk, "history": out})
