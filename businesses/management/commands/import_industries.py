"""`manage.py import_industries FILE --version VSIC2018|VSIC2025 [--dry-run]`: load an official VSIC table."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from businesses import vsic


class Command(BaseCommand):
    help = (
        "Load a VSIC table (CSV or XLSX) for one classification version, all or nothing: columns code + name "
        "(or the decision's Cấp 1…Cấp 5 + Tên ngành), optional level, name_en, parent, section. Re-running updates "
        "names and prints created / updated / unchanged; any bad row is listed and nothing is written."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version VSIC2018` is the option wards are told to use; it takes the place of Django's own `--version`.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (UTF-8; ',' or ';') or .xlsx file")
        parser.add_argument("--version", required=True, choices=list(vsic.FILES), dest="vsic_version")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing")

    def handle(self, *args, file: str, vsic_version: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {file}. / No file {file}.")
        try:
            report = vsic.import_table(path, vsic_version, dry_run=dry_run)
        except vsic.ImportRejected as exc:
            for bad in exc.report.errors:
                self.stderr.write(f"Dòng / row {bad.row} [{bad.code or '-'}]: {bad.reason} / {bad.reason_en}")
            count = len(exc.report.errors)
            raise CommandError(f"{count} dòng lỗi, không ghi gì. / {count} bad row(s), nothing written.") from exc
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        title = "Thử (không ghi) / Dry run (nothing written)" if dry_run else "Đã nạp / Loaded"
        self.stdout.write(f"{title}: {path.name} → {vsic_version}")
        self.stdout.write(f"  Tạo mới / created:      {report.created}")
        self.stdout.write(f"  Cập nhật / updated:     {report.updated}")
        self.stdout.write(f"  Không đổi / unchanged:  {report.unchanged}")
