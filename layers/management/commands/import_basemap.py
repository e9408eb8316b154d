"""`manage.py import_basemap FILE.osm.pbf [--bbox W,S,E,N]`: an OpenStreetMap extract into the portal's basemap."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers.basemap import osm as basemap_osm


class Command(BaseCommand):
    help = (
        "Import streets, buildings, water, parks and trees of an OpenStreetMap extract (.osm.pbf or .osm XML, read "
        "by GDAL's OSM driver) into the portal's own basemap. Idempotent by OSM id; all or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="An OpenStreetMap extract downloaded once, e.g. vietnam-latest.osm.pbf")
        parser.add_argument("--bbox", help="Only this box: west,south,east,north in degrees (WGS 84)")

    def handle(self, *args, file: str, bbox: str | None, **options):
        try:
            box = basemap_osm.parse_bbox(bbox) if bbox else None
            rows = basemap_osm.read_rows(Path(file), box)
            if not rows:
                raise basemap_osm.OsmImportError(
                    "Tệp không có đường, công trình, mặt nước, công viên hay cây nào (trong --bbox).",
                    "The file has no streets, buildings, water, parks or trees (inside --bbox).",
                )
            summary = basemap_osm.import_rows(rows)
        except basemap_osm.OsmImportError as exc:
            raise CommandError(f"{exc.message}\n{exc.message_en}") from exc
        parts = ", ".join(f"{kind} {n}" for kind, n in sorted(summary.counts.items()))
        self.stdout.write(
            f"Đã nhập / Imported: {parts}; thay thế / replaced {summary.replaced} hàng cũ / earlier rows."
        )
