"""``manage.py house_number_report WARD``: the standardisation report of one ward's house numbers, as JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from gisportal.errors import InvalidInput
from households import reports
from households.api import params


class Command(BaseCommand):
    help = "Duplicates, unparseable numbers, points outside the ward, far from their street, out of sequence."

    def add_arguments(self, parser):
        parser.add_argument("ward", help="Code (or id) of a current ward")

    def handle(self, *args, ward: str, **options):
        try:
            unit = params.required_ward(ward)
        except InvalidInput as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from exc
        report = {"ward_name": unit.name, **reports.ward_report(unit.pk)}
        self.stdout.write(json.dumps(report, ensure_ascii=False, indent=1))
