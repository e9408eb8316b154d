"""Change-detection flags per ward for the leaders' pages: waiting for review, and confirmed violations
(registered in apps.py). The SQL is here, once."""

from __future__ import annotations

from django.db import connection
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gisportal.figures import Figure, Value, WardFigures

_SQL = """
SELECT ward_id, count(*) FILTER (WHERE status = 'to_review'), count(*) FILTER (WHERE status = 'confirmed')
  FROM detection_changeflag WHERE ward_id = ANY(%s) GROUP BY ward_id
"""


def count(ward_ids: list[int]) -> dict[int, dict[str, Value]]:
    with connection.cursor() as cur:
        cur.execute(_SQL, [list(ward_ids)])
        return {
            w: {"flags_pending": Value(pending), "flags_confirmed": Value(confirmed)}
            for w, pending, confirmed in cur.fetchall()
        }


_GROUP = pgettext_lazy("figure group", "Constructions")
_REVIEW = "/land/detection/?ward={ward}"

FIGURES = WardFigures(
    order=50,
    figures=(
        Figure(
            "flags_pending",
            _("Construction flags to review"),
            f"{_REVIEW}&status=to_review",
            short=pgettext_lazy("figure column", "To review"),
            group=_GROUP,
        ),
        Figure(
            "flags_confirmed",
            _("Unlicensed construction confirmed"),
            f"{_REVIEW}&status=confirmed",
            short=pgettext_lazy("figure column", "Unlicensed"),
            group=_GROUP,
        ),
    ),
    count=count,
)
