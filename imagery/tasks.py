"""Celery tasks of the imagery app."""

from __future__ import annotations

from celery import shared_task

from imagery import ingest as ingest_service


# imagery/ingest.py queues this task by its name (ingest.INGEST_TASK), without importing this module: keep it.
@shared_task(name="imagery.ingest", acks_late=True)
def ingest(job_id: int) -> str:
    """Convert one queued GeoTIFF into a COG; the outcome (and any refusal) is written on the job row."""
    return ingest_service.run_job(job_id).status
