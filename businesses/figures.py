"""Business households per ward (or per khu phố of those wards) by status, and those newly registered, for the
leaders' pages (registered in apps.py). The SQL is here, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gisportal.figures import GROUP, WARD, Figure, Value, WardFigures

NEW_DAYS = 30  # "newly registered": registered on one of the last NEW_DAYS days, today included

_SQL = """
SELECT {group},
       count(*) FILTER (WHERE status = 'active'),
       count(*) FILTER (WHERE status = 'suspended'),
       count(*) FILTER (WHERE registered_on > %(since)s AND registered_on <= %(today)s)
  FROM businesses_business
 WHERE NOT is_deleted AND ward_id = ANY(%(wards)s)
 GROUP BY 1
"""


def count(ward_ids: list[int], today: dt.date | None = None, by: str = WARD) -> dict[int, dict[str, Value]]:
    """Per ward, or per khu phố of these wards (`by`); businesses placed in no khu phố count for their ward only."""
    today = today or dt.date.today()
    args: dict[str, Any] = {"wards": list(ward_ids), "today": today, "since": today - dt.timedelta(days=NEW_DAYS)}
    with connection.cursor() as cur:
        cur.execute(_SQL.format(group=GROUP[by]), args)
        rows = cur.fetchall()
    return {
        area: {"active": Value(active), "suspended": Value(suspended), "new_businesses": Value(new)}
        for area, active, suspended, new in rows
        if area is not None
    }


_GROUP = _("Businesses")
_STATS = "/businesses/stats/?ward={ward}"

FIGURES = WardFigures(
    order=10,
    figures=(
        Figure(
            "active",
            _("Businesses active"),
            f"{_STATS}&status=active",
            short=pgettext_lazy("figure column", "Active"),
            group=_GROUP,
        ),
        Figure(
            "suspended",
            _("Businesses suspended"),
            f"{_STATS}&status=suspended",
            short=pgettext_lazy("figure column", "Suspended"),
            group=_GROUP,
        ),
        Figure(
            "new_businesses",
            _("Businesses registered in the last 30 days"),
            _STATS,
            short=pgettext_lazy("figure column", "New (30 days)"),
            group=_GROUP,
        ),
    ),
    count=count,
    khu_pho=True,
)
