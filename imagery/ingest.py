"""Ingestion jobs: a GeoTIFF (uploaded or registered by path) → checked → COG → Acquisition.

`start_*` run in the request (or the CLI): they stream the upload to disk, check its header and
queue the job; `run_job` is the long part, run by the Celery task (or inline by the CLI). A file
refused at any step leaves nothing behind: no Acquisition, no COG, no copy of the upload; only the
job row remains, carrying the reason for the page and the CLI.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from rasterio.errors import RasterioError
from rio_tiler.errors import RioTilerError

from gisportal.celery import app as celery_app
from gisportal.errors import PortalError
from imagery import cog
from imagery.models import Acquisition, IngestJob
from imagery.storage import cogs_dir, incoming_dir
from imagery.uploads import StoredUpload
from layers.models import AdminUnit

log = logging.getLogger(__name__)

# Share of the bar per stage: the header check is instant, copying the windows is the bulk.
COPY_FROM, COPY_TO = 5, 90
# The Celery task (imagery/tasks.py) that runs `run_job`, queued by name so this module never imports it.
INGEST_TASK = "imagery.ingest"


def _queue(job: IngestJob) -> None:
    # After the job row is committed, or the worker might look for it before it exists.
    transaction.on_commit(lambda: celery_app.send_task(INGEST_TASK, args=[job.pk]))


def start_upload(
    upload: UploadedFile, *, ward: AdminUnit, year: int, acquired_on: dt.date, title: str, user
) -> IngestJob:
    """Take an uploaded file into IMAGERY_ROOT without reading it into memory, check it, queue its job."""
    if isinstance(upload, StoredUpload):
        dest = upload.path  # streamed there by IncomingFileHandler
    else:
        dest = incoming_dir() / f"{uuid.uuid4().hex}.tif"
        if isinstance(upload, TemporaryUploadedFile):
            # Spooled to disk by Django's own handler: a rename, or a chunked copy across disks.
            file_move_safe(upload.temporary_file_path(), str(dest))
        else:
            with open(dest, "wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
    try:
        cog.inspect(dest)
    except PortalError:
        dest.unlink(missing_ok=True)
        raise
    return _create(
        dest, upload.name or dest.name, True, ward=ward, year=year, acquired_on=acquired_on, title=title, user=user
    )


def start_path(
    path: Path, *, ward: AdminUnit, year: int, acquired_on: dt.date, title: str, user, queue: bool = True
) -> IngestJob:
    """Register a GeoTIFF already on the server (it is read, never moved or deleted), check it, queue its job."""
    cog.inspect(path)
    return _create(
        path, path.name, False, ward=ward, year=year, acquired_on=acquired_on, title=title, user=user, queue=queue
    )


def _create(path: Path, name: str, is_upload: bool, *, queue: bool = True, **fields) -> IngestJob:
    job = IngestJob.objects.create(
        ward=fields["ward"],
        year=fields["year"],
        acquired_on=fields["acquired_on"],
        title=fields["title"],
        source_name=name[:255],
        source_path=str(path.resolve()),
        source_is_upload=is_upload,
        size_bytes=path.stat().st_size,
        stage="queued",
        created_by=fields["user"] if getattr(fields["user"], "is_authenticated", False) else None,
    )
    if queue:
        _queue(job)
    return job


class _Progress:
    """Writes the job's progress at most twice a second: a 1 GB file has thousands of windows."""

    def __init__(self, job_id: int, hook: Callable[[int], None] | None = None):
        self.job_id = job_id
        self.hook = hook
        self.last = -1
        self.at = 0.0

    def __call__(self, percent: int) -> None:
        value = COPY_FROM + (COPY_TO - COPY_FROM) * percent // 100
        now = time.monotonic()
        if value != self.last and (now - self.at > 0.5 or percent >= 100):
            self.last, self.at = value, now
            IngestJob.objects.filter(pk=self.job_id).update(progress=value, stage="converting")
            if self.hook:
                self.hook(value)


def _fail(job: IngestJob, error: PortalError) -> None:
    IngestJob.objects.filter(pk=job.pk).update(
        status=IngestJob.Status.FAILED,
        stage="failed",
        error=error.code,
        message=error.message,
        message_en=error.message_en,
        finished_at=timezone.now(),
    )


def run_job(job_id: int, on_progress: Callable[[int], None] | None = None) -> IngestJob:
    """Convert the job's file into a COG and record the Acquisition; on any refusal, remove every file made.

    `on_progress` (the CLI's bar when it runs the job inline) gets the same 0–100 as the job row.
    """
    job = IngestJob.objects.select_related("ward").get(pk=job_id)
    reap_abandoned()
    # The job's lock first, then the claim: a running job whose lock is free has lost its worker.
    if not _lock(job.pk):
        job.refresh_from_db()
        return job
    try:
        # Claimed by one conditional update: a redelivered task (acks_late), or two workers given the same job,
        # find it no longer queued and leave it to the one that claimed it (or to its done/refused result).
        claimed = IngestJob.objects.filter(pk=job.pk, status=IngestJob.Status.QUEUED).update(
            status=IngestJob.Status.RUNNING, stage="checking", progress=1, started_at=timezone.now()
        )
        if claimed:
            _convert(job, on_progress)
    finally:
        _unlock(job.pk)
    job.refresh_from_db()
    return job


