"""Celery tasks of the layers app: a big GIS file's preview and commit (layers.files.importer)."""

from __future__ import annotations

from celery import shared_task

from layers.files import importer


@shared_task(name="layers.preview_import")
def preview_import(job_id: int) -> str:
    return importer.run_in_worker(job_id, "preview")


@shared_task(name="layers.commit_import")
def commit_import(job_id: int) -> str:
    return importer.run_in_worker(job_id, "commit")
