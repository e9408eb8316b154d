"""The leaders' figures of reports per ward (open, overdue, closed on time) against SQL written here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from gisportal import figures
from layers.reports.models import Report
from tests.layers.reports.samples import B1, file

pytestmark = pytest.mark.django_db


def by_sql(ward_id: int) -> tuple[int, int, int]:
    with connection.cursor() as cur:
        cur.execute(
            """select count(*) filter (where status in ('new', 'triaged', 'assigned')),
                      count(*) filter (where status in ('new', 'triaged', 'assigned') and due_at < now()),
                      count(*) filter (where status in ('resolved', 'closed') and resolved_at <= due_at)
                 from layers_report where ward_id = %s""",
            [ward_id],
        )
        return cur.fetchone()


def test_report_figures_per_ward(world):
    codes = [file(kind=k).json()["code"] for k in ("flooding", "fallen_tree", "other", "other", "illegal_dumping")]
    file(where=B1)
    now = timezone.now()
    Report.objects.filter(code=codes[0]).update(due_at=now - dt.timedelta(hours=2))  # overdue
    Report.objects.filter(code=codes[1]).update(status="closed", resolved_at=now)  # on time
    Report.objects.filter(code=codes[2]).update(status="resolved", resolved_at=now + dt.timedelta(days=30))  # late
    Report.objects.filter(code=codes[3]).update(status="merged", duplicate_of=Report.objects.get(code=codes[4]))
    got = figures.per_ward([world.ward_a.pk, world.ward_b.pk])
    for ward in (world.ward_a, world.ward_b):
        mine = got[ward.pk]
        counted = (mine["reports_open"].count, mine["reports_overdue"].count, mine["reports_closed_on_time"].count)
        assert counted == by_sql(ward.pk)
    assert by_sql(world.ward_a.pk) == (2, 1, 1)
    assert {f.key for f in figures.columns()} >= {"reports_open", "reports_overdue", "reports_closed_on_time"}
