"""A district leader's home: each of their wards in figures, with links to the pages behind them.

Modest on purpose (the full operations centre is another issue): three figures per ward from the services the
other pages use — businesses by status (businesses.stats.count_by), house numbers with problems
(households.reports.ward_report), waste points overflowing or damaged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q

from layers.models import AdminUnit

# The house-number checks read every number of a ward (~0.1-0.5 s each): beyond this many wards the home lists
# the other figures and links to each ward's report instead.
MAX_REPORTED_WARDS = 6


@dataclass
class WardFigures:
    ward: AdminUnit
    businesses_active: int
    businesses_suspended: int
    house_numbers: int | None
    house_problems: int | None
    waste_overflowing: int
    waste_damaged: int


def leader_wards(user: Any) -> list[AdminUnit]:
    """The wards a leader follows: those on their profile, else the portal's home wards, else every ward."""
    wards = AdminUnit.objects.valid_on().wards().exclude(code__startswith="BENCH-").order_by("name")
    profile = getattr(user, "profile", None)
    own = list(profile.wards.values_list("id", flat=True)) if profile else []
    if own:
        return list(wards.filter(pk__in=own))
    if settings.PORTAL_HOME_WARDS:
        home = list(wards.filter(code__in=settings.PORTAL_HOME_WARDS))
        if home:
            return home
    return list(wards)


def figures(wards: list[AdminUnit]) -> list[WardFigures]:
    from businesses import stats
    from businesses.models import Business
    from households.reports import ward_report
    from layers.models import WastePoint

    ids = [w.pk for w in wards]
    by_status: dict[tuple[int, str], int] = {}
    live = Business.objects.filter(is_deleted=False, ward_id__in=ids)
    for row in stats.count_by(live, "ward", "status")["rows"]:
        by_status[(row["key"], row["key2"])] = row["count"]
    waste = {
        row["ward_id"]: row
        for row in WastePoint.objects.filter(is_deleted=False, ward_id__in=ids)
        .values("ward_id")
        .annotate(
            overflowing=Count("id", filter=Q(condition="overflowing")),
            damaged=Count("id", filter=Q(condition="damaged")),
        )
    }
    out = []
    report_houses = len(wards) <= MAX_REPORTED_WARDS
    for ward in wards:
        numbers = problems = None
        if report_houses:
            report = ward_report(ward.pk)
            numbers = report["house_numbers"]
            kinds = ("duplicates", "unparseable", "outside_ward", "far_from_street", "out_of_sequence")
            problems = sum(report[k]["count"] for k in kinds)
        w = waste.get(ward.pk, {})
        out.append(
            WardFigures(
                ward=ward,
                businesses_active=by_status.get((ward.pk, "active"), 0),
                businesses_suspended=by_status.get((ward.pk, "suspended"), 0),
                house_numbers=numbers,
                house_problems=problems,
                waste_overflowing=w.get("overflowing", 0),
                waste_damaged=w.get("damaged", 0),
            )
        )
    return out
