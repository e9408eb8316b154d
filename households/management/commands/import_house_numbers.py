"""``manage.py import_house_numbers FILE [--crs EPSG] [--ward CODE] [--dry-run]``: the upload's import, from a shell."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from gisportal.errors import PortalError
from households.imports.crs import ACCEPTED_CRS
from households.imports.run import run_import
from households.models import HouseImport
from layers.models import AdminUnit


class Command(BaseCommand):
    help = (
        "Import house numbers from a CSV, XLSX, GeoPackage or Shapefile (.shp or .zip), all or nothing, and print"
        " the standardisation report. VN-2000 columns x/y are read as the survey convention: X northing, Y easting."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        codes = ", ".join(map(str, ACCEPTED_CRS))
        parser.add_argument("--crs", type=int, help=f"EPSG code of the coordinates: {codes}")
        parser.add_argument("--ward", help="Code (or id) of the ward every point must lie in")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing")
        parser.add_argument("--json", action="store_true", help="Print the whole report as JSON")

    def handle(self, *args, file: str, crs: int | None, ward: str | None, dry_run: bool, json: bool, **options):
        target = None
        if ward:
            units = AdminUnit.objects.valid_on().wards()
            target = units.filter(code=ward).first() or (units.filter(pk=int(ward)).first() if ward.isdigit() else None)
            if target is None:
                raise CommandError(f"Không có phường mã {ward} / No current ward with code {ward}")
        job = HouseImport.objects.create(
            source=HouseImport.Source.COMMAND, file_name=file.rsplit("/", 1)[-1], ward=target, crs=crs, dry_run=dry_run
        )
        start = time.perf_counter()

        def show(stage: str, pct: int) -> None:
            self.stderr.write(f"\r[{pct:3d}%] {stage:<12} {time.perf_counter() - start:6.1f} s", ending="")
            self.stderr.flush()

        try:
            job = run_import(job, file, progress=show)
        except PortalError as exc:
            self.stderr.write("")
            raise CommandError(f"{exc.message} / {exc.message_en}") from exc
        self.stderr.write("")
        if json:
            self.stdout.write(_json(job.report))
        else:
            self._summary(job)
        if job.status == HouseImport.Status.REJECTED:
            raise CommandError(
                f"{job.rejected} dòng bị từ chối, không ghi gì / {job.rejected} row(s) rejected, nothing written"
            )

    def _summary(self, job: HouseImport) -> None:
        r = job.report
        self.stdout.write(
            f"import #{job.pk} {job.status}: {r['rows']} rows, {job.created} created, {job.updated} updated, "
            f"{job.unchanged} unchanged, {job.rejected} rejected in {job.seconds:.1f} s (crs {r['crs']})"
        )
        for title, section in (("rejected", r["rejections"]), ("warning", r["warnings"])):
            for code, items in section.items():
                self.stdout.write(f"  {title} {code}: {items['count']}")
                for item in items["items"][:5]:
                    self.stdout.write(f"    row {item['row']}: {item['message']}")


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, default=str)
