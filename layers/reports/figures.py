"""Citizen reports per ward for the leaders' pages: open, overdue, closed on time (registered in layers/apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gisportal.figures import Figure, Value, WardFigures


def count(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    from layers.reports.services import per_ward

    return {w: {f"reports_{k}": Value(n) for k, n in figs.items()} for w, figs in per_ward(ward_ids).items()}


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
)
