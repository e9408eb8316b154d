"""Importing a GIS file into a registry layer: preview the rows and their problems, then commit all or nothing.

The preview is the commit, rolled back: every row goes through `layers.editing.create` (the same
checks, permissions and history as a feature drawn on the map) inside one transaction that is
then undone, so the problems a preview lists are exactly those a commit would meet. A commit
with any problem left is undone whole: nothing is written unless every row is.

A file of more than `GIS_IMPORT_INLINE_ROWS` features is checked for safety and read in the request
(so a zip bomb or a missing CRS is still refused at once), then previewed and committed by the Celery
worker (`layers.tasks`); the job row carries its state, the rows checked so far, and any error.

Columns are matched to the layer's edit fields by name, by the field's label, or by the public
attribute's Vietnamese or English title, accents and case aside; other columns are listed as ignored.
"""

from __future__ import annotations

import math
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from rest_framework.exceptions import APIException, PermissionDenied

from gisportal import tabular
from gisportal.errors import InvalidInput, PortalError, body, json_safe
from layers import editing, gisfiles, registry
from layers.models import ImportJob
from layers.registry import Layer
from layers.units.ward_column import WardColumn

PREVIEW_ROWS = 20
MAX_PROBLEMS = 200
PROGRESS_EVERY_S = 1.0


def _fold(text: str) -> str:
    return tabular.header_key(text)


