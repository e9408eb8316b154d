"""Celery tasks of the dashboard: the figures' snapshot (beat: gisportal/settings.py CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

SNAPSHOT_TASK = "frontend.snapshot"


@shared_task(name=SNAPSHOT_TASK)
def snapshot() -> int:
    """Every ward's figures now (and the wards re-classified on them); the number of wards."""
    from frontend import snapshots

    return snapshots.take()
