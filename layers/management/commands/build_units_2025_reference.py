"""manage.py build_units_2025_reference: write layers/reference/hcmc_units_2025.csv from public compilations."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from layers.units.units2025 import REFERENCE_FILE
from layers.units.units2025_build import build_from_files, write


class Command(BaseCommand):
    help = (
        "Dựng bảng tham chiếu 168 đơn vị hành chính 2025 từ bản tổng hợp công khai / "
        "Build the 2025 reference table from a public compilation (developers only; the CSV is committed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compilation", required=True, type=Path, help="hcm-data.json (Resolution 1685)")
        parser.add_argument("--gso", required=True, type=Path, help="dvhcvn_79_only.json (GSO list, 01/03/2025)")
        parser.add_argument("--cityscope", type=Path, help="2019 ward polygons, only to cross-check the codes")
        parser.add_argument("--out", type=Path, default=REFERENCE_FILE)

    def handle(self, *args, **opts) -> None:
        built = build_from_files(opts["compilation"], opts["gso"], opts["cityscope"])
        write(built.rows, opts["out"])
        self.stdout.write(f"{len(built.rows)} rows → {opts['out']}")
        for key, n in sorted(built.counts.items()):
            self.stdout.write(f"  {key}: {n}")
        for note in built.notes:
            self.stdout.write(f"  note: {note}")