def field_map(
    layer: Layer, columns: list[str], given: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """(column → edit field, ignored columns): the officer's own choice (`given`) first, then by name and title."""
    if layer.editor is not None:  # a ward-defined layer: its definition's field names and titles
        return layer.editor.field_map(columns, given)
    names: dict[str, str] = {}
    for name in layer.edit_fields:
        for alias in (name, str(registry.concrete_field(layer.model, name).verbose_name)):
            names.setdefault(_fold(alias), name)
    for f in layer.public_fields:
        if not f.via and f.source in layer.edit_fields:
            for alias in (f.name, f.title, f.title_en):
                names.setdefault(_fold(alias), f.source)
    mapping, ignored, taken = {}, [], set()
    for column in columns:
        if column in ("geometry", "_layer"):
            continue
        target = (given or {}).get(column) or names.get(_fold(column))
        if target in layer.edit_fields and target not in taken:
            mapping[column] = target
            taken.add(target)
        else:
            ignored.append(column)
    return mapping, ignored


def _plain(value: Any) -> Any:
    """A cell as JSON-able Python: NaN/NaT → None, numpy scalars → Python, timestamps → ISO dates."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    if hasattr(value, "isoformat"):
        try:
            return value.date().isoformat() if hasattr(value, "date") else value.isoformat()
        except ValueError:  # NaT
            return None
    return value


def _problem(row: int, exc: Exception) -> dict:
    if isinstance(exc, PortalError):
        return {
            "row": row,
            "error": exc.code,
            "message": exc.message,
            "message_en": exc.message_en,
            "details": exc.details,
        }
    text = str(getattr(exc, "detail", exc))
    vi, _, en = text.partition(" / ")
    return {"row": row, "error": getattr(exc, "default_code", "error"), "message": vi, "message_en": en or vi}


def run(
    layer: Layer,
    user: Any,
    frame,
    *,
    repair: bool,
    commit: bool,
    progress: Callable[[int], None] | None = None,
    mapping: dict[str, str] | None = None,
) -> dict:
    """Create every row through the editor's path; keep it only when `commit` and no row failed.
    `progress` is told the number of rows checked, now and then; `mapping` is the officer's column → field."""
    editing.editable_layer(layer)
    if not editing.edits_layer(user, layer):
        raise PermissionDenied("Bạn không có quyền nhập dữ liệu vào lớp này. / You may not import into this layer.")
    mapping, ignored = field_map(layer, [str(c) for c in frame.columns], mapping)
    # A ward column ('Phường 4, Quận 3', an old code): checked against the ward the geometry lies in.
    ward_column = WardColumn.find(ignored, mapping)
    if ward_column is not None:
        ignored = [c for c in ignored if c != ward_column.column]
    problems: list[dict] = []
    preview: list[dict] = []
    created: list[int] = []
    with transaction.atomic():
        for i, (props_row, geom) in enumerate(zip(frame.to_dict("records"), frame.geometry, strict=True), start=1):
            props = {target: _plain(props_row.get(column)) for column, target in mapping.items()}
            problem = None
            try:
                if geom is None or shapely.is_empty(geom):
                    raise InvalidInput("Dòng không có hình học.", "The row has no geometry.", code="missing_geometry")
                obj = editing.create(layer, user, props, geom, repair=repair)
                if ward_column is not None:
                    ward_column.check(props_row.get(ward_column.column), obj.ward_id)
                created.append(obj.pk)
            except (PortalError, APIException) as exc:
                problem = _problem(i, exc)
                if len(problems) < MAX_PROBLEMS:
                    problems.append(problem)
            if progress is not None:
                progress(i)
            if len(preview) < PREVIEW_ROWS:
                preview.append(
                    {
                        "row": i,
                        "properties": props,
                        "geometry": None if geom is None else shapely.geometry.mapping(geom),
                        "problem": problem,
                    }
                )
        failed = len(frame) - len(created)
        kept = commit and failed == 0 and len(frame) > 0
        if not kept:
            transaction.set_rollback(True)
    return {
        "rows": len(frame),
        "valid_rows": len(created),
        "failed_rows": failed,
        "columns": mapping,
        "ignored_columns": ignored,
        "ward_column": ward_column.column if ward_column is not None else None,
        "preview": preview,
        "problems": problems,
        "committed": kept,
        "created_ids": created if kept else [],
    }


def _frame(job: ImportJob, workdir: Path):
    with job.file.open("rb") as f:
        src = gisfiles.save_upload(f, job.file_name, workdir, job.options.get("crs"))
    return gisfiles.read(src, job.options.get("source_layer") or None), src


def preview(layer: Layer, user: Any, upload, name: str, options: dict) -> ImportJob:
    """Check the file (refusing it whole when unsafe or unreadable), store it, and report the rows."""
    editing.editable_layer(layer)
    if not editing.edits_layer(user, layer):
        raise PermissionDenied("Bạn không có quyền nhập dữ liệu vào lớp này. / You may not import into this layer.")
    with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
        src = gisfiles.save_upload(upload, name, Path(tmp), options.get("crs"))
        frame = gisfiles.read(src, options.get("source_layer") or None)
        background = len(frame) > settings.GIS_IMPORT_INLINE_ROWS
        report: dict[str, Any]
        if background:
            report = {"rows": len(frame)}
        else:
            report = run(
                layer, user, frame, repair=bool(options.get("repair")), commit=False, mapping=options.get("mapping")
            )
        report["notes"] = src.notes
        report["source_layers"] = gisfiles.layer_names(src)
        report = json_safe(report)  # a NaN cell in the preview was a DataError (jsonb has no NaN), a 500
        job = ImportJob(
            layer=layer.name,
            user=user,
            file_name=name,
            format=src.format,
            source_crs=next((n for n in src.notes if "EPSG" in n), "")[:40],
            options=options,
            feature_count=len(frame),
            report=report,
            state=ImportJob.State.QUEUED if background else ImportJob.State.PREVIEWED,
        )
        upload.seek(0)
        job.file.save(Path(name).name, File(upload), save=False)
        job.save()
    if background:
        _enqueue("layers.preview_import", job)
    return job


def commit(layer: Layer, user: Any, job: ImportJob, progress: Callable[[int], None] | None = None) -> ImportJob:
    """Write every row of a previewed file, or none (the report says which rows stand in the way)."""
    with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
        frame, src = _frame(job, Path(tmp))
        report = run(
            layer,
            user,
            frame,
            repair=bool(job.options.get("repair")),
            commit=True,
            progress=progress,
            mapping=job.options.get("mapping"),
        )
    report["notes"] = src.notes
    job.report = json_safe(report)
    if report["committed"]:
        job.state = ImportJob.State.COMMITTED
        job.created_ids = report["created_ids"]
        _drop_file(job)
    job.save(update_fields=["report", "state", "created_ids", "file"])
    return job


def _drop_file(job: ImportJob) -> None:
    """An ended import needs its file no more; the report stays. Kept files are private data at rest."""
    if job.file:
        job.file.delete(save=False)


def in_background(job: ImportJob) -> bool:
    return job.feature_count > settings.GIS_IMPORT_INLINE_ROWS


def queue_commit(job: ImportJob) -> ImportJob:
    """Hand a big previewed file's commit to the worker; the caller follows the job row."""
    job.state, job.progress = ImportJob.State.COMMITTING, 0
    job.save(update_fields=["state", "progress"])
    _enqueue("layers.commit_import", job)
    return job


def _enqueue(task: str, job: ImportJob) -> None:
    from gisportal.celery import app

    # After the job row is committed, or the worker might look for it before it exists.
    transaction.on_commit(lambda: app.send_task(task, args=[job.pk]))


class _Progress:
    """Writes the rows checked to the job row about once a second. The rows are being written inside
    one transaction that may yet be undone, so the count goes through a connection of its own (a
    short-lived thread's), or no one could see it before the end."""

    def __init__(self, job_id: int):
        self.job_id, self.last = job_id, time.monotonic()

    def __call__(self, rows: int) -> None:
        if time.monotonic() - self.last < PROGRESS_EVERY_S:
            return
        self.last = time.monotonic()
        thread = threading.Thread(target=self._write, args=(rows,))
        thread.start()
        thread.join()

    def _write(self, rows: int) -> None:
        try:
            ImportJob.objects.filter(pk=self.job_id).update(progress=rows)
        finally:
            connection.close()


def run_in_worker(job_id: int, step: str) -> str:
    """The worker's side of a big import: `preview` or `commit` the job's stored file."""
    from layers import registry

    job = ImportJob.objects.select_related("user").get(pk=job_id)
    expected = ImportJob.State.QUEUED if step == "preview" else ImportJob.State.COMMITTING
    if job.state != expected:
        return job.state  # delivered twice (acks_late): the first delivery did the work
    layer = registry.known(job.layer)
    try:
        if step == "preview":
            with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
                frame, src = _frame(job, Path(tmp))
                report = run(
                    layer,
                    job.user,
                    frame,
                    repair=bool(job.options.get("repair")),
                    commit=False,
                    progress=_Progress(job.pk),
                    mapping=job.options.get("mapping"),
                )
            job.report = {**report, "notes": src.notes, "source_layers": job.report.get("source_layers", [])}
            job.state = ImportJob.State.PREVIEWED
        else:
            job = commit(layer, job.user, job, progress=_Progress(job.pk))
            if job.state != ImportJob.State.COMMITTED:
                job.state = ImportJob.State.REFUSED
    except PortalError as exc:
        job.state, job.error = ImportJob.State.FAILED, body(exc.code, exc.message, exc.message_en, exc.details)
    except Exception:
        # A crash must not leave the job "being checked" for ever: the caller polls it.
        job.state = ImportJob.State.FAILED
        job.error = body(
            "import_failed", "Lỗi khi nhập tệp; hãy báo quản trị.", "The import crashed; tell an administrator."
        )
        _drop_file(job)
        job.save(update_fields=["state", "error", "file"])
        raise
    job.progress = job.feature_count
    if job.state != ImportJob.State.PREVIEWED:
        _drop_file(job)
    job.save(update_fields=["report", "state", "error", "progress", "created_ids", "file"])
    return job.state
