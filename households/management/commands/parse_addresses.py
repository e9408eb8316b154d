"""``manage.py parse_addresses FILE``: one address per line in, one JSON object per line out.

Meant for checking a spreadsheet column before an import: every input line gets exactly one output line,
so the two files stay aligned, and a bad line is reported in its ``error`` field instead of stopping the
run.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import fields

from django.core.management.base import BaseCommand, CommandError

from households.addresses import AddressError, ParsedAddress, parse_address

# The keys of ParsedAddress.as_dict(), so a failed line has the same shape as a parsed one.
FIELDS = (*(f.name for f in fields(ParsedAddress)), "canonical")


class Command(BaseCommand):
    help = "Parse Vietnamese addresses (one per line, UTF-8; '-' for stdin) and print one JSON object per line."
    stealth_options = ("stdin",)  # call_command(..., stdin=io.StringIO(...)) in tests
    requires_system_checks = []  # pure text in, text out: no models, no database

    def add_arguments(self, parser):
        parser.add_argument("file", help="UTF-8 text file with one address per line, or '-' for stdin")

    def handle(self, *args, **options):
        lines = self._read(options["file"], options.get("stdin"))
        parsed = 0
        for number, line in enumerate(lines, start=1):
            try:
                row = {"line": number, **parse_address(line).as_dict(), "error": ""}
                parsed += 1
            except AddressError as exc:
                row = {"line": number, **dict.fromkeys(FIELDS), "raw": line, "error": str(exc)}
            self.stdout.write(json.dumps(row, ensure_ascii=False))
        self.stderr.write(f"{len(lines)} lines, {parsed} parsed, {len(lines) - parsed} errors")

    def _read(self, path: str, stdin: io.TextIOBase | None) -> list[str]:
        """All lines without their line ends; a BOM (Excel's UTF-8 export) is dropped."""
        try:
            if path == "-":
                text = (stdin or io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig")).read()
            else:
                with open(path, encoding="utf-8-sig") as handle:
                    text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Không đọc được {path} / Cannot read {path}: {exc}") from exc
        return text.removeprefix("\ufeff").splitlines()
