"""Waste points overflowing or damaged per ward, for the leaders' pages."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from gisportal.figures import Figure, Value, WardFigures


def count(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    from layers.models import WastePoint

    rows = (
        WastePoint.objects.filter(is_deleted=False, ward_id__in=ward_ids)
        .values("ward_id")
        .annotate(
            overflowing=Count("id", filter=Q(condition="overflowing")),
            damaged=Count("id", filter=Q(condition="damaged")),
        )
    )
    return {r["ward_id"]: {"overflowing": Value(r["overflowing"]), "damaged": Value(r["damaged"])} for r in rows}


FIGURES = WardFigures(
    order=30,
    figures=(
        Figure("overflowing", _("Waste points overflowing"), "/layers/edit/?layer=waste_points"),
        Figure("damaged", _("Waste points damaged"), "/layers/edit/?layer=waste_points"),
    ),
    count=count,
)
