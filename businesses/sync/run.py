"""One sync run: every row checked, then all written in one transaction or none, the job row following each stage."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from businesses.models import SyncRun
from businesses.sync.checks import check_rows
from businesses.sync.writer import Writer
from businesses.sync_files import empty_file_error


class _DryRun(Exception):
    """Raised at the end of a dry run's transaction, so that everything it wrote is rolled back."""


def sync(
    rows: list[dict],
    *,
    full: bool,
    user: Any = None,
    source: str = SyncRun.Source.API,
    file_name: str = "",
    dry_run: bool = False,
    run: SyncRun | None = None,
) -> SyncRun:
    """Check every row; write nothing if one is rejected, else upsert them all in one transaction.

    Returns the SyncRun (saved unless `dry_run` without a queued `run`): `committed` says which way it
    went. A queued `run` (the worker's job row) is filled in, its `status` following each stage.
    """
    if not rows:
        raise empty_file_error()
    if user is not None and not user.is_authenticated:
        user = None
    keep = run is not None or not dry_run
    if run is None:
        run = SyncRun(user=user, source=source, file_name=file_name[:255], full=full, started_at=timezone.now())
    _stage(run, SyncRun.Status.CHECKING, keep)  # a run that dies half-way stays visible: started, never finished
    cleans, rejections = check_rows(rows)
    if rejections.rows:
        run.rejected = len(rejections.rows)
        run.report = {"rejections": rejections.items}
        run.finished_at = timezone.now()
        _stage(run, SyncRun.Status.DONE, keep)
        return run
    columns = {k for r in rows for k in r if not k.startswith("_")}
    _stage(run, SyncRun.Status.WRITING, keep)
    try:
        with transaction.atomic():
            Writer(run, columns).write(cleans)
            run.committed = not dry_run
            run.finished_at = timezone.now()
            if dry_run:
                raise _DryRun
            run.status = SyncRun.Status.DONE
            run.save()
    except _DryRun:
        run.committed = False
        _stage(run, SyncRun.Status.DONE, keep)
    return run


def _stage(run: SyncRun, status: str, keep: bool) -> None:
    """Record how far the run got, committed at once so a caller polling the job row sees it."""
    run.status = status
    if keep:
        run.save()
