"""Celery tasks: a big house-number file is imported by a worker, its progress on the job row."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task

from gisportal.errors import PortalError, body
from gisportal.permissions import ward_ids
from households.imports.run import run_import
from households.models import HouseImport


@shared_task(name="households.import_house_numbers")
def import_house_numbers(job_id: int) -> str:
    """Run a queued import; the uploader's wards are read now, so a revoked officer imports nothing."""
    job = HouseImport.objects.select_related("user").get(pk=job_id)
    if job.status != HouseImport.Status.QUEUED:
        return job.status  # delivered twice (acks_late): the first delivery did the work
    try:
        run_import(job, job.path, allowed_wards=ward_ids(job.user) if job.user else None)
    except PortalError:
        pass  # recorded on the job row by run_import
    except Exception:
        # A crash must not leave the job "running" for ever: the page would wait on it.
        error = body(
            "import_failed", "Lỗi khi nhập tệp; hãy báo quản trị.", "The import crashed; tell an administrator."
        )
        HouseImport.objects.filter(pk=job_id).update(status=HouseImport.Status.FAILED, error=error)
        raise
    finally:
        Path(job.path).unlink(missing_ok=True)
    return HouseImport.objects.values_list("status", flat=True).get(pk=job_id)
