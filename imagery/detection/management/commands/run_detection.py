"""`manage.py run_detection --before A --after B [--ward W | --khu-pho K]`: a detection run with a progress bar."""

from __future__ import annotations

import time
from typing import cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from gisportal.errors import PortalError
from imagery.detection import runs
from imagery.detection.models import DetectionRun
from imagery.models import Acquisition
from layers.models import AdminUnit


class Command(BaseCommand):
    help = (
        "Flag new structures between two acquisitions over a ward (default: the earlier one's) or a khu phố. "
        "The run is split into tiles that the Celery workers take; this command follows its progress "
        "(--inline runs the tiles here). Running the same pair over the same area again updates its flags."
    )

    def add_arguments(self, parser):
        parser.add_argument("--before", type=int, required=True, help="Id of the earlier acquisition")
        parser.add_argument("--after", type=int, required=True, help="Id of the later acquisition")
        parser.add_argument("--ward", type=int, help="Ward id (default: the earlier acquisition's ward)")
        parser.add_argument("--khu-pho", type=int, help="Only this khu phố (id)")
        parser.add_argument("--user", help="Username recorded as the one who started the run")
        parser.add_argument("--inline", action="store_true", help="Run the tiles in this process")
        parser.add_argument("--no-wait", action="store_true", help="Queue the run and exit (prints its id)")

    def handle(self, *args, before: int, after: int, ward: int | None, khu_pho: int | None, **options):
        pair = {a.pk: a for a in Acquisition.objects.filter(pk__in=[before, after])}
        if before not in pair or after not in pair:
            raise CommandError(f"Không có ảnh {before} hoặc {after}. / No acquisition {before} or {after}.")
        kind, unit = DetectionRun.AreaKind.WARD, None
        ward_unit: AdminUnit | None
        if khu_pho:
            unit = AdminUnit.objects.filter(pk=khu_pho, level="khu_pho").first()
            if unit is None:
                raise CommandError(f"Không có khu phố {khu_pho}. / No khu phố {khu_pho}.")
            # A khu phố always lies in its ward.
            kind, area_unit, ward_unit = DetectionRun.AreaKind.KHU_PHO, unit, cast(AdminUnit, unit.parent)
        else:
            ward_unit = AdminUnit.objects.wards().filter(pk=ward or pair[before].ward_id).first()
            if ward_unit is None:
                raise CommandError(f"Không có phường {ward}. / No ward {ward}.")
            area_unit = ward_unit
        account = None
        if options["user"]:
            account = get_user_model().objects.filter(username=options["user"]).first()
            if account is None:
                raise CommandError(f"Không có người dùng '{options['user']}'. / No user {options['user']!r}.")
        inline = options["inline"]
        try:
            run = runs.start_run(
                before=pair[before],
                after=pair[after],
                ward=ward_unit,
                area=area_unit.boundary,
                area_kind=kind,
                khu_pho=unit,
                user=account,
                queue=not inline,
            )
        except PortalError as exc:
            raise CommandError(f"{exc.message}\n{exc.message_en}") from exc
        self.stdout.write(f"Run #{run.pk}: {run.tiles_total} tiles, model {run.model_version}")
        if options["no_wait"] and not inline:
            return
        with tqdm(total=100, unit="%", desc="detection", file=self.stderr._out) as bar:
            try:
                if inline:
                    run = runs.run_inline(run, on_progress=lambda p: bar.update(p - bar.n))
                else:
                    run = self._follow(run, bar)
            except KeyboardInterrupt:
                runs.cancel_run(run)
                raise CommandError("Đã hủy. / Cancelled.") from None
            bar.update(run.progress - bar.n)
        if run.status != DetectionRun.Status.DONE:
            raise CommandError(f"[{run.status}] {run.message}\n{run.message_en}")
        self.stdout.write(f"{run.message}\n{run.message_en}")

    def _follow(self, run: DetectionRun, bar) -> DetectionRun:
        started, warned = time.monotonic(), False
        while True:
            run.refresh_from_db()
            bar.update(run.progress - bar.n)
            if run.finished:
                return run
            if run.status == DetectionRun.Status.QUEUED and not warned and time.monotonic() - started > 15:
                bar.write(
                    "Chưa có worker nhận việc; chạy worker hoặc dùng --inline. / No worker yet: start one, or --inline."
                )
                warned = True
            time.sleep(0.5)
