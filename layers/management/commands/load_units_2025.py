"""manage.py load_units_2025 [--table FILE] [--boundaries SHP]: HCMC's 2025 units and their predecessors."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from layers.units.units2025 import REFERENCE_FILE, UnitsRefused, load


class Command(BaseCommand):
    help = (
        "Nạp 168 đơn vị hành chính 2025 và các đơn vị trước sáp nhập (kèm ranh giới gần đúng) / "
        "Load the 168 units of 2025 and their predecessors (with approximate boundaries)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--table", default=str(REFERENCE_FILE), help="the reference CSV (default: the committed one)"
        )
        parser.add_argument(
            "--boundaries", help="pre-2025 ward polygons with GSO codes (e.g. Population_Ward_Level.shp)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count, then roll back")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **opts) -> None:
        try:
            report = load(opts["table"], opts["boundaries"], dry_run=opts["dry_run"])
        except UnitsRefused as exc:
            for problem in exc.details["problems"]:
                self.stderr.write(f"{problem['message']} / {problem['message_en']}")
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        if opts["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
            return
        for unit in report.units:
            self.stdout.write(
                f"{unit['code']} {unit['name']}: {unit['predecessors']} tiền thân / predecessors, "
                f"ranh giới / boundary: {unit['boundary']}"
            )
        for note in report.notes:
            self.stdout.write(f"ghi chú / note: {note}")
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in sorted(report.counts.items())))
        if opts["dry_run"]:
            self.stdout.write("dry run: nothing written / chạy thử: chưa ghi gì")
