"""Business households per ward by status, and those newly registered, for the leaders' pages (registered in
apps.py). The SQL is here, once."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils.translation import gettext_lazy as _

from gisportal.figures import Figure, Value, WardFigures

NEW_DAYS = 30  # "newly registered": registered on one of the last NEW_DAYS days, today included

_SQL = """
SELECT ward_id,
       count(*) FILTER (WHERE status = 'active'),
       count(*) FILTER (WHERE status = 'suspended'),
       count(*) FILTER (WHERE registered_on > %(since)s AND registered_on <= %(today)s)
  FROM businesses_business
 WHERE NOT is_deleted AND ward_id = ANY(%(wards)s)
 GROUP BY ward_id
"""


def count(ward_ids: list[int], today: dt.date | None = None) -> dict[int, dict[str, Value]]:
    today = today or dt.date.today()
    with connection.cursor() as cur:
        cur.execute(_SQL, {"wards": list(ward_ids), "today": today, "since": today - dt.timedelta(days=NEW_DAYS)})
        rows = cur.fetchall()
    return {
        ward: {"active": Value(active), "suspended": Value(suspended), "new_businesses": Value(new)}
        for ward, active, suspended, new in rows
    }


FIGURES = WardFigures(
    order=10,
    figures=(
        Figure("active", _("Businesses active"), "/businesses/stats/?ward={ward}"),
        Figure("suspended", _("Businesses suspended"), "/businesses/stats/?ward={ward}"),
        Figure("new_businesses", _("Businesses registered in the last 30 days"), "/businesses/stats/?ward={ward}"),
    ),
    count=count,
)
