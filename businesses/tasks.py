"""Celery tasks of the businesses app: a large sync file is read, checked and written by the worker."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task
from django.utils import timezone

from businesses import sync, sync_files
from businesses.models import SyncRun
from gisportal.errors import PortalError


@shared_task(name="businesses.sync_file")
def sync_file(run_id: int, path: str, full: bool, dry_run: bool) -> str:
    """Sync a saved upload into its queued run; the file is removed whatever happens."""
    run = SyncRun.objects.select_related("user").get(pk=run_id)
    try:
        run.status = SyncRun.Status.READING
        run.save(update_fields=["status"])
        rows = sync_files.read_rows(Path(path), run.file_name)
        sync.sync(rows, full=full, user=run.user, source=run.source, file_name=run.file_name, dry_run=dry_run, run=run)
    except PortalError as exc:
        # The same refusals as the inline path (a zip bomb, a formula, a bad header), kept on the job row.
        run.error = {"error": exc.code, "message": exc.message, "message_en": exc.message_en, "details": exc.details}
        run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
        run.save(update_fields=["error", "status", "finished_at"])
    except Exception:
        run.error = {
            "error": "internal",
            "message": "Đồng bộ gặp lỗi không mong đợi; không có gì được ghi. Hãy báo quản trị.",
            "message_en": "The sync failed unexpectedly; nothing was written. Tell the administrator.",
            "details": None,
        }
        run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
        run.save(update_fields=["error", "status", "finished_at"])
        raise
    finally:
        Path(path).unlink(missing_ok=True)
    return run.status
