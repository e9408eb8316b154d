"""`manage.py import_businesses FILE [--full] [--dry-run] [--user NAME]`: the sync, from a file on disk."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from businesses import sync, sync_files
from businesses.models import SyncRun
from gisportal.errors import PortalError


class Command(BaseCommand):
    help = (
        "Sync business households from a CSV or XLSX file, all or nothing: prints created / updated / unchanged / "
        "rejected rows and why; exits non-zero when a row is rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv (UTF-8, ',' or ';') or .xlsx file")
        parser.add_argument("--full", action="store_true", help="A full list: mark active businesses not in it")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing")
        parser.add_argument("--user", help="Username recorded on the run and in the businesses' history")

    def handle(self, *args, file: str, full: bool, dry_run: bool, user: str | None, **options):
        account = None
        if user:
            account = get_user_model().objects.filter(username=user).first()
            if account is None:
                raise CommandError(f"Không có người dùng '{user}'. / No user {user!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {file}. / No file {file}.")
        try:
            rows = sync_files.read_rows(path)
            run = sync.sync(
                rows, full=full, user=account, source=SyncRun.Source.COMMAND, file_name=path.name, dry_run=dry_run
            )
        except PortalError as exc:
            details = f"\n{exc.details}" if exc.details else ""
            raise CommandError(f"{exc.message}\n{exc.message_en}{details}") from exc
        self.print_report(run, dry_run)
        if run.rejected:
            raise CommandError(
                f"{run.rejected} dòng bị từ chối, không ghi gì. / {run.rejected} row(s) rejected, nothing written."
            )

    def print_report(self, run: SyncRun, dry_run: bool) -> None:
        out = self.stdout.write
        title = "Thử (không ghi) / Dry run (nothing written)" if dry_run else f"Lần đồng bộ / Sync run #{run.pk}"
        out(f"{title}: {run.file_name}{' (full)' if run.full else ''}")
        out(f"  Tạo mới / created:           {run.created}")
        out(f"  Cập nhật / updated:          {run.updated}")
        out(f"  Không đổi / unchanged:       {run.unchanged}")
        out(f"  Bị từ chối / rejected rows:  {run.rejected}")
        out(f"  Vắng mặt / marked missing:   {run.marked_missing}")
        for item in run.report.get("rejections", []):
            where = f"Dòng / row {item['row']} [{item['registration_no'] or '-'}] {item['field']}"
            out(self.style.ERROR(f"{where}: {item['reason']}"))
            out(f"    {item['message']}")
            out(f"    {item['message_en']}")
        for item in run.report.get("missing", []):
            since = item["missing_since"]
            out(f"  Vắng mặt / missing: {item['registration_no']} (id {item['id']}, từ / since {since})")
