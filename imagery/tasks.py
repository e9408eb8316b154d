"""Celery tasks of the imagery app."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from imagery import ingest as ingest_service


# imagery/ingest.py queues this task by its name (ingest.INGEST_TASK), without importing this module: keep it.
@shared_task(name="imagery.ingest", acks_late=True)
def ingest(job_id: int) -> str:
    """Convert one queued GeoTIFF into a COG; the outcome (and any refusal) is written on the job row."""
    return ingest_service.run_job(job_id).status


@worker_ready.connect
def _reap_on_start(**_kwargs) -> None:
    """A worker (re)started after a crash fails the jobs that died with the old one (imagery/ingest.py)."""
    from django.db import connection

    try:
        ingest_service.reap_abandoned()
    finally:
        connection.close()
