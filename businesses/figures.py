"""Business households per ward by status, for the leaders' pages (registered in apps.py)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from gisportal.figures import Figure, Value, WardFigures


def count(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    from businesses.models import Business

    rows = (
        Business.objects.filter(is_deleted=False, ward_id__in=ward_ids)
        .values("ward_id")
        .annotate(active=Count("id", filter=Q(status="active")), suspended=Count("id", filter=Q(status="suspended")))
    )
    return {r["ward_id"]: {"active": Value(r["active"]), "suspended": Value(r["suspended"])} for r in rows}


FIGURES = WardFigures(
    order=10,
    figures=(
        Figure("active", _("Businesses active"), "/businesses/stats/?ward={ward}"),
        Figure("suspended", _("Businesses suspended"), "/businesses/stats/?ward={ward}"),
    ),
    count=count,
)
