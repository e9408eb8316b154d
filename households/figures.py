"""House numbers and households per ward for the leaders' pages (registered in apps.py).

House numbers: those in use (stored in the standard form: parsed, canonical text) and those the standardisation
report finds problems with. Households: resident households, their people, and the poor / near-poor among them,
summed from the khu phố table; for readers who must not single a family out, small counts are withheld with the
pattern chosen on every ward's khu phố at once (`households/suppression.py`), so the dashboard hides what the
household tables do. Per khu phố (`by="khu_pho"`), the same rows ungrouped, and the same pattern's khu phố cells.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gisportal.figures import GROUP, KHU_PHO, WARD, Figure, Value, WardFigures, on_dashboard

# The checks read every number of a ward (~0.1-0.5 s each): over more wards than this the page links to each
# ward's report instead of counting.
MAX_REPORTED_WARDS = 6
PROBLEMS = ("duplicates", "unparseable", "outside_ward", "far_from_street", "out_of_sequence")
# Sensitive household counts shown per ward (household_stats.SENSITIVE names them all).
HOUSEHOLD_COUNTS = ("households", "people", "poor", "near_poor")

_HOUSE_NUMBERS = """
SELECT {group}, count(*) FROM households_housenumber
 WHERE status = 'active' AND ward_id = ANY(%s) GROUP BY 1
"""


def _khu_pho_rows() -> list[dict]:
    from households.household_stats import household_stats

    today = dt.date.today()
    return household_stats("khu_pho", today, today, None)


def _households(ward_ids: list[int], rows: list[dict], by: str = WARD) -> dict[int, dict[str, int]]:
    """The khu phố rows of these wards summed per ward, or as they are per khu phố (households in no khu phố
    count for their ward only)."""
    wanted = set(ward_ids)
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        area = r[GROUP[by]]
        if r["ward_id"] in wanted and area is not None:
            sums = out.setdefault(area, dict.fromkeys(HOUSEHOLD_COUNTS, 0))
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


def count(ward_ids: list[int], hide_small: bool = False, by: str = WARD) -> dict[int, dict[str, Value]]:
    """Per ward, or per khu phố of these wards (`by`)."""
    from households.reports import ward_report

    out: dict[int, dict[str, Value]] = {}
    with connection.cursor() as cur:
        cur.execute(_HOUSE_NUMBERS.format(group=GROUP[by]), [list(ward_ids)])
        for area, n in cur.fetchall():
            if area is not None:
                out.setdefault(area, {})["house_numbers"] = Value(n)
    if by == WARD:  # the standardisation report reads a whole ward: not a khu phố figure
        for ward in ward_ids:
            if len(ward_ids) > MAX_REPORTED_WARDS:
                out.setdefault(ward, {})["house_problems"] = Value(None)
            else:
                report = ward_report(ward)
                problems = sum(report[k]["count"] for k in PROBLEMS)
                out.setdefault(ward, {})["house_problems"] = Value(problems, of=report["house_numbers"])
    universe = _khu_pho_rows()
    sums = _households(ward_ids, universe, by)
    patterns = _patterns(universe) if hide_small else {}
    areas = set(ward_ids) if by == WARD else set(sums)
    for column in HOUSEHOLD_COUNTS:
        if column not in patterns:
            hidden: set = set()
        elif by == KHU_PHO:
            hidden = {kp for _ward, kp in patterns[column].khu_pho}
        else:
            hidden = patterns[column].wards
        for area in areas:
            n = sums.get(area, {}).get(column, 0)
            out.setdefault(area, {})[f"hh_{column}"] = Value(None, hidden=True) if area in hidden else Value(n)
    return out


def protected(ward_ids: list[int], by: str = WARD) -> dict[int, dict[str, Value]]:
    return count(ward_ids, hide_small=True, by=by)


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


# Household counts have no page of their own for a leader (the household lists are not theirs to read, the stats
# API answers JSON): each links to the dashboard on that figure, per khu phố.
_HOUSE = _("House numbers")
_HOUSEHOLDS = pgettext_lazy("figure group", "Households")
_REPORT = "/households/report/?ward={ward}"


def _household(key: str, label, short, sensitive: bool = False) -> Figure:
    return Figure(key, label, on_dashboard(key), sensitive=sensitive, short=short, group=_HOUSEHOLDS)


FIGURES = WardFigures(
    order=20,
    figures=(
        Figure(
            "house_numbers",
            _("House numbers standardised"),
            _REPORT,
            short=pgettext_lazy("figure column", "Standardised"),
            group=_HOUSE,
        ),
        Figure(
            "house_problems",
            _("House numbers with problems"),
            _REPORT,
            per_khu_pho=False,
            short=pgettext_lazy("figure column", "With problems"),
            group=_HOUSE,
        ),
        _household("hh_households", _("Resident households"), pgettext_lazy("figure column", "Total")),
        _household("hh_people", _("Residents"), pgettext_lazy("figure column", "Residents")),
        _household("hh_poor", _("Poor households"), pgettext_lazy("figure column", "Poor"), sensitive=True),
        _household(
            "hh_near_poor", _("Near-poor households"), pgettext_lazy("figure column", "Near-poor"), sensitive=True
        ),
    ),
    count=count,
    protected=protected,
    protected_totals=protected_totals,
    khu_pho=True,
)