def _convert(job: IngestJob, on_progress: Callable[[int], None] | None) -> None:
    src = Path(job.source_path)
    # Every file a job makes starts with its id, so the files of a job whose worker died can be found.
    name = f"{_prefix(job.pk)}{uuid.uuid4().hex}.tif"
    final = cogs_dir() / name
    # The COG is written, with rio-cogeo's intermediate file beside it, in the job's own folder: named for this
    # run, as the COG is, so that two databases sharing one IMAGERY_ROOT (the test suite's parallel workers, each
    # with its own job 1) never write into one folder.
    work = cogs_dir() / f"{_prefix(job.pk)}{uuid.uuid4().hex}.work"
    work.mkdir()
    part = work / "cog.part.tif"
    kept = False
    try:
        info = cog.inspect(src)  # again: the CLI's inline path, and a file may change between queue and run
        cog.convert(src, part, _Progress(job.pk, on_progress))
        IngestJob.objects.filter(pk=job.pk).update(progress=COPY_TO + 5, stage="finishing")
        meta = cog.describe(part, info.dtype)
        part.rename(final)
        with transaction.atomic():
            acquisition = Acquisition.objects.create(
                ward=job.ward,
                year=job.year,
                acquired_on=job.acquired_on,
                title=job.title,
                source_name=job.source_name,
                cog_name=name,
                crs=info.crs,
                crs_name=info.crs_name[:200],
                width=info.width,
                height=info.height,
                bands=info.bands,
                dtype=info.dtype,
                resolution_m=info.resolution_m,
                footprint=info.footprint.wkt,
                minzoom=meta.minzoom,
                maxzoom=meta.maxzoom,
                rescale=meta.rescale,
                size_bytes=meta.size_bytes,
                created_by=job.created_by,
            )
            IngestJob.objects.filter(pk=job.pk).update(
                status=IngestJob.Status.DONE,
                stage="done",
                progress=100,
                acquisition=acquisition,
                finished_at=timezone.now(),
            )
        kept = True
    except PortalError as exc:  # a refusal of cog.py's: the file's own fault, said in its words
        _fail(job, exc)
    except (RasterioError, RioTilerError) as exc:
        # The header was fine but the pixels are not: a truncated or damaged file.
        _fail(
            job,
            PortalError(
                "Tệp ảnh bị hỏng: không đọc được dữ liệu điểm ảnh (tệp bị cắt cụt hoặc lỗi).",
                "The image file is corrupt: its pixel data cannot be read (truncated or damaged).",
                {"gdal": str(exc)[:500]},
                code="corrupt_image",
            ),
        )
    except Exception:
        _fail(
            job,
            PortalError(
                "Chuyển đổi ảnh thất bại do lỗi máy chủ.",
                "The conversion failed with a server error.",
                code="conversion_failed",
            ),
        )
        log.exception("ingest job %s failed", job.pk)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if not kept:
            final.unlink(missing_ok=True)
        if job.source_is_upload:
            # Our temporary copy: the COG is what is kept (the officer keeps the original in the archive).
            src.unlink(missing_ok=True)


# A worker killed mid-conversion (OOM, a container stopped, a machine lost) never reaches `finally`: its job stays
# "running", with a half-written COG. The worker holds a PostgreSQL advisory lock on the job while it runs it; the
# server drops it when the worker's connection dies, which is how a dead job is told from a slow one on any machine.
_LOCK_CLASS = 0x1C06  # the advisory-lock namespace of ingest jobs (two-int form: class, job id)

WORKER_LOST = PortalError(
    "Tiến trình xử lý ảnh bị dừng giữa chừng; ảnh chưa được lưu. Vui lòng tải lên lại.",
    "The worker converting the image stopped part-way; nothing was kept. Please upload the image again.",
    code="worker_lost",
)


def _prefix(job_id: int) -> str:
    return f"j{job_id}-"


def _lock(job_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, job_id])
        return bool(cur.fetchone()[0])


def _unlock(job_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, job_id])


def reap_abandoned() -> list[int]:
    """Fail every running job whose worker is gone, removing its partial files; the ids failed.

    Run when a worker starts (imagery/tasks.py) and before each job: a job is never left half-registered —
    either its Acquisition and COG both exist, or the job is failed and neither does.
    """
    reaped = []
    for job in IngestJob.objects.filter(status=IngestJob.Status.RUNNING):
        if not _lock(job.pk):
            continue  # its worker is alive and converting
        try:
            job.refresh_from_db()
            if job.status != IngestJob.Status.RUNNING:
                continue  # finished between the query and the lock
            kept = Acquisition.objects.filter(ingest_job=job).values_list("cog_name", flat=True).first()
            for path in cogs_dir().glob(f"{_prefix(job.pk)}*"):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                elif path.name != kept:
                    path.unlink(missing_ok=True)
            if job.source_is_upload:
                Path(job.source_path).unlink(missing_ok=True)
            _fail(job, WORKER_LOST)
            reaped.append(job.pk)
            log.warning("ingest job %s: its worker stopped mid-conversion; failed and cleaned", job.pk)
        finally:
            _unlock(job.pk)
    return reaped


def delete_acquisition(acquisition: Acquisition) -> None:
    """Remove an acquisition and its COG (cached tiles expire by themselves and are never served: no row)."""
    path = acquisition.cog_path
    acquisition.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def import_dir() -> Path | None:
    """The folder whose files the API may register by path, or None when that is off."""
    raw = settings.IMAGERY_IMPORT_DIR
    return Path(raw).resolve() if raw else None
