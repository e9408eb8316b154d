"""Citizen reports per ward (or khu phố) for the leaders' pages: open, overdue, closed on time (registered in
layers/apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gisportal.figures import WARD, Figure, Value, WardFigures


def count(ward_ids: list[int], by: str = WARD) -> dict[int, dict[str, Value]]:
    from layers.reports.services import per_ward

    counted = per_ward(ward_ids, by=by)
    return {area: {f"reports_{k}": Value(n) for k, n in figs.items()} for area, figs in counted.items()}


FIGURES = WardFigures(
    order=40,
    figures=(
        Figure("reports_open", _("Citizen reports open"), "/reports/queue/?ward={ward}"),
        Figure("reports_overdue", _("Citizen reports overdue"), "/reports/queue/?ward={ward}&overdue=1"),
        Figure(
            "reports_closed_on_time", _("Citizen reports closed on time"), "/reports/queue/?ward={ward}&status=done"
        ),
    ),
    count=count,
    khu_pho=True,
)
