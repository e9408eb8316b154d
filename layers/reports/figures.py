"""Citizen reports per ward (or khu phố) for the leaders' pages: open, overdue, closed on time (registered in
layers/apps.py)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gisportal.figures import WARD, Figure, Value, WardFigures


def count(ward_ids: list[int], by: str = WARD) -> dict[int, dict[str, Value]]:
    from layers.reports.services import per_ward

    counted = per_ward(ward_ids, by=by)
    return {area: {f"reports_{k}": Value(n) for k, n in figs.items()} for area, figs in counted.items()}


_GROUP = _("Citizen reports")
_QUEUE = "/reports/queue/?ward={ward}"

FIGURES = WardFigures(
    order=40,
    figures=(
        Figure(
            "reports_open",
            _("Citizen reports open"),
            _QUEUE,
            short=pgettext_lazy("figure column", "Open"),
            group=_GROUP,
        ),
        Figure(
            "reports_overdue",
            _("Citizen reports overdue"),
            f"{_QUEUE}&overdue=1",
            short=pgettext_lazy("figure column", "Overdue"),
            group=_GROUP,
        ),
        Figure(
            "reports_closed_on_time",
            _("Citizen reports closed on time"),
            f"{_QUEUE}&status=done",
            short=pgettext_lazy("figure column", "Closed on time"),
            group=_GROUP,
        ),
    ),
    count=count,
    khu_pho=True,
)
