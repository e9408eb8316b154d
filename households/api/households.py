"""Households: rows for the officers of their ward (or khu phố), counts for leaders, nothing for citizens.

Who reads what is decided in ``gisportal.permissions`` (Domain.HOUSEHOLDS): ward officers their wards,
khu phố officers their khu phố, admins everything. District leaders read no household at all — the
list and the detail answer them 403 and point to ``/households/stats``, which gives counts per khu phố
and ward. Out-of-scope households answer 404, not 403, so their existence does not leak either.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from gisportal.errors import InvalidInput
from gisportal.permissions import (
    CountsHouseholds,
    Domain,
    PrivateFieldsMixin,
    ReadsHouseholds,
    hides_small_counts,
    household_count_scope,
    scope_private,
)
from households import editing, suppression
from households.api import params
from households.household_stats import GROUPS, SENSITIVE, household_stats
from households.models import Household, HouseholdMove
from layers.api.params import parse_date

MAX_PAGE = 500


class MoveSerializer(PrivateFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = HouseholdMove
        fields = ["id", "kind", "date", "persons", "place", "version"]


class HouseholdSerializer(PrivateFieldsMixin, serializers.ModelSerializer):
    address = serializers.CharField(source="house_number.address", read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "house_number",
            "address",
            "ward",
            "khu_pho",
            *Household.record_fields,
            "moved_in_on",
            "moved_out_on",
            "version",
        ]


class HouseholdDetailSerializer(HouseholdSerializer):
    moves = serializers.SerializerMethodField()

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "moves"]

    def get_moves(self, household: Household) -> list[dict]:
        return list(MoveSerializer(household.moves.all(), many=True, context=self.context).data)


def _households(user):
    return scope_private(Household.objects.select_related("house_number"), user, Domain.HOUSEHOLDS)


def _id(params_, name: str) -> int | None:
    return params.identifier(params_, name)


@extend_schema(methods=["GET"], operation_id="households_list")
@extend_schema(
    parameters=[
        OpenApiParameter("ward", OpenApiTypes.STR),
        OpenApiParameter("khu_pho", OpenApiTypes.INT),
        OpenApiParameter("house_number", OpenApiTypes.INT),
        OpenApiParameter("status", OpenApiTypes.STR, enum=list(Household.Status.values)),
        OpenApiParameter("page", OpenApiTypes.INT),
        OpenApiParameter("page_size", OpenApiTypes.INT),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([ReadsHouseholds])
def household_list(request) -> Response:
    """Households of the reader's ward (or khu phố), with their private fields."""
    p = request.query_params
    qs = _households(request.user)
    if ward := params.ward(p.get("ward")):
        qs = qs.filter(ward=ward)
    if (kp := _id(p, "khu_pho")) is not None:
        qs = qs.filter(khu_pho_id=kp)
    if (house := _id(p, "house_number")) is not None:
        qs = qs.filter(house_number_id=house)
    if status := p.get("status"):
        if status not in Household.Status.values:
            raise InvalidInput(f"Trạng thái '{status}' không có.", f"Unknown status {status!r}.")
        qs = qs.filter(status=status)
    page = params.integer(p, "page", 1, 1, 1_000_000)
    size = params.integer(p, "page_size", 100, 1, MAX_PAGE)
    count = qs.count()
    rows = qs.order_by("id")[(page - 1) * size : page * size]
    data = HouseholdSerializer(rows, many=True, context={"request": request}).data
    return Response({"count": count, "page": page, "page_size": size, "results": data})


@extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={200: dict, 409: dict})
@api_view(["GET", "PATCH"])
@permission_classes([ReadsHouseholds])
def household_detail(request, pk: int) -> Response:
    """One household with its members and its moves. PATCH with the ``version`` read (ward officers, admins)."""
    household = get_object_or_404(_households(request.user).prefetch_related("moves"), pk=pk)

    def show(h: Household) -> dict:
        return HouseholdDetailSerializer(h, context={"request": request}).data

    if request.method == "PATCH":
        household = editing.edit_household(household, request.data, request.user, show)
    return Response(show(household))


@extend_schema(request={"application/json": OpenApiTypes.OBJECT}, responses={201: dict})
@api_view(["POST"])
@permission_classes([ReadsHouseholds])
def household_moves(request, pk: int) -> Response:
    """Record a move in or out: ``{"kind": "in"|"out", "date": "YYYY-MM-DD", "persons": n, "place": "…"}``."""
    household = get_object_or_404(_households(request.user), pk=pk)
    move = editing.add_move(household, request.data, request.user)
    h = move.household  # its new size, status and version: the next PATCH must send that version
    body = {"household": {"id": h.pk, "size": h.size, "status": h.status, "version": h.version}}
    return Response({**MoveSerializer(move, context={"request": request}).data, **body}, status=201)


@extend_schema(
    parameters=[
        OpenApiParameter("group_by", OpenApiTypes.STR, enum=list(GROUPS), description="khu_pho (default) or ward"),
        OpenApiParameter("ward", OpenApiTypes.STR, description="One ward (id or code)"),
        OpenApiParameter("from", OpenApiTypes.DATE, description="Moves from this day (default: a year ago)"),
        OpenApiParameter("to", OpenApiTypes.DATE, description="Moves up to this day (default: today)"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([CountsHouseholds])
def household_stats_view(request) -> Response:
    """Counts per khu phố or ward: resident households, people, beneficiaries, military-age youth, moves.
    For leaders, a sensitive count under `min_count` (and one more where it could be worked out) is null."""
    p = request.query_params
    group_by = p.get("group_by") or "khu_pho"
    if group_by not in GROUPS:
        raise InvalidInput("group_by phải là khu_pho hoặc ward.", "group_by must be khu_pho or ward.")
    end = parse_date(p.get("to"), "to") or dt.date.today()
    start = parse_date(p.get("from"), "from") or end - dt.timedelta(days=365)
    if start > end:
        raise InvalidInput("'from' sau 'to'.", "'from' is after 'to'.")
    user = request.user
    wards, khu_pho = household_count_scope(user)
    if ward := params.ward(p.get("ward")):
        if wards is not None and ward.pk not in wards:
            raise PermissionDenied("Bạn không phụ trách phường này. / You do not serve this ward.")
        wards = {ward.pk}
    rows = household_stats(group_by, start, end, wards, khu_pho)
    totals = {c: sum(r[c] for r in rows) for c in rows[0] if c not in GROUPS["khu_pho"]} if rows else {}
    min_count = settings.HOUSEHOLD_STATS_MIN_COUNT if hides_small_counts(user) else None
    if min_count:
        # The pattern is chosen on every ward's khu phố at once, so each table a leader asks for hides the same.
        universe = household_stats("khu_pho", start, end, None)
        suppression.apply(rows, totals, universe, SENSITIVE, min_count)
    return Response(
        {"group_by": group_by, "from": start, "to": end, "rows": rows, "totals": totals, "min_count": min_count}
    )
