"""A sync run as the API and the `import_businesses` command show it."""

from __future__ import annotations

from businesses.models import SyncRun


def summary(run: SyncRun, report: bool = True) -> dict:
    """A run as the API and the command show it."""
    data = {
        "id": run.pk,
        "source": run.source,
        "file_name": run.file_name,
        "full": run.full,
        "user": run.user.get_username() if run.user else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "committed": run.committed,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "rejected": run.rejected,
        "marked_missing": run.marked_missing,
        "status": run.status,
        "error": run.error,
    }
    if report:
        data["report"] = run.report
    return data
