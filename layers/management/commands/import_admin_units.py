"""manage.py import_admin_units FILE --level ward|district: boundaries from any vector file, all or nothing."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gisportal.errors import PortalError
from layers.units.admin_import import ImportRefused, import_admin_units


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Ngày không hợp lệ / invalid date: {text!r} (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Nhập ranh giới phường/quận từ tệp GIS / Import ward or district boundaries from a GIS file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--level", required=True, choices=["ward", "district"])
        parser.add_argument("--name-field")
        parser.add_argument("--code-field")
        parser.add_argument("--parent-code-field")
        parser.add_argument("--valid-from", type=_date)
        parser.add_argument("--valid-to", type=_date)
        parser.add_argument("--repair", action="store_true", help="ST_MakeValid invalid geometries")
        parser.add_argument("--allow-overlaps", action="store_true", help="report overlaps but import anyway")
        parser.add_argument("--dry-run", action="store_true", help="check and count, then roll back")

    def handle(self, *args, **opts) -> None:
        try:
            report = import_admin_units(
                opts["file"],
                opts["level"],
                name_field=opts["name_field"],
                code_field=opts["code_field"],
                parent_code_field=opts["parent_code_field"],
                valid_from=opts["valid_from"],
                valid_to=opts["valid_to"],
                repair=opts["repair"],
                allow_overlaps=opts["allow_overlaps"],
                dry_run=opts["dry_run"],
            )
        except ImportRefused as exc:
            for line in exc.report.lines():
                self.stdout.write(line)
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        except PortalError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from None
        for line in report.lines():
            self.stdout.write(line)
