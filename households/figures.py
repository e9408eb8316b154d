"""House numbers and households per ward for the leaders' pages (registered in apps.py).

House numbers: those in use (stored in the standard form: parsed, canonical text) and those the standardisation
report finds problems with. Households: resident households, their people, and the poor / near-poor among them,
summed from the khu phố table; for readers who must not single a family out, small counts are withheld with the
pattern chosen on every ward's khu phố at once (`households/suppression.py`), so the dashboard hides what the
household tables do.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from gisportal.figures import Figure, Value, WardFigures

# The checks read every number of a ward (~0.1-0.5 s each): over more wards than this the page links to each
# ward's report instead of counting.
MAX_REPORTED_WARDS = 6
PROBLEMS = ("duplicates", "unparseable", "outside_ward", "far_from_street", "out_of_sequence")
# Sensitive household counts shown per ward (household_stats.SENSITIVE names them all).
HOUSEHOLD_COUNTS = ("households", "people", "poor", "near_poor")

_HOUSE_NUMBERS = """
SELECT ward_id, count(*) FROM households_housenumber
 WHERE status = 'active' AND ward_id = ANY(%s) GROUP BY ward_id
"""


def _khu_pho_rows() -> list[dict]:
    from households.household_stats import household_stats

    today = dt.date.today()
    return household_stats("khu_pho", today, today, None)


def _households(ward_ids: list[int], rows: list[dict]) -> dict[int, dict[str, int]]:
    wanted = set(ward_ids)
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        if r["ward_id"] in wanted:
            sums = out.setdefault(r["ward_id"], dict.fromkeys(HOUSEHOLD_COUNTS, 0))
            for c in HOUSEHOLD_COUNTS:
                sums[c] += r[c]
    return out


def _patterns(universe: list[dict]) -> dict:
    from households import suppression
    from households.household_stats import SENSITIVE

    k = settings.HOUSEHOLD_STATS_MIN_COUNT
    return {
        column: suppression.pattern({(r["ward_id"], r["khu_pho_id"]): r[column] for r in universe}, k)
        for column in HOUSEHOLD_COUNTS
        if column in SENSITIVE
    }


def count(ward_ids: list[int], hide_small: bool = False) -> dict[int, dict[str, Value]]:
    from households.reports import ward_report

    out: dict[int, dict[str, Value]] = {w: {} for w in ward_ids}
    with connection.cursor() as cur:
        cur.execute(_HOUSE_NUMBERS, [list(ward_ids)])
        for ward, n in cur.fetchall():
            out[ward]["house_numbers"] = Value(n)
    if len(ward_ids) > MAX_REPORTED_WARDS:
        for w in ward_ids:
            out[w]["house_problems"] = Value(None)
    else:
        for ward in ward_ids:
            report = ward_report(ward)
            problems = sum(report[k]["count"] for k in PROBLEMS)
            out[ward]["house_problems"] = Value(problems, of=report["house_numbers"])
    universe = _khu_pho_rows()
    sums = _households(ward_ids, universe)
    patterns = _patterns(universe) if hide_small else {}
    for column in HOUSEHOLD_COUNTS:
        hidden = patterns[column].wards if column in patterns else set()
        for ward in ward_ids:
            n = sums.get(ward, {}).get(column, 0)
            out[ward][f"hh_{column}"] = Value(None, hidden=True) if ward in hidden else Value(n)
    return out


def protected(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    return count(ward_ids, hide_small=True)


def protected_totals(ward_ids: list[int]) -> dict[str, Value]:
    """The total of these wards per sensitive figure, withheld as every household table withholds it."""
    from households import suppression

    universe = _khu_pho_rows()
    sums = _households(ward_ids, universe)
    in_view = set(ward_ids)
    out = {}
    for column, p in _patterns(universe).items():
        if suppression.table_total_hidden(p, in_view, bool(p.wards & in_view), by_khu_pho=False):
            out[f"hh_{column}"] = Value(None, hidden=True)
        else:
            out[f"hh_{column}"] = Value(sum(s[column] for s in sums.values()))
    return out


FIGURES = WardFigures(
    order=20,
    figures=(
        Figure("house_numbers", _("House numbers standardised"), "/households/report/?ward={ward}"),
        Figure("house_problems", _("House numbers with problems"), "/households/report/?ward={ward}"),
        Figure("hh_households", _("Resident households"), "/api/v1/households/stats?ward={ward}"),
        Figure("hh_people", _("Residents"), "/api/v1/households/stats?ward={ward}"),
        Figure("hh_poor", _("Poor households"), "/api/v1/households/stats?ward={ward}", sensitive=True),
        Figure("hh_near_poor", _("Near-poor households"), "/api/v1/households/stats?ward={ward}", sensitive=True),
    ),
    count=count,
    protected=protected,
    protected_totals=protected_totals,
)
