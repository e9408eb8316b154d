"""Import house numbers from a file, all or nothing, with the standardisation report.

The file is read whole (``house_files``), then every row is checked with array operations: each
distinct address or number string is parsed once; coordinates go through one PROJ call per CRS
(PROJ's own EPSG transformation, never a hand-written ``+towgs84``); every point finds its ward and
khu phố in one SQL statement. A row that cannot be stored rejects the whole file: the import row
keeps the report (each rejected row and why) and nothing else is written. Otherwise new numbers go
in by COPY, moved ones are updated (version + 1), and each gets its history row, in one transaction.

Vietnamese survey files write X as the northing and Y as the easting: columns ``x``/``y`` of a VN-2000
file are read that way; ``easting``/``northing`` say it outright. WGS 84 wants ``lat``/``lon``.

The stages live beside this module: ``rows`` (text, numbers, addresses, coordinates), ``places`` (wards,
streets, duplicates), ``report`` (standardisation and the report), ``writer`` (COPY, updates, history).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.utils import timezone

from gisportal.errors import PortalError, body
from households import house_files
from households.imports.issues import Issues
from households.imports.places import Placement
from households.imports.report import Report
from households.imports.rows import RowChecks
from households.imports.writer import Writer
from households.models import HouseImport

MOVED_DEG = 1e-7  # ~1 cm: a point re-typed with fewer decimals has not moved

Progress = Callable[[str, int], None]


def run_import(
    job: HouseImport, path: str | Path, *, allowed_wards: set[int] | None = None, progress: Progress | None = None
) -> HouseImport:
    """Check and (unless a dry run) write one file; the job row ends done, checked, rejected or failed.

    ``allowed_wards``: the wards the uploader edits (None: any). A file-level problem (format, header,
    CRS, size) raises its PortalError after the job is marked failed.
    """
    started = time.perf_counter()

    def step(stage: str, pct: int) -> None:
        HouseImport.objects.filter(pk=job.pk).update(stage=stage, progress=pct, status=HouseImport.Status.RUNNING)
        if progress:
            progress(stage, pct)

    try:
        outcome = _Import(job, Path(path), allowed_wards, step).run()
    except PortalError as exc:
        job.status = HouseImport.Status.FAILED
        job.error = body(exc.code, exc.message, exc.message_en, exc.details)
        job.finished_at = timezone.now()
        job.seconds = time.perf_counter() - started
        job.save()
        raise
    outcome.seconds = time.perf_counter() - started
    outcome.finished_at = timezone.now()
    outcome.progress = 100
    outcome.stage = ""
    outcome.save()
    return outcome


class _Import(RowChecks, Placement, Report, Writer):
    """One run: arrays over the file's rows, filled stage by stage."""

    def __init__(self, job: HouseImport, path: Path, allowed_wards: set[int] | None, step: Callable) -> None:
        self.job, self.path, self.allowed, self.step = job, path, allowed_wards, step
        self.issues = Issues()
        self.timings: dict[str, float] = {}
        self._t = time.perf_counter()

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._t, 3)
        self._t = now

    def run(self) -> HouseImport:
        self.step("reading", 5)
        table = house_files.read_table(self.path, self.job.file_name)
        self.table, self.n = table, len(table)
        self.row_no = table.rows
        self._lap("read")
        self.step("parsing", 20)
        self._texts()
        self._addresses()
        self._lap("parse")
        self.step("coordinates", 40)
        self._crs()
        self._coordinates()
        self._lap("transform")
        self.step("wards", 55)
        self._wards()
        self._lap("wards")
        self.step("streets", 65)
        self._streets()
        self._duplicates_and_existing()
        self._lap("match")
        self.step("checks", 75)
        self._standardisation()
        self._lap("checks")
        return self._finish()

    def _finish(self) -> HouseImport:
        job = self.job
        new, moved, unchanged = [], [], 0
        for key, i in self.keep.items():
            old = self.existing.get(key)
            if old is None:
                new.append(i)
            elif (
                abs(old[1] - self.lon[i]) > MOVED_DEG
                or abs(old[2] - self.lat[i]) > MOVED_DEG
                or (old[5] or 0) != self.khu_pho[i]
            ):
                moved.append((old[0], i))
            else:
                unchanged += 1
        job.rows = self.n
        job.rejected = len(self.issues.bad)
        job.created, job.updated, job.unchanged = len(new), len(moved), unchanged
        if job.rejected or job.dry_run:
            job.status = HouseImport.Status.REJECTED if job.rejected else HouseImport.Status.CHECKED
            if job.rejected:
                job.created = job.updated = job.unchanged = 0
        else:
            self.step("writing", 85)
            self._write(new, moved)
            job.status = HouseImport.Status.DONE
        self._lap("write")
        job.report = self._report()
        return job
