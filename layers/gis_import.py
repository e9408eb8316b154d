"""Importing a GIS file into a registry layer: preview the rows and their problems, then commit all or nothing.

The preview is the commit, rolled back: every row goes through `layers.editing.create` (the same
checks, permissions and history as a feature drawn on the map) inside one transaction that is
then undone, so the problems a preview lists are exactly those a commit would meet. A commit
with any problem left is undone whole: nothing is written unless every row is.

Columns are matched to the layer's edit fields by name, by the field's label, or by the public
attribute's Vietnamese or English title, accents and case aside; other columns are listed as ignored.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.core.files import File
from django.db import transaction
from rest_framework.exceptions import APIException, PermissionDenied

from gisportal.errors import InvalidInput, PortalError
from gisportal.permissions import edits_domain
from layers import editing, gisfiles
from layers.models import ImportJob
from layers.registry import Layer

PREVIEW_ROWS = 20
MAX_PROBLEMS = 200


def _fold(text: str) -> str:
    return gisfiles._key(text)


def field_map(layer: Layer, columns: list[str]) -> tuple[dict[str, str], list[str]]:
    """(column → edit field, ignored columns)."""
    names: dict[str, str] = {}
    meta = layer.model._meta
    for name in layer.edit_fields:
        for alias in (name, str(meta.get_field(name).verbose_name)):
            names.setdefault(_fold(alias), name)
    for f in layer.public_fields:
        if not f.via and f.source in layer.edit_fields:
            for alias in (f.name, f.title, f.title_en):
                names.setdefault(_fold(alias), f.source)
    mapping, ignored, taken = {}, [], set()
    for column in columns:
        if column in ("geometry", "_layer"):
            continue
        target = names.get(_fold(column))
        if target and target not in taken:
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


def run(layer: Layer, user: Any, frame, *, repair: bool, commit: bool) -> dict:
    """Create every row through the editor's path; keep it only when `commit` and no row failed."""
    editing.editable_layer(layer)
    if not edits_domain(user, layer.edit_domain):
        raise PermissionDenied("Bạn không có quyền nhập dữ liệu vào lớp này. / You may not import into this layer.")
    mapping, ignored = field_map(layer, [str(c) for c in frame.columns])
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
                created.append(obj.pk)
            except (PortalError, APIException) as exc:
                problem = _problem(i, exc)
                if len(problems) < MAX_PROBLEMS:
                    problems.append(problem)
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
    if not edits_domain(user, layer.edit_domain):
        raise PermissionDenied("Bạn không có quyền nhập dữ liệu vào lớp này. / You may not import into this layer.")
    with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
        src = gisfiles.save_upload(upload, name, Path(tmp), options.get("crs"))
        frame = gisfiles.read(src, options.get("source_layer") or None)
        report = run(layer, user, frame, repair=bool(options.get("repair")), commit=False)
        report["notes"] = src.notes
        report["source_layers"] = gisfiles.layer_names(src)
        job = ImportJob(
            layer=layer.name,
            user=user,
            file_name=name,
            format=src.format,
            source_crs=next((n for n in src.notes if "EPSG" in n), "")[:40],
            options=options,
            feature_count=len(frame),
            report=report,
        )
        upload.seek(0)
        job.file.save(Path(name).name, File(upload), save=False)
        job.save()
    return job


def commit(layer: Layer, user: Any, job: ImportJob) -> ImportJob:
    """Write every row of a previewed file, or none (the report says which rows stand in the way)."""
    with tempfile.TemporaryDirectory(prefix="gis-import-") as tmp:
        frame, src = _frame(job, Path(tmp))
        report = run(layer, user, frame, repair=bool(job.options.get("repair")), commit=True)
    report["notes"] = src.notes
    job.report = report
    if report["committed"]:
        job.state = ImportJob.State.COMMITTED
        job.created_ids = report["created_ids"]
    job.save(update_fields=["report", "state", "created_ids"])
    return job
