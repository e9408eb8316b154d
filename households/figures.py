"""House numbers with problems per ward (the standardisation report's checks), for the leaders' pages."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gisportal.figures import Figure, Value, WardFigures

# The checks read every number of a ward (~0.1-0.5 s each): over more wards than this the page links to each
# ward's report instead of counting.
MAX_REPORTED_WARDS = 6
PROBLEMS = ("duplicates", "unparseable", "outside_ward", "far_from_street", "out_of_sequence")


def count(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    from households.reports import ward_report

    if len(ward_ids) > MAX_REPORTED_WARDS:
        return {w: {"house_problems": Value(None)} for w in ward_ids}
    out = {}
    for ward in ward_ids:
        report = ward_report(ward)
        problems = sum(report[k]["count"] for k in PROBLEMS)
        out[ward] = {"house_problems": Value(problems, of=report["house_numbers"])}
    return out


FIGURES = WardFigures(
    order=20,
    figures=(Figure("house_problems", _("House numbers with problems"), "/households/report/?ward={ward}"),),
    count=count,
)
