"""`manage.py ingest_imagery FILE --ward W --date YYYY-MM-DD`: a GeoTIFF on disk → COG, with a progress bar."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from gisportal.errors import PortalError
from imagery import ingest
from imagery.models import IngestJob
from layers.models import AdminUnit


class Command(BaseCommand):
    help = (
        "Convert a GeoTIFF (RGB/RGBA, 8/16-bit, any CRS inside Vietnam) into a web-optimised COG and record it as "
        "an acquisition of a ward. The file is read where it is, never moved or deleted. By default the Celery "
        "worker converts it and this command follows its progress; --inline converts in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A GeoTIFF on this machine, readable by the worker")
        parser.add_argument("--ward", required=True, help="Ward id, GSO code or exact name")
        parser.add_argument("--date", required=True, help="Date of the flight, YYYY-MM-DD")
        parser.add_argument("--title", default="", help="e.g. 'Ảnh bay chụp 2019, 10 cm'")
        parser.add_argument("--user", help="Username recorded as the uploader")
        parser.add_argument("--inline", action="store_true", help="Convert here instead of in the Celery worker")
        parser.add_argument("--no-wait", action="store_true", help="Queue the job and exit (prints its id)")

    def handle(self, *args, file: str, ward: str, date: str, title: str, user: str | None, **options):
        path = Path(file).resolve()
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {file}. / No file {file}.")
        unit = self._ward(ward)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise CommandError(f"Ngày không hợp lệ: {date} (YYYY-MM-DD). / Invalid date: {date}.") from exc
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"Không có người dùng '{user}'. / No user {user!r}.")
        inline = options["inline"]
        try:
            job = ingest.start_path(
                path, ward=unit, year=day.year, acquired_on=day, title=title, user=account, queue=not inline
            )
        except PortalError as exc:
            raise CommandError(f"Tệp bị từ chối / File refused: {exc.message}\n{exc.message_en}") from exc
        self.stdout.write(f"Job #{job.pk}: {path.name} → {unit.name}, {day}")
        if options["no_wait"] and not inline:
            return
        with tqdm(total=100, unit="%", desc="COG", file=self.stderr._out) as bar:
            if inline:
                job = ingest.run_job(job.pk, on_progress=lambda p: bar.update(p - bar.n))
            else:
                job = self._follow(job, bar)
            bar.update(job.progress - bar.n)
        if job.status != IngestJob.Status.DONE:
            raise CommandError(f"Tệp bị từ chối / File refused [{job.error}]: {job.message}\n{job.message_en}")
        a = job.acquisition
        if a is None:  # a finished job always has made its acquisition
            raise CommandError(f"Không có ảnh sau lệnh #{job.pk}. / Job #{job.pk} made no acquisition.")
        self.stdout.write(
            f"Acquisition #{a.pk}: {a.width}×{a.height} px, {a.crs} ({a.crs_name}), {a.resolution_m:.3f} m/px, "
            f"z{a.minzoom}–{a.maxzoom}, COG {a.size_bytes / 2**20:.1f} MB"
        )

    def _follow(self, job: IngestJob, bar) -> IngestJob:
        """Poll the job row until the worker finishes it; say so if no worker picks it up."""
        started = time.monotonic()
        warned = False
        while True:
            job.refresh_from_db()
            bar.update(job.progress - bar.n)
            if job.status in (IngestJob.Status.DONE, IngestJob.Status.FAILED):
                return job
            if job.status == IngestJob.Status.QUEUED and not warned and time.monotonic() - started > 15:
                bar.write(
                    "Chưa có worker nhận việc; chạy worker hoặc dùng --inline. / No worker yet: start one, or --inline."
                )
                warned = True
            time.sleep(0.5)

    def _ward(self, raw: str) -> AdminUnit:
        wards = AdminUnit.objects.wards()
        match = Q(code=raw) | Q(name=raw)
        if raw.isdigit():
            match |= Q(pk=int(raw))
        found = list(wards.filter(match)[:2])
        if len(found) != 1:
            raise CommandError(f"Không xác định được phường '{raw}'. / No single ward matches {raw!r}.")
        return found[0]
