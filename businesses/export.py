"""Exports of a filtered business list as CSV, XLSX or GeoJSON, each one logged.

Who may export is decided in `gisportal/permissions.py` (`may_export`: officers their own scope, leaders
and admins everything); the rows come from `businesses/api/filters.py`'s `business_rows`, so an export
holds exactly what the same user's list holds. Rows are read in keyset chunks (`id > last`), never all
at once: a district leader's export of a million rows streams in constant memory. CSV and GeoJSON
stream as they are read; an XLSX is a zip that openpyxl (write_only) writes to a temporary file, which is then streamed.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterator
from typing import IO, Any

import orjson
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook

from businesses.models import ExportLog
from gisportal.errors import InvalidInput
from gisportal.exports import safe_text
from gisportal.permissions import may_export

FORMATS = ("csv", "xlsx", "geojson")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row

# (column name, queryset path). The same names as the list API's properties, flattened.
PUBLIC_COLUMNS = [
    ("id", "id"),
    ("registration_no", "registration_no"),
    ("signboard", "signboard"),
    ("industry_code", "industry__code"),
    ("industry_name", "industry__name"),
    ("vsic", "industry__version"),
    ("section", "section"),
    ("status", "status"),
    ("address_current", "address_current"),
    ("address_legacy", "address_legacy"),
    ("ward_code", "ward__code"),
    ("ward_name", "ward__name"),
    ("khu_pho_name", "khu_pho__name"),
    ("street_block", "street_block"),
    ("registered_on", "registered_on"),
    ("status_changed_on", "status_changed_on"),
    ("licences", "licences"),
    ("missing_from_sync_at", "missing_from_sync_at"),
]
PRIVATE_COLUMNS = [("owner_name", "owner_name"), ("owner_phone", "owner_phone")]


def columns_for(user: Any) -> list[tuple[str, str]]:
    """Every exporting role reads the private fields of every row in its scope (see `businesses/api/filters.py`)."""
    return PUBLIC_COLUMNS + (PRIVATE_COLUMNS if may_export(user) else [])


def start(user: Any, fmt: str, given: dict, rows: QuerySet) -> ExportLog:
    """Log the export before the first byte leaves: who, which format, the filters as given, the row count."""
    count = rows.count()
    if fmt == "xlsx" and count > XLSX_MAX_ROWS:
        raise InvalidInput(
            f"{count} dòng vượt giới hạn của Excel; hãy lọc bớt hoặc xuất CSV.",
            f"{count} rows exceed Excel's limit; narrow the filter or export CSV.",
            {"rows": count},
            code="too_many_rows",
        )
    return ExportLog.objects.create(user=user, format=fmt, filters=given, row_count=count)


def _chunks(rows: QuerySet, paths: list[str], log: ExportLog) -> Iterator[list[tuple]]:
    """Rows in id order, CHUNK at a time; the log's count is corrected if rows changed since it was taken."""
    last, sent = 0, 0
    while True:
        chunk = list(rows.filter(id__gt=last).order_by("id").values_list(*paths, "geom")[:CHUNK])
        if not chunk:
            break
        last = chunk[-1][0]
        sent += len(chunk)
        yield chunk
    if sent != log.row_count:
        ExportLog.objects.filter(pk=log.pk).update(row_count=sent)


def _plain(value: Any) -> Any:
    """A cell value for CSV and GeoJSON: dates as ISO text, lists joined, text made safe."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return safe_text(";".join(value))
    if isinstance(value, str):
        return safe_text(value)
    return value


class _Line:
    """csv.writer's file: each write hands the formatted line back instead of storing it."""

    def write(self, line: str) -> str:
        return line


def csv_stream(rows: QuerySet, columns: list[tuple[str, str]], log: ExportLog) -> Iterator[bytes]:
    """UTF-8 with a BOM, which Excel needs to read Vietnamese; one yield per chunk."""
    writer = csv.writer(_Line())
    names, paths = [c for c, _ in columns], [p for _, p in columns]
    yield ("\ufeff" + writer.writerow([*names, "lon", "lat"])).encode()
    for chunk in _chunks(rows, paths, log):
        lines = [
            writer.writerow([*(_plain(v) for v in row[:-1]), round(row[-1].x, 7), round(row[-1].y, 7)]) for row in chunk
        ]
        yield "".join(lines).encode()


def geojson_stream(rows: QuerySet, columns: list[tuple[str, str]], log: ExportLog) -> Iterator[bytes]:
    """A FeatureCollection written feature by feature (RFC 7946: lon/lat, WGS 84)."""
    names, paths = [c for c, _ in columns], [p for _, p in columns]
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for chunk in _chunks(rows, paths, log):
        parts = []
        for row in chunk:
            props = {}
            for name, value in zip(names, row[:-1], strict=True):
                props[name] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
            geom = row[-1]
            feature = {
                "type": "Feature",
                "id": row[0],
                "geometry": {"type": "Point", "coordinates": [round(geom.x, 7), round(geom.y, 7)]},
                "properties": props,
            }
            parts.append(orjson.dumps(feature))
        yield (b"" if first else b",") + b",".join(parts)
        first = False
    yield b"]}"


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if isinstance(value, list):
        return safe_text(";".join(value))
    if isinstance(value, str):
        # openpyxl would store "=…" as a formula; the apostrophe keeps it text.
        return safe_text(value)
    return value


def xlsx_file(rows: QuerySet, columns: list[tuple[str, str]], log: ExportLog) -> IO[bytes]:
    """A temporary file holding the workbook (deleted when closed), positioned at its start."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Hộ kinh doanh")
    names, paths = [c for c, _ in columns], [p for _, p in columns]
    ws.append([*names, "lon", "lat"])
    for chunk in _chunks(rows, paths, log):
        for row in chunk:
            ws.append([*(_xlsx_cell(v) for v in row[:-1]), round(row[-1].x, 7), round(row[-1].y, 7)])
    out = tempfile.TemporaryFile(suffix=".xlsx")
    wb.save(out)
    out.seek(0)
    return out


def filename(fmt: str) -> str:
    return f"ho-kinh-doanh-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"
