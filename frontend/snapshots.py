"""The dashboard's figures over time: a snapshot of every ward's figures (Celery beat every 6 hours, or a leader's
request), and the series of one figure read back for the line chart.

Withheld (sensitive) figures are never kept: a series of small counts would give one back by its differences.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from frontend import leader, levels
from frontend.models import FigureSnapshot
from gisportal import figures as registry

MAX_POINTS = 400  # 100 days of 6-hourly snapshots


def kept_keys() -> list[str]:
    return [f.key for f in registry.columns() if not f.sensitive]


def take(now: dt.datetime | None = None) -> int:
    """Every ward's figures now, one row per ward; the wards are re-classified on the same counts."""
    now = now or timezone.now()
    ids = [w.pk for w in leader.classified_wards()]
    values = registry.per_ward(ids)
    keys = kept_keys()
    FigureSnapshot.objects.bulk_create(
        FigureSnapshot(taken_at=now, ward_id=w, values={k: values[w][k].count for k in keys}) for w in ids
    )
    levels.classify_wards(ids, values)
    return len(ids)


def history(figure: str, ward_ids: list[int], since: dt.datetime | None = None) -> dict:
    """{times, wards: {id: [value per time]}, district: [sum per time]} of one figure, the latest MAX_POINTS
    snapshots; a value is null where a ward was not counted (or not yet in the snapshot)."""
    rows = FigureSnapshot.objects.filter(ward_id__in=ward_ids)
    if since:
        rows = rows.filter(taken_at__gte=since)
    times = sorted(set(rows.values_list("taken_at", flat=True).order_by("-taken_at")[: MAX_POINTS * 4]))[-MAX_POINTS:]
    index = {t: i for i, t in enumerate(times)}
    series: dict[int, list] = {w: [None] * len(times) for w in ward_ids}
    for ward, taken_at, values in rows.filter(taken_at__in=times).values_list("ward_id", "taken_at", "values"):
        series[ward][index[taken_at]] = values.get(figure)
    district = [
        None if any(series[w][i] is None for w in ward_ids) else sum(series[w][i] for w in ward_ids)
        for i in range(len(times))
    ]
    return {
        "figure": figure,
        "times": [t.isoformat() for t in times],
        "wards": {str(w): v for w, v in series.items()},
        "district": district,
    }
